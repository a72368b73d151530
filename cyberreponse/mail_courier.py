"""Sending the e-mail that requests queue, from one thread per process.

A request that committed e-mails hands their outbox ids to the courier once its response has gone
out. The courier's thread sends whatever it was handed, in batches: under load, one claim, one SMTP
conversation and one update carry the mail of many reports, instead of each request paying for its
own (and holding a server thread for it). Idle, a report's mail still leaves at once.

Nothing is lost if the process stops with ids still in hand: the rows stay in the outbox, and the
scheduler's minutely `mail_delivery` sends them. A database bound to a single connection (the
tests' rolled-back transaction) cannot be used from another thread: there, the mail is sent in the
caller's thread, as soon as it is handed over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.mail import deliver_pending_mail

logger = logging.getLogger(__name__)
BATCH = 100


class MailCourier:
    def __init__(self, send: Callable[[list[int]], object], *, in_caller_thread: bool = False) -> None:
        self._send = send
        self._in_caller_thread = in_caller_thread
        self._ready = threading.Condition()
        self._waiting: list[int] = []
        self._thread: threading.Thread | None = None

    @classmethod
    def for_database(cls, database: Database, settings: Settings) -> MailCourier:
        def send(ids: list[int]) -> None:
            with database.session_scope() as session:
                deliver_pending_mail(session, settings, limit=len(ids), only=ids)

        return cls(send, in_caller_thread=database.shares_one_connection)

    def hand_over(self, ids: Sequence[int]) -> None:
        """Send these committed messages soon; never raises, never waits for SMTP (except in the
        caller's thread, see above)."""
        if not ids:
            return
        if self._in_caller_thread:
            self._send_logged(list(ids))
            return
        with self._ready:
            self._waiting.extend(ids)
            if self._thread is None or not self._thread.is_alive():
                # Started on first use, in the process that serves (never before a fork).
                self._thread = threading.Thread(target=self._run, name="mail-courier", daemon=True)
                self._thread.start()
            self._ready.notify()

    def _run(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._waiting))
                batch, self._waiting = self._waiting[:BATCH], self._waiting[BATCH:]
            self._send_logged(batch)

    def _send_logged(self, ids: list[int]) -> None:
        try:
            self._send(ids)
        except Exception:  # a failed batch waits in the outbox for the scheduler's retry
            logger.exception("mail.delivery_failed")

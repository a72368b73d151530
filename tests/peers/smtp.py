"""A real SMTP server (aiosmtpd) on loopback, on an ephemeral port, optionally with STARTTLS."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class ReceivedMail:
    mail_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return str(part.get_content())
        raise AssertionError(f"no text/{subtype} part")


@dataclass
class _Collector:
    received: list[ReceivedMail] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        message = email.message_from_bytes(
            raw if isinstance(raw, bytes) else raw.encode(), policy=email.policy.default
        )
        with self.arrived:
            self.received.append(
                ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message)  # type: ignore[arg-type]
            )
            self.arrived.notify_all()
        return "250 Message accepted"


class SmtpServer:
    """Runs aiosmtpd in a thread with its own event loop; `port` is chosen by the kernel."""

    def __init__(self, host: str = "127.0.0.1", tls_context: ssl.SSLContext | None = None) -> None:
        self.host = host
        self._collector = _Collector()
        self._loop = asyncio.new_event_loop()
        self._tls = tls_context
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: Any = None
        self.port = 0

    def start(self) -> SmtpServer:
        def factory() -> SMTP:
            return SMTP(
                self._collector,
                hostname="smtp.test",
                tls_context=self._tls,
                require_starttls=self._tls is not None,
            )

        self._server = self._loop.run_until_complete(self._loop.create_server(factory, self.host, 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._thread.start()
        return self

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    @property
    def received(self) -> list[ReceivedMail]:
        return list(self._collector.received)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        with self._collector.arrived:
            self._collector.arrived.wait_for(lambda: len(self._collector.received) >= count, timeout)
        return self.received

    def settings_overrides(self, **extra: Any) -> dict[str, Any]:
        return {"mail.enabled": True, "mail.smtp_host": self.host, "mail.smtp_port": self.port, **extra}


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def closed_port() -> int:
    """A loopback port where nothing listens: connections are refused (an SMTP server that is down)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])

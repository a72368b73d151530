"""TLS the app itself controls (ASVS 12.3.1, 12.3.2): the mail relay and chat webhooks are reached over
TLS with the certificate verified; an untrusted certificate stops the connection, and a report is kept
while its e-mails wait. (TLS towards browsers is the reverse proxy's: docs/operations.md.)"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import trustme
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.extensions import limiter
from cyberreponse.mail import deliver_pending_mail, queue_mail
from cyberreponse.models import Incident, OutboxMail
from cyberreponse.webhooks import post_message
from tests.peers.smtp import SmtpServer
from tests.test_mail import CONTEXT
from tests.web.reporting import submit


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def starttls_relay(authority: trustme.CA) -> Iterator[SmtpServer]:
    """A real aiosmtpd relay offering STARTTLS with a certificate from a CA nobody trusts."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    server = SmtpServer(tls_context=context).start()
    yield server
    server.stop()


@pytest.mark.db
def test_a_report_is_kept_and_its_mail_retried_when_the_relay_certificate_is_untrusted(
    settings: Settings, db: Database, session: Session, starttls_relay: SmtpServer
) -> None:
    overrides = starttls_relay.settings_overrides(
        **{"mail.smtp_host": "localhost", "mail.smtp_starttls": True}
    )
    app = create_app(settings=settings.with_overrides(overrides), database=db)
    app.config["TESTING"] = True
    with app.app_context():
        limiter.reset()
    response = submit(app.test_client())
    assert response.status_code == 303
    assert session.scalar(select(func.count()).select_from(Incident)) == 1
    queued = session.scalars(select(OutboxMail)).all()
    assert len(queued) == 2
    for mail in queued:
        assert mail.sent_at is None and mail.failed_at is None and mail.attempts == 1
        assert "SSLCertVerificationError" in mail.last_error
        assert mail.next_attempt_at > now()  # retried later, by the scheduler's delivery job
    assert starttls_relay.received == []


@pytest.mark.db
def test_the_smtp_password_is_never_sent_without_starttls(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    queue_mail(session, "test", ["a@example.test"], "Sujet", "deadline_reminder", CONTEXT)
    session.commit()
    clear = settings.with_overrides(smtp_server.settings_overrides(**{"mail.smtp_username": "csirt"}))
    assert deliver_pending_mail(session, clear).failed == 1
    assert "needs mail.smtp_starttls" in session.scalars(select(OutboxMail)).one().last_error
    assert smtp_server.received == []


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        _Hook.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def https_webhook(authority: trustme.CA) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    _Hook.received = []
    yield f"https://localhost:{server.server_address[1]}/hooks/abc"
    server.shutdown()
    server.server_close()


def test_a_webhook_with_an_untrusted_certificate_gets_nothing(
    https_webhook: str, authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert post_message(https_webhook, "Alerte", timeout=5, attempts=2, sleep=lambda _: None) is False
    assert _Hook.received == []
    # Control: the same server, once its CA is trusted, gets the message (the refusal was the certificate).
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert post_message(https_webhook, "Alerte", timeout=5, attempts=1) is True
    assert [body["text"] for body in _Hook.received] == ["Alerte"]

"""E-mail through a real SMTP server: delivery, retry while the server is down, header injection,
escaping of report text in HTML mail, STARTTLS with certificate verification."""

from __future__ import annotations

import ssl
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
import trustme
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.errors import Invalid
from cyberreponse.mail import deliver_pending_mail, queue_mail
from cyberreponse.models import OutboxMail
from tests.peers.smtp import SmtpServer, closed_port

pytestmark = pytest.mark.db

CONTEXT = {
    "reference": "CR-2026-00001",
    "label": "NIS2 : alerte précoce (24 h)",
    "overdue": False,
    "due_at": "28/11/2026 10:00",
    "link": "http://127.0.0.1/incidents/CR-2026-00001",
}


def test_queued_mail_is_sent_after_commit_with_text_and_html_parts(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    queue_mail(session, "test", ["analyste@example.test"], "Échéance proche", "deadline_reminder", CONTEXT)
    session.commit()
    report = deliver_pending_mail(session, settings.with_overrides(smtp_server.settings_overrides()))
    assert report.sent == 1
    [mail] = smtp_server.wait_for(1)
    assert mail.recipients == ["analyste@example.test"]
    assert mail.subject == "Échéance proche"
    assert "CR-2026-00001" in mail.part("plain")
    assert "CR-2026-00001" in mail.part("html")
    assert session.scalars(select(OutboxMail)).one().sent_at is not None


def test_mail_is_kept_and_retried_while_the_smtp_server_is_down(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    queue_mail(session, "test", ["analyste@example.test"], "Sujet", "deadline_reminder", CONTEXT)
    session.commit()
    down = settings.with_overrides({"mail.enabled": True, "mail.smtp_port": closed_port()})
    report = deliver_pending_mail(session, down)
    assert (report.sent, report.failed) == (0, 1)
    stored = session.scalars(select(OutboxMail)).one()
    assert stored.sent_at is None and stored.attempts == 1
    assert "ConnectionRefusedError" in stored.last_error
    # Not retried before its back-off delay, then delivered once the server is back.
    assert deliver_pending_mail(session, settings.with_overrides(smtp_server.settings_overrides())).sent == 0
    with time_machine.travel(now() + timedelta(minutes=3)):
        assert (
            deliver_pending_mail(session, settings.with_overrides(smtp_server.settings_overrides())).sent == 1
        )
    assert len(smtp_server.wait_for(1)) == 1


@pytest.mark.parametrize(
    ("recipient", "subject"),
    [
        ("victime@example.test\r\nBcc: autre@example.test", "Sujet"),
        ("victime@example.test", "Sujet\r\nBcc: x@y.test"),
    ],
)
def test_cr_lf_in_address_or_subject_is_refused(session: Session, recipient: str, subject: str) -> None:
    with pytest.raises(Invalid):
        queue_mail(session, "test", [recipient], subject, "deadline_reminder", CONTEXT)
    assert session.scalars(select(OutboxMail)).first() is None


def test_report_text_is_escaped_in_html_mail(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    payload = "<script>alert(1)</script>{{7*7}}"
    queue_mail(
        session, "test", ["a@example.test"], "Sujet", "deadline_reminder", {**CONTEXT, "label": payload}
    )
    session.commit()
    deliver_pending_mail(session, settings.with_overrides(smtp_server.settings_overrides()))
    [mail] = smtp_server.wait_for(1)
    html = mail.part("html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html
    assert "49" not in html


@pytest.fixture
def tls_authority() -> trustme.CA:
    return trustme.CA()


def _tls_server(ca: trustme.CA) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return SmtpServer(tls_context=context).start()


def test_starttls_verifies_the_server_certificate(
    session: Session, settings: Settings, tls_authority: trustme.CA, tmp_path: Path
) -> None:
    server = _tls_server(tls_authority)
    try:
        ca_file = tmp_path / "ca.pem"
        tls_authority.cert_pem.write_to_path(str(ca_file))
        queue_mail(session, "test", ["a@example.test"], "Sujet", "deadline_reminder", CONTEXT)
        session.commit()
        untrusted = settings.with_overrides(
            server.settings_overrides(**{"mail.smtp_host": "localhost", "mail.smtp_starttls": True})
        )
        assert deliver_pending_mail(session, untrusted).failed == 1
        assert "SSLCertVerificationError" in session.scalars(select(OutboxMail)).one().last_error
        trusted = settings.with_overrides(
            server.settings_overrides(
                **{
                    "mail.smtp_host": "localhost",
                    "mail.smtp_starttls": True,
                    "mail.smtp_ca_file": str(ca_file),
                }
            )
        )
        with time_machine.travel(now() + timedelta(minutes=3)):
            assert deliver_pending_mail(session, trusted).sent == 1
        assert len(server.wait_for(1)) == 1
    finally:
        server.stop()


def test_nothing_is_sent_when_mail_is_disabled(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    queue_mail(session, "test", ["a@example.test"], "Sujet", "deadline_reminder", CONTEXT)
    session.commit()
    assert deliver_pending_mail(session, settings).sent == 0
    assert session.scalars(select(OutboxMail)).one().sent_at is None

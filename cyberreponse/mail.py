"""E-mail: rendered from templates, queued in the outbox inside the transaction that causes it,
sent over SMTP after commit, and retried while the server is unreachable (ASVS 16.5.2).

A report is never lost because the mail server is down: the outbox row is committed with the
report, and `deliver_pending_mail` (run by the process's courier, `mail_courier.py`, right after a
report's response, and every minute by the scheduler) sends whatever is due. CR or LF in an
address or a subject is refused (header injection, ASVS 1.3.11).
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, undefer

from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.errors import Invalid
from cyberreponse.logs import log_event
from cyberreponse.models import OutboxMail

logger = logging.getLogger(__name__)
CLAIM = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
_QUEUED = "cyberreponse.queued_mail"

# Mail templates: HTML ones are autoescaped, so text from a report can never become markup.
_templates = Environment(
    loader=PackageLoader("cyberreponse", "templates/mail"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.install_null_translations(newstyle=True)  # type: ignore[attr-defined]


def check_header(value: str, field: str) -> str:
    """Refuse anything that could end a header line and start a new one."""
    if any(char in value for char in "\r\n\x00"):
        raise Invalid(field, "Retour à la ligne interdit dans une adresse ou un objet de message.")
    return value


def render(template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """The plain-text and HTML bodies of `mail/<template>.txt|.html`."""
    text = _templates.get_template(f"{template}.txt").render(context)
    html = _templates.get_template(f"{template}.html").render(context)
    return text, html


def queue_mail(
    session: Session,
    kind: str,
    recipients: Sequence[str],
    subject: str,
    template: str,
    context: Mapping[str, Any],
) -> OutboxMail | None:
    """Add a message to the caller's transaction; nothing is sent before it commits."""
    addresses = [check_header(address.strip(), "email") for address in recipients if address.strip()]
    if not addresses:
        return None
    check_header(subject, "subject")
    text, html = render(template, context)
    mail = OutboxMail(
        kind=kind,
        recipients=json.dumps(addresses),
        subject=subject,
        text_body=text,
        html_body=html,
        next_attempt_at=now(),
    )
    session.add(mail)
    track_queued(session, mail)
    return mail


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    username: str
    password: str
    timeout: int
    ca_file: str
    sender: str

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig:
        return cls(
            host=settings.get_str("mail.smtp_host"),
            port=settings.get_int("mail.smtp_port"),
            starttls=settings.get_bool("mail.smtp_starttls"),
            username=settings.get_str("mail.smtp_username"),
            password=str(settings.get("mail.smtp_password") or ""),
            timeout=settings.get_int("mail.smtp_timeout_seconds"),
            ca_file=settings.get_str("mail.smtp_ca_file"),
            sender=settings.get_str("mail.sender"),
        )


def build_message(sender: str, recipients: Sequence[str], subject: str, text: str, html: str) -> Message:
    """A multipart/alternative message (plain text first, HTML second), UTF-8 throughout."""
    message = MIMEMultipart("alternative")
    name, address = parseaddr(check_header(sender, "sender"))
    message["From"] = formataddr((str(Header(name, "utf-8")), address)) if name else address
    message["To"] = ", ".join(check_header(address, "email") for address in recipients)
    message["Subject"] = Header(check_header(subject, "subject"), "utf-8").encode()
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(text, "plain", "utf-8"))
    message.attach(MIMEText(html, "html", "utf-8"))
    return message


@contextmanager
def smtp_connection(config: SmtpConfig) -> Iterator[smtplib.SMTP]:
    """One SMTP conversation. With STARTTLS the server certificate and name are verified;
    a server that does not offer STARTTLS is an error, never a fallback to clear text."""
    if config.username and not config.starttls:
        # The relay's password never crosses the network in clear text (ASVS 12.3.1).
        raise smtplib.SMTPException("SMTP authentication needs mail.smtp_starttls = true")
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
        smtp.ehlo()
        if config.starttls:
            context = ssl.create_default_context(cafile=config.ca_file or None)
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.username:
            smtp.login(config.username, config.password)
        yield smtp


@dataclass(frozen=True)
class DeliveryReport:
    sent: int
    failed: int
    given_up: int


def track_queued(session: Session, mail: OutboxMail) -> None:
    session.info.setdefault(_QUEUED, []).append(mail)


def take_queued_ids(session: Session) -> list[int]:
    """Ids of the messages this session queued and committed (to deliver them right away)."""
    queued: list[OutboxMail] = session.info.pop(_QUEUED, [])
    return [mail.id for mail in queued if mail.id is not None]


def _claim(session: Session, limit: int, only: Sequence[int] | None) -> list[OutboxMail]:
    """Take the due rows for this sender only (the scheduler and requests may run at once), with
    their bodies: one UPDATE marks them, committed before anything is sent."""
    current = now()
    due = (
        OutboxMail.sent_at.is_(None),
        OutboxMail.failed_at.is_(None),
        OutboxMail.next_attempt_at <= current,
        or_(OutboxMail.claimed_until.is_(None), OutboxMail.claimed_until < current),
    )
    chosen = select(OutboxMail.id).where(*due)
    if only is not None:
        chosen = chosen.where(OutboxMail.id.in_(only))
    chosen = chosen.order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
    # The conditions are repeated on the UPDATE itself: a row another sender claimed meanwhile is
    # checked again once its lock is released (PostgreSQL) and then left to that sender.
    claimed = session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(chosen.scalar_subquery()), *due)
        .values(claimed_until=current + CLAIM)
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    ).all()
    mails = (
        list(
            session.scalars(
                select(OutboxMail)
                .where(OutboxMail.id.in_(claimed))
                .options(undefer(OutboxMail.text_body), undefer(OutboxMail.html_body))
                .order_by(OutboxMail.id)
            )
        )
        if claimed
        else []
    )
    session.commit()
    return mails


def _failed(mail: OutboxMail, error: Exception, max_attempts: int) -> bool:
    """Record a failed attempt; True when the message is given up."""
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:300]
    mail.next_attempt_at = now() + min(timedelta(minutes=2 ** min(mail.attempts - 1, 10)), MAX_BACKOFF)
    mail.claimed_until = None
    log_event(
        logger,
        "mail.failed",
        level=logging.WARNING,
        mail_id=mail.id,
        kind=mail.kind,
        attempts=mail.attempts,
        error=type(error).__name__,
    )
    if mail.attempts >= max_attempts:
        mail.failed_at = now()
        return True
    return False


def deliver_pending_mail(
    session: Session, settings: Settings, *, limit: int = 100, only: Sequence[int] | None = None
) -> DeliveryReport:
    """Send the messages that are due (or only those given), over one SMTP connection; failures
    are retried later with a growing delay, and given up after `mail.max_attempts`."""
    if not settings.get_bool("mail.enabled") or (only is not None and not only):
        return DeliveryReport(0, 0, 0)
    config = SmtpConfig.from_settings(settings)
    max_attempts = settings.get_int("mail.max_attempts")
    mails = _claim(session, limit, only)
    if not mails:
        return DeliveryReport(0, 0, 0)
    sent = failed = given_up = 0
    try:
        with smtp_connection(config) as smtp:
            for mail in mails:
                try:
                    smtp.send_message(
                        build_message(
                            config.sender,
                            json.loads(mail.recipients),
                            mail.subject,
                            mail.text_body,
                            mail.html_body,
                        )
                    )
                except (
                    smtplib.SMTPRecipientsRefused,
                    smtplib.SMTPDataError,
                    smtplib.SMTPSenderRefused,
                    ValueError,
                ) as error:
                    failed += 1
                    given_up += _failed(mail, error, max_attempts)
                else:
                    mail.sent_at = now()
                    mail.attempts += 1
                    mail.claimed_until = None
                    sent += 1
                    log_event(logger, "mail.sent", mail_id=mail.id, kind=mail.kind)
    except (OSError, smtplib.SMTPException) as error:
        # The server is unreachable or broke the conversation: whatever was not sent waits.
        for mail in mails:
            if mail.sent_at is None and mail.claimed_until is not None:
                failed += 1
                given_up += _failed(mail, error, max_attempts)
    session.commit()
    return DeliveryReport(sent, failed, given_up)

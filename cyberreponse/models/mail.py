"""The e-mail outbox: messages are queued in the transaction that causes them, sent after commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from cyberreponse.clock import now
from cyberreponse.models.base import Base, EncryptedText, UTCDateTime


class OutboxMail(Base):
    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Recipients and bodies may hold personal data and incident details: encrypted at rest.
    recipients: Mapped[str] = mapped_column(EncryptedText)
    subject: Mapped[str] = mapped_column(EncryptedText)
    text_body: Mapped[str] = deferred(mapped_column(EncryptedText, nullable=False))
    html_body: Mapped[str] = deferred(mapped_column(EncryptedText, nullable=False))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    # Set while one sender works on the row, so that two senders never send it twice.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

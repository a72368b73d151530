"""What hangs off an incident: obligations, timeline, comments, observables and attachments."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, EncryptedBytes, EncryptedText, UTCDateTime
from cyberreponse.models.incident import Incident

OBSERVABLE_KINDS = ("ipv4", "ipv6", "domain", "url", "email", "md5", "sha1", "sha256", "cve", "filename")
TIMELINE_KINDS = (
    "reported",
    "update",
    "status",
    "comment",
    "observable",
    "attachment",
    "obligation",
    "follow_up",
    "checklist",
    # Entries analysts write themselves:
    "observation",
    "action",
    "contact",
    "decision",
)
MANUAL_TIMELINE_KINDS = ("observation", "action", "contact", "decision")


def public_id() -> str:
    """A random identifier for URLs (never the sequential database id)."""
    return secrets.token_urlsafe(12)


class Obligation(Base):
    """A legal or advisory step derived from the incident (services/deadlines.py)."""

    __tablename__ = "obligation"
    __table_args__ = (UniqueConstraint("incident_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(254))
    # Reminders are e-mailed once each: 6 hours before, and when overdue.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship(back_populates="obligations")

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class TimelineEvent(Base):
    __tablename__ = "timeline_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(254))
    # Free text may quote the attacker or the victim: encrypted like the description.
    text: Mapped[str] = mapped_column(EncryptedText, default="")
    # Structured facts only (field names, codes, versions): never free text.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    incident: Mapped[Incident] = relationship(back_populates="timeline")


class Comment(Base):
    """A message: internal to the CSIRT, or shared with the reporter (and the member)."""

    __tablename__ = "incident_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    author: Mapped[str] = mapped_column(String(254))
    # "staff", "reporter" or "member".
    author_kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(EncryptedText)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)

    incident: Mapped[Incident] = relationship(back_populates="comments")


class Observable(Base):
    __tablename__ = "observable"
    __table_args__ = (UniqueConstraint("incident_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=public_id)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    created_by: Mapped[str] = mapped_column(String(254))

    incident: Mapped[Incident] = relationship(back_populates="observables")


class Attachment(Base):
    """Evidence, encrypted in the database; always downloaded, never shown inline."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=public_id)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    uploaded_by: Mapped[str] = mapped_column(String(254))
    # "reporter" or "staff".
    source: Mapped[str] = mapped_column(String(16))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    display_name: Mapped[str] = mapped_column(String(200))
    sniffed_type: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[bytes] = deferred(mapped_column(EncryptedBytes, nullable=False))

    incident: Mapped[Incident] = relationship(back_populates="attachments")

"""Incidents: the report itself, its yearly reference counter and its follow-up links.

Free text (title, description, resolution) and the reporter's contact details are encrypted at
rest. `version` is SQLAlchemy's version counter: an UPDATE only succeeds against the version that
was read, so two analysts saving at once can never overwrite each other silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, EncryptedText, UTCDateTime
from cyberreponse.models.organisation import Organisation
from cyberreponse.models.user import User
from cyberreponse.vocabularies import RSIT_TAXONOMY

if TYPE_CHECKING:
    from cyberreponse.models.incident_parts import (
        Attachment,
        Comment,
        Obligation,
        Observable,
        TimelineEvent,
    )

CHANNELS = ("web_form", "phone", "email", "api", "scan")
STATUSES = ("new", "triage", "in_progress", "contained", "resolved", "closed", "rejected", "duplicate")
OPEN_STATUSES = ("new", "triage", "in_progress", "contained")
SEVERITIES = ("low", "medium", "high", "critical")
TLP_LEVELS = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
PAP_LEVELS = ("CLEAR", "GREEN", "AMBER", "RED")
ANSWERS = ("yes", "no", "unknown")

# ENISA Reference Security Incident Taxonomy (DESIGN §5): class → types.
RSIT = RSIT_TAXONOMY


class IncidentCounter(Base):
    """The last reference number handed out in a year; incremented inside the report's transaction."""

    __tablename__ = "incident_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # What the reporter typed to name their organisation, kept for the analyst to match.
    organisation_hint: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(16))
    reporter_situation: Mapped[str] = mapped_column(String(32), default="unknown")
    reporter_name: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_role: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_email: Mapped[str | None] = mapped_column(EncryptedText)
    reporter_phone: Mapped[str | None] = mapped_column(EncryptedText)
    ongoing: Mapped[str] = mapped_column(String(8), default="unknown")
    personal_data_reported: Mapped[str] = mapped_column(String(8), default="unknown")
    title: Mapped[str] = mapped_column(EncryptedText)
    description: Mapped[str] = deferred(mapped_column(EncryptedText, nullable=False))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    aware_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rsit_class: Mapped[str | None] = mapped_column(String(48))
    rsit_type: Mapped[str | None] = mapped_column(String(48))
    severity: Mapped[str | None] = mapped_column(String(16), index=True)
    tlp: Mapped[str] = mapped_column(String(16), default="AMBER")
    pap: Mapped[str] = mapped_column(String(16), default="AMBER")
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    significant: Mapped[bool] = mapped_column(Boolean, default=False)
    personal_data_breach: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution: Mapped[str | None] = deferred(mapped_column(EncryptedText, nullable=True))
    # Earliest due date among open obligations: lets the queue sort by deadline with an index.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Set when the retention policy erased the reporter's contact and the attachments (services/retention.py).
    reporter_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook

    organisation: Mapped[Organisation | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    duplicate_of: Mapped[Incident | None] = relationship(remote_side=[id])
    obligations: Mapped[list[Obligation]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Obligation.id"
    )
    timeline: Mapped[list[TimelineEvent]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="TimelineEvent.at"
    )
    comments: Mapped[list[Comment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Comment.at"
    )
    observables: Mapped[list[Observable]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Observable.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="incident", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FollowUpToken(Base):
    """The reporter's private link: only the SHA-256 of the token is kept."""

    __tablename__ = "follow_up_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship()

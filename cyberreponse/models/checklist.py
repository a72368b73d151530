"""Checklists on incidents: a playbook started on an incident, and the state of its steps.

A run points at the stored `PlaybookVersion` it was started from, never at the file: editing a
playbook later makes a new version row and leaves started checklists reading their own steps.
A step with no `StepState` row is still to do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, EncryptedText, UTCDateTime
from cyberreponse.models.incident import Incident
from cyberreponse.models.playbook import PlaybookVersion

STEP_STATES = ("done", "skipped")


class PlaybookRun(Base):
    __tablename__ = "playbook_run"
    # Starting the same playbook twice on one incident would only split its ticks in two.
    __table_args__ = (UniqueConstraint("incident_id", "playbook_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The unique constraint's index (incident_id first) serves look-ups by incident.
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    playbook_id: Mapped[str] = mapped_column(String(64))
    playbook_version_id: Mapped[int] = mapped_column(
        ForeignKey("playbook_version.id", ondelete="RESTRICT"), index=True
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    started_by: Mapped[str] = mapped_column(String(254))

    incident: Mapped[Incident] = relationship()
    version: Mapped[PlaybookVersion] = relationship()
    steps: Mapped[list[StepState]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="StepState.id"
    )


class StepState(Base):
    """One step checked (`done`, with an optional note) or `skipped` (with the reason, in `note`)."""

    __tablename__ = "step_state"
    __table_args__ = (UniqueConstraint("run_id", "step_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("playbook_run.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    by: Mapped[str] = mapped_column(String(254))
    # Free text about the incident: encrypted like the timeline's.
    note: Mapped[str] = mapped_column(EncryptedText, default="")

    run: Mapped[PlaybookRun] = relationship(back_populates="steps")

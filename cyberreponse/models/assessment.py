"""NIS2 self-assessments: answer sets, their answers, and the questionnaire each was answered against."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, UTCDateTime
from cyberreponse.models.organisation import Organisation

DRAFT = "draft"
SUBMITTED = "submitted"
ANSWER_SET_STATUSES = (DRAFT, SUBMITTED)


class QuestionnaireSnapshot(Base):
    """The canonical content of one questionnaire version, kept so that every answer set can be
    shown and scored against the exact questions it answered, whatever the data file becomes."""

    __tablename__ = "questionnaire_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(String(48))
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class AnswerSet(Base):
    """One organisation's answers to one questionnaire version: a draft (at most one per
    organisation at a time), then submitted and never changed again."""

    __tablename__ = "answer_set"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'submitted')", name="status"),
        Index(
            "uq_answer_set_one_draft_per_organisation",
            "organisation_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # In URLs instead of the sequential id.
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=lambda: secrets.token_urlsafe(12))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    questionnaire_version: Mapped[str] = mapped_column(String(32))
    questionnaire_hash: Mapped[str] = mapped_column(ForeignKey("questionnaire_snapshot.content_hash"))
    status: Mapped[str] = mapped_column(String(16), default=DRAFT)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    started_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(254))
    submitted_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    submitted_by_role: Mapped[str | None] = mapped_column(String(16))
    # When an analyst fills the questionnaire in with the member: who, at the member, answered.
    member_respondent: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship()
    snapshot: Mapped[QuestionnaireSnapshot] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="answer_set", cascade="all, delete-orphan", order_by="Answer.id"
    )

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT


class Answer(Base):
    """The answer to one question: an index from 0 to 3, or « je ne sais pas » / « non applicable »."""

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("answer_set_id", "question_id"),
        CheckConstraint("(level IS NULL) <> (special IS NULL)", name="level_or_special"),
        CheckConstraint("level IS NULL OR (level >= 0 AND level <= 3)", name="level_range"),
        CheckConstraint("special IS NULL OR special IN ('unknown', 'not_applicable')", name="special"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by the unique (answer_set_id, question_id) constraint, whose first column it is.
    answer_set_id: Mapped[int] = mapped_column(ForeignKey("answer_set.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(48))
    level: Mapped[int | None] = mapped_column(Integer)
    special: Mapped[str | None] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    answered_by: Mapped[str] = mapped_column(String(254))

    answer_set: Mapped[AnswerSet] = relationship(back_populates="answers")

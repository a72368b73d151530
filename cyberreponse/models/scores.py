"""Score snapshots (for trends) and the archive of every NIS2 readiness report generated.

A snapshot is the whole picture of one organisation at one moment — technical score and grade, the
organisational score, the maturity level, each category's figures and the caps applied — written
after each campaign and each submitted self-assessment, and never changed. At most one snapshot per
(organisation, campaign) and per (organisation, answer set), so that running the hook twice adds
nothing. An archived report is the PDF exactly as it was downloaded, encrypted at rest, with its
SHA-256 to show it was not altered since.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, EncryptedBytes, UTCDateTime
from cyberreponse.models.organisation import Organisation

SNAPSHOT_SOURCES = ("campaign", "assessment", "manual")


class ScoreSnapshot(Base):
    __tablename__ = "score_snapshot"
    __table_args__ = (
        UniqueConstraint("organisation_id", "campaign_id"),
        UniqueConstraint("organisation_id", "answer_set_id"),
        # Trends, the latest snapshot of an organisation, and the region's latest (one seek each).
        Index("ix_score_snapshot_organisation_taken", "organisation_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    source: Mapped[str] = mapped_column(String(16))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id", ondelete="SET NULL"))
    answer_set_id: Mapped[int | None] = mapped_column(ForeignKey("answer_set.id", ondelete="SET NULL"))
    technical_score: Mapped[float | None] = mapped_column(Float)
    technical_grade: Mapped[str | None] = mapped_column(String(1))
    uncapped_grade: Mapped[str | None] = mapped_column(String(1))
    organisational_score: Mapped[float | None] = mapped_column(Float)
    maturity_score: Mapped[float | None] = mapped_column(Float)
    maturity_level: Mapped[int | None] = mapped_column(Integer)
    # {"mail": {"earned": 18, "possible": 28, "score": 64.3}, ...}; caps: [{"code", "asset", "grade"}].
    categories: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    caps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    open_findings: Mapped[int] = mapped_column(Integer, default=0)

    organisation: Mapped[Organisation] = relationship()


class ReportArchive(Base):
    """One generated NIS2 readiness report (PDF), kept unchanged."""

    __tablename__ = "report_archive"
    __table_args__ = (Index("ix_report_archive_organisation_generated", "organisation_id", "generated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True, default=lambda: secrets.token_urlsafe(12))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    generated_by: Mapped[str] = mapped_column(String(254))
    generated_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32), default="nis2_readiness")
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(EncryptedBytes, nullable=False))

    organisation: Mapped[Organisation] = relationship()

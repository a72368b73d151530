"""Posture campaigns: what was scanned when, every check result, and the findings they open and close.

A campaign fans out one unit per (asset, check family). Units carry a lease (`claimed_by`,
`claimed_at`) so that a unit whose runner died is taken up again by `campaign resume` or the next run,
and a unit already `done` is never redone. Results are unique per (campaign, asset, check), so writing
one twice (a redelivered Celery task) changes nothing. At most one finding per (asset, check, problem
code) is open at a time: a partial unique index on the open ones says so to the database.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cyberreponse.clock import now
from cyberreponse.models.base import Base, UTCDateTime
from cyberreponse.models.organisation import Asset, Organisation

CAMPAIGN_KINDS = ("nightly", "on_demand")
CAMPAIGN_STATUSES = ("running", "done")
UNIT_STATES = ("pending", "running", "done", "failed", "skipped")
CHECK_FAMILIES = ("mail", "dns", "tls", "web", "exposure")


def new_campaign_id() -> str:
    return "CMP-" + secrets.token_hex(6)


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(20), unique=True, default=new_campaign_id)
    kind: Mapped[str] = mapped_column(String(16))
    # "nightly:2026-03-14": unique, so two schedulers or a restart never start the same night twice.
    # NULL for on-demand campaigns (NULLs never collide in a unique constraint).
    slot: Mapped[str | None] = mapped_column(String(64), unique=True)
    # On-demand campaigns of one organisation (rate limits and pages); NULL for nightly ones.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    units_total: Mapped[int] = mapped_column(Integer, default=0)
    units_done: Mapped[int] = mapped_column(Integer, default=0)
    units_failed: Mapped[int] = mapped_column(Integer, default=0)
    units_skipped: Mapped[int] = mapped_column(Integer, default=0)
    results_written: Mapped[int] = mapped_column(Integer, default=0)
    findings_opened: Mapped[int] = mapped_column(Integer, default=0)
    findings_resolved: Mapped[int] = mapped_column(Integer, default=0)
    alerts_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def units_finished(self) -> int:
        return self.units_done + self.units_failed + self.units_skipped

    @property
    def progress_percent(self) -> int:
        if not self.units_total:
            return 100
        return min(100, self.units_finished * 100 // self.units_total)


class CampaignUnit(Base):
    """One check family on one asset within a campaign: the unit of work, of retry and of resumption."""

    __tablename__ = "campaign_unit"
    __table_args__ = (
        UniqueConstraint("campaign_id", "asset_id", "family"),
        Index("ix_campaign_unit_campaign_state", "campaign_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(String(500), default="")

    campaign: Mapped[Campaign] = relationship()
    asset: Mapped[Asset] = relationship()


class CheckResultRecord(Base):
    """One check's result on one asset in one campaign: the contract of docs/checks.md, stored."""

    __tablename__ = "check_result"
    __table_args__ = (
        UniqueConstraint("campaign_id", "asset_id", "check_id"),
        Index("ix_check_result_history", "asset_id", "check_id", "observed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"))
    check_id: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)  # French
    summary_en: Mapped[str] = mapped_column(Text, default="")
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    campaign: Mapped[Campaign] = relationship()
    asset: Mapped[Asset] = relationship()


class Finding(Base):
    """An open (or resolved) problem on an asset, keyed by (asset, check, problem code)."""

    __tablename__ = "finding"
    __table_args__ = (
        Index(
            "uq_finding_open",
            "asset_id",
            "check_id",
            "code",
            unique=True,
            sqlite_where=text("resolved_at IS NULL"),
            postgresql_where=text("resolved_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=lambda: secrets.token_hex(8))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_result_id: Mapped[int | None] = mapped_column(ForeignKey("check_result.id", ondelete="SET NULL"))
    opened_in_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign.id", ondelete="SET NULL"), index=True
    )
    # Set when the finding was included in an alert digest: alerts go out once per finding.
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asset: Mapped[Asset] = relationship()
    last_result: Mapped[CheckResultRecord | None] = relationship()

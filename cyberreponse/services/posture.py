"""What members and analysts read of the scans: current findings with their explanation, and each
check's history. Every query starts from the actor's scope: another organisation's data is NotFound."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from checks.base import Severity
from checks.registry import problem_types
from cyberreponse.actors import Actor
from cyberreponse.models import Asset, Campaign, CheckResultRecord, Finding, Organisation
from cyberreponse.services.scoping import organisation_in_scope

HISTORY_LENGTH = 10
RECENTLY_RESOLVED = 20


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    asset: Asset
    title: str
    explanation: str

    @property
    def rank(self) -> int:
        return Severity(self.finding.severity).rank


@dataclass
class CheckHistory:
    asset: Asset
    check_id: str
    results: list[CheckResultRecord] = field(default_factory=list)  # newest first


@dataclass(frozen=True)
class Posture:
    organisation: Organisation
    open_findings: list[FindingView]
    resolved_findings: list[FindingView]
    history: list[CheckHistory]
    last_scan: datetime | None
    running_campaign: Campaign | None


def _view(finding: Finding) -> FindingView:
    kind = problem_types().get(finding.code)
    return FindingView(
        finding,
        finding.asset,
        kind.title.fr if kind else finding.code,
        kind.explanation if kind else "",
    )


def organisation_findings(
    session: Session, actor: Actor, siren: str
) -> tuple[Organisation, list[FindingView]]:
    """Open findings of one organisation in scope, worst first."""
    organisation = organisation_in_scope(session, actor, siren)
    findings = session.scalars(
        select(Finding)
        .join(Finding.asset)
        .options(joinedload(Finding.asset))
        .where(Asset.organisation_id == organisation.id, Finding.resolved_at.is_(None))
        .order_by(Finding.first_seen)
    ).all()
    views = sorted((_view(f) for f in findings), key=lambda v: (-v.rank, v.asset.value, v.finding.code))
    return organisation, views


def organisation_posture(session: Session, actor: Actor, siren: str) -> Posture:
    organisation, open_views = organisation_findings(session, actor, siren)
    resolved = session.scalars(
        select(Finding)
        .join(Finding.asset)
        .options(joinedload(Finding.asset))
        .where(Asset.organisation_id == organisation.id, Finding.resolved_at.is_not(None))
        .order_by(Finding.resolved_at.desc())
        .limit(RECENTLY_RESOLVED)
    ).all()
    asset_ids = [a.id for a in organisation.assets]
    # The latest campaigns that looked at these assets; their results make the history table.
    campaign_ids = list(
        session.scalars(
            select(CheckResultRecord.campaign_id)
            .where(CheckResultRecord.asset_id.in_(asset_ids))
            .group_by(CheckResultRecord.campaign_id)
            .order_by(CheckResultRecord.campaign_id.desc())
            .limit(HISTORY_LENGTH)
        )
    )
    histories: dict[tuple[int, str], CheckHistory] = {}
    assets = {a.id: a for a in organisation.assets}
    last_scan = None
    for record in session.scalars(
        select(CheckResultRecord)
        .where(CheckResultRecord.asset_id.in_(asset_ids), CheckResultRecord.campaign_id.in_(campaign_ids))
        .order_by(CheckResultRecord.observed_at.desc())
    ):
        last_scan = last_scan or record.observed_at
        key = (record.asset_id, record.check_id)
        if key not in histories:
            histories[key] = CheckHistory(assets[record.asset_id], record.check_id)
        histories[key].results.append(record)
    running = session.scalars(
        select(Campaign)
        .where(Campaign.organisation_id == organisation.id, Campaign.status == "running")
        .order_by(Campaign.id.desc())
    ).first()
    ordered = sorted(histories.values(), key=lambda h: (h.asset.value, h.check_id))
    return Posture(
        organisation,
        open_views,
        [_view(f) for f in resolved],
        ordered,
        last_scan,
        running,
    )


def severity_counts(views: list[FindingView]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for view in views:
        counts[view.finding.severity] += 1
    return dict(counts)

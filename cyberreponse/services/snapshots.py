"""Score snapshots: written after each campaign and each submitted self-assessment, read for trends.

`record_snapshots_after_campaign(session, campaign_id, policy)` is the hook the campaign runner
calls once a campaign is closed (jobs/campaign_runner.py); `record_snapshot_after_assessment` is
called by services/assessments.submit_answers in the submission's transaction. Both are idempotent:
one snapshot per (organisation, campaign) and per (organisation, answer set).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.logs import log_event
from cyberreponse.models import AnswerSet, Asset, CampaignUnit, Organisation, ScoreSnapshot
from cyberreponse.services.scorecard import Scorecard, compute_scorecards
from cyberreponse.services.scoring import ScoringPolicy

logger = logging.getLogger(__name__)
BATCH = 100  # organisations computed together (a few queries per batch)


def snapshot_values(posture: Scorecard) -> dict[str, Any]:
    technical = posture.technical
    return {
        "organisation_id": posture.organisation.id,
        "taken_at": posture.computed_at,
        "technical_score": technical.score,
        "technical_grade": technical.grade,
        "uncapped_grade": technical.uncapped_grade,
        "organisational_score": posture.organisational.score if posture.organisational else None,
        "maturity_score": posture.maturity.score,
        "maturity_level": posture.maturity.level,
        "categories": {
            c.key: {"earned": c.earned, "possible": c.possible, "score": c.score}
            for c in technical.categories
        },
        "caps": [{"code": cap.code, "asset": cap.asset, "grade": cap.grade} for cap in technical.caps],
        "open_findings": len(posture.findings),
    }


def record_snapshots_after_campaign(session: Session, campaign_id: int, policy: ScoringPolicy) -> int:
    """A snapshot for every organisation whose assets the campaign scanned; returns how many were
    written (organisations that already have one for this campaign are skipped). Commits per batch."""
    scanned = (
        select(Asset.organisation_id)
        .join(CampaignUnit, CampaignUnit.asset_id == Asset.id)
        .where(CampaignUnit.campaign_id == campaign_id)
    )
    done = select(ScoreSnapshot.organisation_id).where(ScoreSnapshot.campaign_id == campaign_id)
    organisations = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.id.in_(scanned), Organisation.id.not_in(done))
            .order_by(Organisation.id)
        )
    )
    written = 0
    for start in range(0, len(organisations), BATCH):
        for posture in compute_scorecards(session, organisations[start : start + BATCH], policy):
            session.add(ScoreSnapshot(source="campaign", campaign_id=campaign_id, **snapshot_values(posture)))
            written += 1
        session.commit()
    log_event(logger, "snapshots.campaign", campaign_id=campaign_id, written=written)
    return written


def record_snapshot_after_assessment(
    session: Session, answer_set: AnswerSet, policy: ScoringPolicy
) -> ScoreSnapshot:
    """The organisation's snapshot once `answer_set` is submitted, in the caller's transaction."""
    session.flush()
    (posture,) = compute_scorecards(session, [answer_set.organisation], policy)
    snapshot = ScoreSnapshot(source="assessment", answer_set_id=answer_set.id, **snapshot_values(posture))
    session.add(snapshot)
    return snapshot

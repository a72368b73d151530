"""The RSSI dashboard: one organisation's posture at a glance, for its member users (and staff).

Score, grade and level now (computed like the report), their trend over twelve months (snapshots),
open findings by severity with what to do, website certificates expiring soon, the organisation's
incidents and their deadlines, the self-assessment's progress, its position against the regional
median — only the median, and only when enough organisations have a score — and its reports.
Everything loads from the scoped organisation select.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cyberreponse.actors import Actor
from cyberreponse.errors import NotFound
from cyberreponse.models import OPEN_STATUSES, AnswerSet, Incident, Organisation, ReportArchive, ScoreSnapshot
from cyberreponse.models.assessment import DRAFT
from cyberreponse.services.alerts import CERTIFICATE_CODES, days_left
from cyberreponse.services.scoping import organisation_in_scope, scoped_organisations
from cyberreponse.services.scorecard import (
    Scorecard,
    compute_scorecards,
    problem_explanations,
    problem_titles,
)
from cyberreponse.services.scoring import ScoringPolicy
from cyberreponse.services.snapshot_queries import RegionalMedian, history, regional_median

TREND_DAYS = 365
SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class FindingGroup:
    code: str
    title: str
    what_to_do: str
    severity: str
    assets: tuple[str, ...]
    since: datetime


@dataclass(frozen=True)
class ExpiringCertificate:
    asset: str
    days_left: int | None
    expired: bool


@dataclass(frozen=True)
class QuestionnaireProgress:
    draft_answered: int | None  # None: no draft
    total: int
    last_submitted_at: datetime | None


@dataclass(frozen=True)
class MemberDashboard:
    organisation: Organisation
    organisations: list[Organisation]  # every organisation of the actor, to switch between them
    scorecard: Scorecard
    trend: list[ScoreSnapshot]
    findings_by_severity: dict[str, int]
    findings: list[FindingGroup]
    certificates: list[ExpiringCertificate]
    incidents: list[Incident]
    progress: QuestionnaireProgress
    median: RegionalMedian
    last_report: ReportArchive | None
    trend_start: datetime


def _finding_groups(posture: Scorecard) -> list[FindingGroup]:
    titles, explanations = problem_titles(), problem_explanations()
    groups: dict[str, list[tuple[str, str, datetime]]] = {}
    for finding in posture.findings:
        groups.setdefault(finding.code, []).append(
            (finding.asset.value, finding.severity, finding.first_seen)
        )
    result = []
    for code, rows in groups.items():
        worst = min(
            (severity for _a, severity, _s in rows),
            key=lambda s: SEVERITIES.index(s) if s in SEVERITIES else 9,
        )
        result.append(
            FindingGroup(
                code=code,
                title=titles.get(code, code),
                what_to_do=explanations.get(code, ""),
                severity=worst,
                assets=tuple(dict.fromkeys(asset for asset, _sev, _since in rows)),
                since=min(since for _a, _sev, since in rows),
            )
        )
    result.sort(key=lambda g: (SEVERITIES.index(g.severity) if g.severity in SEVERITIES else 9, g.since))
    return result


def expiring_certificates(
    posture: Scorecard, within_days: int, moment: datetime
) -> list[ExpiringCertificate]:
    found = []
    for finding in posture.findings:
        if finding.code not in CERTIFICATE_CODES:
            continue
        left = days_left(finding, moment)
        if finding.code == "tls.expired" or (left is not None and left <= within_days):
            found.append(ExpiringCertificate(finding.asset.value, left, finding.code == "tls.expired"))
    found.sort(key=lambda c: c.days_left if c.days_left is not None else -10_000)
    return found


def _progress(session: Session, organisation: Organisation, total: int) -> QuestionnaireProgress:
    draft = session.scalars(
        select(AnswerSet)
        .where(AnswerSet.organisation_id == organisation.id, AnswerSet.status == DRAFT)
        .options(selectinload(AnswerSet.answers))
    ).first()
    submitted = session.scalar(
        select(func.max(AnswerSet.submitted_at)).where(
            AnswerSet.organisation_id == organisation.id, AnswerSet.submitted_at.is_not(None)
        )
    )
    return QuestionnaireProgress(len(draft.answers) if draft else None, total, submitted)


def member_dashboard(
    session: Session, actor: Actor, policy: ScoringPolicy, siren: str | None = None
) -> MemberDashboard:
    """The dashboard of the organisation `siren`, or of the actor's first organisation by name."""
    if actor.is_staff:
        if siren is None:
            raise NotFound("Organisation introuvable.")
        organisations = [organisation_in_scope(session, actor, siren)]
    else:
        organisations = list(
            session.scalars(scoped_organisations(actor).order_by(Organisation.name).limit(200))
        )
    if siren is not None:
        organisation = organisation_in_scope(session, actor, siren)
    elif organisations:
        organisation = organisations[0]
    else:
        raise NotFound("Aucune organisation n'est rattachée à votre compte.")
    (posture,) = compute_scorecards(session, [organisation], policy)
    moment = posture.computed_at
    incidents = list(
        session.scalars(
            select(Incident)
            .where(
                Incident.organisation_id == organisation.id,
                (Incident.status.in_(OPEN_STATUSES)) | (Incident.reported_at >= moment - timedelta(days=90)),
            )
            .options(selectinload(Incident.obligations))
            .order_by(Incident.reported_at.desc())
            .limit(20)
        )
    )
    last_report = session.scalars(
        select(ReportArchive)
        .where(ReportArchive.organisation_id == organisation.id)
        .order_by(ReportArchive.generated_at.desc())
        .limit(1)
    ).first()
    counts = Counter(f.severity for f in posture.findings)
    since = moment - timedelta(days=TREND_DAYS)
    return MemberDashboard(
        organisation=organisation,
        organisations=organisations,
        scorecard=posture,
        trend=history(session, organisation.id, since),
        findings_by_severity={severity: counts.get(severity, 0) for severity in SEVERITIES},
        findings=_finding_groups(posture),
        certificates=expiring_certificates(posture, policy.certificate_days, moment),
        incidents=incidents,
        progress=_progress(session, organisation, len(posture.questionnaire.questions)),
        median=regional_median(session, policy.median_min_organisations),
        last_report=last_report,
        trend_start=since,
    )

"""An organisation's scorecard now: its scores, read from the database and computed by services/scoring.

The inputs of the pure scoring functions come from here: the latest result of each (asset, check)
observed within `scoring.result_max_age_days` on the organisation's scan-enabled assets, its open
findings, and its last submitted self-assessment. `organisation_scorecard` is the scoped entry point
(a member of commune A gets NotFound for commune B); `compute_scorecards` serves the snapshot hook and
works on many organisations at once, in a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, contains_eager, defer, selectinload

from checks.registry import all_checks, problem_types
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.models import AnswerSet, Asset, CheckResultRecord, Finding, Organisation
from cyberreponse.models.assessment import SUBMITTED
from cyberreponse.services.assessments import answers_of, questionnaire_of
from cyberreponse.services.questionnaire import AnswerValue, Questionnaire, current_questionnaire
from cyberreponse.services.scoping import organisation_in_scope
from cyberreponse.services.scoring import (
    FindingInput,
    Maturity,
    MeasureStatus,
    OrganisationalScore,
    ResultInput,
    ScoringPolicy,
    TechnicalScore,
    combine,
    measure_statuses,
    score_answers,
    score_results,
)


@cache
def check_items() -> dict[str, tuple[str, ...]]:
    """The NIS2 items each check declares (docs/checks.md)."""
    return {check.id: check.nis2 for check in all_checks()}


@cache
def problem_titles() -> dict[str, str]:
    """French title of every problem code."""
    return {code: kind.title.fr for code, kind in problem_types().items()}


@cache
def problem_explanations() -> dict[str, str]:
    """What each problem means and what to do, in plain French (from the checks library)."""
    return {code: kind.explanation for code, kind in problem_types().items()}


@dataclass(frozen=True)
class Scorecard:
    organisation: Organisation
    technical: TechnicalScore
    organisational: OrganisationalScore | None
    statuses: tuple[MeasureStatus, ...] | None
    maturity: Maturity
    answer_set: AnswerSet | None
    questionnaire: Questionnaire
    answers: dict[str, AnswerValue]
    results: tuple[CheckResultRecord, ...]  # the latest of each (asset, check), evidence deferred
    findings: tuple[Finding, ...]  # open, worst first
    computed_at: datetime

    @property
    def result_inputs(self) -> list[ResultInput]:
        return [result_input(record) for record in self.results]


def result_input(record: CheckResultRecord) -> ResultInput:
    codes = tuple(str(p.get("code", "")) for p in record.problems or ())
    return ResultInput(
        record.asset.value, record.check_id, record.category, record.status, record.severity, codes
    )


def finding_input(finding: Finding) -> FindingInput:
    return FindingInput(finding.asset.value, finding.check_id, finding.code, finding.severity)


SEVERITY_ORDER = ("critical", "high", "medium", "low", "info", "none")


def latest_results(
    session: Session, organisation_ids: Sequence[int], since: datetime, *, with_evidence: bool = False
) -> dict[int, list[CheckResultRecord]]:
    """The latest result of each (asset, check) since `since`, per organisation id."""
    if not organisation_ids:
        return {}
    latest = (
        select(
            CheckResultRecord.asset_id,
            CheckResultRecord.check_id,
            func.max(CheckResultRecord.observed_at).label("at"),
        )
        .join(Asset, Asset.id == CheckResultRecord.asset_id)
        .where(
            Asset.organisation_id.in_(list(organisation_ids)),
            Asset.scan_enabled.is_(True),
            CheckResultRecord.observed_at >= since,
        )
        .group_by(CheckResultRecord.asset_id, CheckResultRecord.check_id)
        .subquery()
    )
    query = (
        select(CheckResultRecord)
        .join(
            latest,
            and_(
                CheckResultRecord.asset_id == latest.c.asset_id,
                CheckResultRecord.check_id == latest.c.check_id,
                CheckResultRecord.observed_at == latest.c.at,
            ),
        )
        .join(CheckResultRecord.asset)
        .options(contains_eager(CheckResultRecord.asset))
        .order_by(Asset.value, CheckResultRecord.check_id, CheckResultRecord.id)
    )
    if not with_evidence:
        query = query.options(defer(CheckResultRecord.evidence), defer(CheckResultRecord.summary_en))
    by_organisation: dict[int, dict[tuple[int, str], CheckResultRecord]] = defaultdict(dict)
    for record in session.scalars(query):
        # Two campaigns observing at the same instant: the later row wins.
        by_organisation[record.asset.organisation_id][(record.asset_id, record.check_id)] = record
    return {org: list(rows.values()) for org, rows in by_organisation.items()}


def open_findings(session: Session, organisation_ids: Sequence[int]) -> dict[int, list[Finding]]:
    """Open findings per organisation id, worst severity first, oldest first."""
    if not organisation_ids:
        return {}
    query = (
        select(Finding)
        .join(Finding.asset)
        .options(
            contains_eager(Finding.asset), selectinload(Finding.last_result).defer(CheckResultRecord.evidence)
        )
        .where(Asset.organisation_id.in_(list(organisation_ids)), Finding.resolved_at.is_(None))
        .order_by(Finding.first_seen, Finding.id)
    )
    found: dict[int, list[Finding]] = defaultdict(list)
    for finding in session.scalars(query):
        found[finding.asset.organisation_id].append(finding)
    for rows in found.values():
        rows.sort(key=lambda f: SEVERITY_ORDER.index(f.severity) if f.severity in SEVERITY_ORDER else 9)
    return found


def last_answer_sets(session: Session, organisation_ids: Sequence[int]) -> dict[int, AnswerSet]:
    """The last submitted self-assessment of each organisation that has one."""
    if not organisation_ids:
        return {}
    last = (
        select(AnswerSet.organisation_id, func.max(AnswerSet.submitted_at).label("at"))
        .where(AnswerSet.organisation_id.in_(list(organisation_ids)), AnswerSet.status == SUBMITTED)
        .group_by(AnswerSet.organisation_id)
        .subquery()
    )
    query = (
        select(AnswerSet)
        .join(
            last,
            and_(AnswerSet.organisation_id == last.c.organisation_id, AnswerSet.submitted_at == last.c.at),
        )
        .options(selectinload(AnswerSet.answers), selectinload(AnswerSet.snapshot))
    )
    return {answer_set.organisation_id: answer_set for answer_set in session.scalars(query)}


def _posture(
    organisation: Organisation,
    results: list[CheckResultRecord],
    findings: list[Finding],
    answer_set: AnswerSet | None,
    policy: ScoringPolicy,
    moment: datetime,
) -> Scorecard:
    technical = score_results(
        [result_input(r) for r in results], [finding_input(f) for f in findings], policy.technical
    )
    questionnaire = questionnaire_of(answer_set) if answer_set else current_questionnaire()
    answers = answers_of(answer_set) if answer_set else {}
    organisational = score_answers(questionnaire, answers) if answer_set else None
    statuses = measure_statuses(organisational, policy.statuses) if organisational else None
    maturity = combine(
        technical.exact,
        organisational.exact if organisational else None,
        capped=technical.is_capped,
        policy=policy.maturity,
    )
    return Scorecard(
        organisation=organisation,
        technical=technical,
        organisational=organisational,
        statuses=statuses,
        maturity=maturity,
        answer_set=answer_set,
        questionnaire=questionnaire,
        answers=answers,
        results=tuple(results),
        findings=tuple(findings),
        computed_at=moment,
    )


def compute_scorecards(
    session: Session,
    organisations: Sequence[Organisation],
    policy: ScoringPolicy,
    *,
    with_evidence: bool = False,
) -> list[Scorecard]:
    """The posture of each organisation, unscoped: callers have checked the actor's scope."""
    moment = now()
    ids = [organisation.id for organisation in organisations]
    results = latest_results(session, ids, moment - policy.result_max_age, with_evidence=with_evidence)
    findings = open_findings(session, ids)
    answer_sets = last_answer_sets(session, ids)
    return [
        _posture(
            org, results.get(org.id, []), findings.get(org.id, []), answer_sets.get(org.id), policy, moment
        )
        for org in organisations
    ]


def organisation_scorecard(
    session: Session, actor: Actor, siren: str, policy: ScoringPolicy, *, with_evidence: bool = False
) -> Scorecard:
    """The posture of one organisation in the actor's scope (NotFound otherwise)."""
    organisation = organisation_in_scope(session, actor, siren)
    (posture,) = compute_scorecards(session, [organisation], policy, with_evidence=with_evidence)
    return posture

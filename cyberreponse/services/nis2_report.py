"""The NIS2 readiness report of one organisation: what the page and the PDF show, computed once.

Its NIS2 status; each measure (a)–(j) from answers and scans (scoring/nis2_measures.py); readiness to
report an incident within 24 hours (incident_readiness.py); the six most valuable actions
(action_plan.py); the scores with what costs points; and an appendix of scan evidence. Loading goes
through the scoped organisation select, so a member never builds another organisation's report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from checks.registry import all_checks
from cyberreponse.actors import Actor
from cyberreponse.models import CheckResultRecord, Organisation
from cyberreponse.services.action_plan import Action, action_plan
from cyberreponse.services.incident_readiness import IncidentReadiness, incident_readiness
from cyberreponse.services.scorecard import (
    Scorecard,
    check_items,
    organisation_scorecard,
    problem_explanations,
    problem_titles,
)
from cyberreponse.services.scoring import ScoringPolicy
from cyberreponse.services.scoring.nis2_measures import MergedMeasure, merge_measures

EVIDENCE_LINES = 8
EVIDENCE_TEXT = 160


@cache
def check_titles() -> dict[str, str]:
    return {check.id: check.title.fr for check in all_checks()}


@dataclass(frozen=True)
class EvidenceItem:
    asset: str
    check: str
    check_title: str
    category: str
    status: str
    severity: str
    summary: str
    observed_at: datetime
    problems: tuple[str, ...]  # French titles
    facts: tuple[str, ...]  # « key : value » lines from the evidence, shortened


@dataclass(frozen=True)
class Nis2Report:
    organisation: Organisation
    scorecard: Scorecard
    measures: tuple[MergedMeasure, ...]
    readiness: IncidentReadiness
    actions: tuple[Action, ...]
    evidence: tuple[EvidenceItem, ...]
    generated_at: datetime

    @property
    def measure_counts(self) -> dict[str, int]:
        counts = {"satisfied": 0, "partial": 0, "not_satisfied": 0, "unknown": 0}
        for measure in self.measures:
            counts[measure.status] += 1
        return counts


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= EVIDENCE_TEXT else text[: EVIDENCE_TEXT - 1] + "…"


def evidence_facts(evidence: dict[str, Any]) -> tuple[str, ...]:
    """The first few facts of a result's evidence, as short lines a person can read."""
    lines = [f"{key} : {_short(value)}" for key, value in evidence.items() if value not in (None, "", [], {})]
    return tuple(lines[:EVIDENCE_LINES])


def evidence_item(record: CheckResultRecord) -> EvidenceItem:
    titles = problem_titles()
    return EvidenceItem(
        asset=record.asset.value,
        check=record.check_id,
        check_title=check_titles().get(record.check_id, record.check_id),
        category=record.category,
        status=record.status,
        severity=record.severity,
        summary=record.summary,
        observed_at=record.observed_at,
        problems=tuple(titles.get(str(p.get("code")), str(p.get("code"))) for p in record.problems or ()),
        facts=evidence_facts(dict(record.evidence or {})),
    )


def build_report(session: Session, actor: Actor, siren: str, policy: ScoringPolicy) -> Nis2Report:
    """The report of the organisation with this SIREN, in the actor's scope (NotFound otherwise)."""
    posture = organisation_scorecard(session, actor, siren, policy, with_evidence=True)
    measures = merge_measures(
        posture.questionnaire,
        posture.statuses,
        posture.answers,
        posture.result_inputs,
        check_items(),
        problem_titles(),
        policy.statuses,
        policy.technical,
    )
    findings = [(f.asset.value, f.code, f.severity) for f in posture.findings]
    actions = action_plan(
        posture.technical,
        posture.organisational,
        posture.questionnaire,
        findings,
        problem_titles(),
        problem_explanations(),
        policy.maturity,
    )
    return Nis2Report(
        organisation=posture.organisation,
        scorecard=posture,
        measures=measures,
        readiness=incident_readiness(session, posture.organisation, posture.answers, posture.computed_at),
        actions=actions,
        evidence=tuple(evidence_item(record) for record in posture.results),
        generated_at=posture.computed_at,
    )

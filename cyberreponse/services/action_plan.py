"""The prioritised action plan: the six measures worth most, in plain French a mayor can read.

Candidates come from the two scores' explanations:
- an open finding (grouped by problem code across assets): its title and explanation come from the
  checks library, written for members; what it is worth is the technical points its results lose;
- an answer below the best (organisational « what costs points »): today's answer and the next step,
  both in the questionnaire's own words;
- a « je ne sais pas »: finding the answer out is the first action.

Order: first whatever caps the grade (an exposed SMB share is urgent whatever its points), then by
the maturity points that fixing it would bring (each score's points times its weight in maturity),
then the « je ne sais pas ». Pure: the posture in, the plan out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from cyberreponse.services.questionnaire import Questionnaire
from cyberreponse.services.scoring import (
    MaturityPolicy,
    OrganisationalScore,
    TechnicalScore,
)
from cyberreponse.services.scoring.figures import rounded

PLAN_LENGTH = 6
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4, "none": 5}


@dataclass(frozen=True)
class Action:
    kind: str  # "finding", "answer" or "gap"
    key: str  # problem code or question id
    title: str
    detail: str
    source: str  # « Analyses » or « Auto-évaluation », for the reader
    assets: tuple[str, ...]
    maturity_points: float | None  # what fixing it adds to the maturity score (estimate)
    urgent: bool
    measure: str | None = None  # NIS2 letter, for answers and gaps


def _weights(
    policy: MaturityPolicy, technical: TechnicalScore, organisational: OrganisationalScore | None
) -> tuple[float, float]:
    """The share of maturity each score makes up, as maturity.combine weighs them."""
    has_technical = technical.exact is not None and policy.technical_weight > 0
    has_organisational = organisational is not None and organisational.exact is not None
    has_organisational = has_organisational and policy.organisational_weight > 0
    total = (policy.technical_weight if has_technical else 0) + (
        policy.organisational_weight if has_organisational else 0
    )
    if not total:
        return 0.0, 0.0
    return (
        policy.technical_weight / total if has_technical else 0.0,
        policy.organisational_weight / total if has_organisational else 0.0,
    )


def _finding_actions(
    technical: TechnicalScore,
    findings: list[tuple[str, str, str]],  # (asset, code, severity) of open findings
    titles: Mapping[str, str],
    explanations: Mapping[str, str],
    share: float,
) -> list[tuple[int, float, Action]]:
    points: dict[str, float] = {}
    for cost in technical.costs:
        if cost.problems:
            code = cost.problems[0]
            points[code] = points.get(code, 0.0) + cost.overall_points
    capping = {cap.code for cap in technical.caps}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for asset, code, severity in findings:
        grouped.setdefault(code, []).append((asset, severity))
    actions = []
    for code, where in grouped.items():
        assets = tuple(dict.fromkeys(asset for asset, _severity in where))
        worst = min((severity for _asset, severity in where), key=lambda s: SEVERITY_RANK.get(s, 9))
        value = points.get(code, 0.0) * share
        urgent = code in capping
        action = Action(
            kind="finding",
            key=code,
            title=titles.get(code, code),
            detail=explanations.get(code, ""),
            source="Analyses",
            assets=assets,
            maturity_points=rounded_points(value),
            urgent=urgent,
        )
        tier = 0 if urgent else (1 if SEVERITY_RANK.get(worst, 9) <= 1 else 2)
        actions.append((tier, value, action))
    return actions


def rounded_points(value: float) -> float | None:
    return rounded(Fraction(value).limit_denominator(10_000)) if value else None


def _answer_actions(
    organisational: OrganisationalScore, questionnaire: Questionnaire, share: float
) -> list[tuple[int, float, Action]]:
    actions = []
    for cost in organisational.costs:
        question = questionnaire.question(cost.question_id)
        if question is None:
            continue
        better = next((o for o in question.options if o.index > cost.answer_index), None)
        detail = f"Aujourd'hui : « {cost.answer_label} »."
        if better is not None:
            detail += f" Prochaine étape : « {better.label} »."
        value = (cost.overall_points or 0.0) * share
        action = Action(
            kind="answer",
            key=question.id,
            title=question.text,
            detail=detail,
            source="Auto-évaluation",
            assets=(),
            maturity_points=rounded_points(value),
            urgent=False,
            measure=question.measure,
        )
        tier = 1 if cost.answer_index == 0 and question.weight == 3 else 2
        actions.append((tier, value, action))
    for gap in organisational.gaps:
        action = Action(
            kind="gap",
            key=gap.question_id,
            title=gap.question_text,
            detail="Vous avez répondu « je ne sais pas » : trouver la réponse, auprès de vos agents ou de "
            "votre prestataire, est la première étape.",
            source="Auto-évaluation",
            assets=(),
            maturity_points=None,
            urgent=False,
            measure=gap.measure,
        )
        actions.append((3, float(gap.weight), action))
    return actions


def action_plan(
    technical: TechnicalScore,
    organisational: OrganisationalScore | None,
    questionnaire: Questionnaire,
    findings: list[tuple[str, str, str]],
    titles: Mapping[str, str],
    explanations: Mapping[str, str],
    policy: MaturityPolicy,
    length: int = PLAN_LENGTH,
) -> tuple[Action, ...]:
    """The `length` most valuable actions, most valuable first."""
    technical_share, organisational_share = _weights(policy, technical, organisational)
    candidates = _finding_actions(technical, findings, titles, explanations, technical_share or 1.0)
    if organisational is not None:
        candidates += _answer_actions(organisational, questionnaire, organisational_share or 1.0)
    candidates.sort(key=lambda item: (item[0], -item[1]))  # stable: ties keep their order
    return tuple(action for _tier, _value, action in candidates[:length])

"""Per NIS2 measure (a)–(j): satisfied, partial, not satisfied or unknown, from the answers alone.

The readiness report will merge scan evidence into these statuses; here each status comes with
the reasons a person can check (the score, the answers at 0, the « je ne sais pas »). The rules,
in this order (docs/scoring.md, « Statut de chaque mesure »):

1. no applicable question (all « non applicable »), or no indexed answer → unknown;
2. « je ne sais pas » and unanswered questions weigh more than `max_unknown_share` of the
   applicable weight → unknown (too little is known to judge);
3. score ≥ `satisfied_from`, no answer at 0 and nothing unknown → satisfied;
4. score < `not_satisfied_below` → not satisfied;
5. otherwise partial.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from cyberreponse.services.scoring.organisational import GroupScore, OrganisationalScore

SATISFIED = "satisfied"
PARTIAL = "partial"
NOT_SATISFIED = "not_satisfied"
UNKNOWN_STATUS = "unknown"
STATUSES = (SATISFIED, PARTIAL, NOT_SATISFIED, UNKNOWN_STATUS)


@dataclass(frozen=True)
class StatusThresholds:
    """The one place where the status thresholds live (the report may read them from configuration)."""

    satisfied_from: int = 80
    not_satisfied_below: int = 40
    max_unknown_share: Fraction = Fraction(1, 2)


@dataclass(frozen=True)
class Reason:
    """Why a measure has its status. `code` is stable (for the report's merge with scan evidence);
    `message` is French, for people."""

    code: str
    message: str
    question_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class MeasureStatus:
    letter: str
    title: str
    status: str
    score: float | None
    reasons: tuple[Reason, ...]


def _french(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}."


def _status_of(group: GroupScore, thresholds: StatusThresholds) -> MeasureStatus:
    reasons: list[Reason] = []
    unknown_ids = group.unknown + group.unanswered
    if group.unknown:
        reasons.append(
            Reason(
                "unknown_answers",
                _plural(len(group.unknown), "réponse « je ne sais pas » à vérifier",
                        "réponses « je ne sais pas » à vérifier"),
                group.unknown,
            )
        )  # fmt: skip
    if group.unanswered:
        reasons.append(
            Reason(
                "unanswered",
                _plural(len(group.unanswered), "question sans réponse", "questions sans réponse"),
                group.unanswered,
            )
        )

    def verdict(status: str) -> MeasureStatus:
        return MeasureStatus(group.key, group.title, status, group.score, tuple(reasons))

    applicable_weight = group.known_weight + group.unknown_weight
    if applicable_weight == 0:
        reasons.insert(
            0,
            Reason("all_not_applicable", "Toutes les questions de cette mesure sont « non applicables ».",
                   group.not_applicable),
        )  # fmt: skip
        return verdict(UNKNOWN_STATUS)
    if group.exact is None:
        reasons.insert(0, Reason("no_data", "Aucune réponse ne permet d'évaluer cette mesure.", unknown_ids))
        return verdict(UNKNOWN_STATUS)
    if Fraction(group.unknown_weight, applicable_weight) > thresholds.max_unknown_share:
        reasons.insert(
            0,
            Reason(
                "too_many_unknowns",
                "Trop de points inconnus pour juger cette mesure : plus de la moitié de son poids "
                "est sans réponse connue.",
                unknown_ids,
            ),
        )
        return verdict(UNKNOWN_STATUS)

    reasons.insert(0, Reason("score", f"Score de la mesure : {_french(group.score)} / 100."))
    blocking = tuple(cost for cost in group.costs if cost.answer_index == 0)
    for cost in blocking:
        reasons.append(
            Reason(
                "blocking_answer",
                f"« {cost.question_text} » : « {cost.answer_label} » (0 sur 3).",
                (cost.question_id,),
            )
        )
    if group.exact >= thresholds.satisfied_from and not blocking and not unknown_ids:
        return verdict(SATISFIED)
    if group.exact < thresholds.not_satisfied_below:
        return verdict(NOT_SATISFIED)
    return verdict(PARTIAL)


def measure_statuses(
    score: OrganisationalScore, thresholds: StatusThresholds | None = None
) -> tuple[MeasureStatus, ...]:
    """The status of each measure (a)–(j), in order, with its reasons."""
    chosen = thresholds or StatusThresholds()
    return tuple(_status_of(group, chosen) for group in score.measures)

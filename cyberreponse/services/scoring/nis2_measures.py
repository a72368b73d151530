"""Each NIS2 measure (a)–(j) judged from the answers and the scans together (the readiness report).

Scan evidence for a measure: the latest results of the checks that declare it (each check lists its
NIS2 items, docs/checks.md) and of the checks or categories named by the measure's questions
(`scan_evidence` in the questionnaire). Those results are scored as in the technical score; the scan
status follows the same thresholds as the answers' status, except that a failed check keeps it from
« satisfied ». The two are merged (docs/scoring.md, « NIS2 measures: answers and scans »):

- nothing known either way → unknown;
- answers only → the answers' status;
- scans only → the scans' status, but never « satisfied »: scans see a part of a measure only;
- both → the worse of the two.

A question answered 2 or 3 whose scan evidence shows a problem is named in the reasons: the answer
and the scan disagree, and someone should look.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from cyberreponse.services.questionnaire import Question, Questionnaire
from cyberreponse.services.scoring.figures import percent, rounded
from cyberreponse.services.scoring.measure_status import (
    NOT_SATISFIED,
    PARTIAL,
    SATISFIED,
    UNKNOWN_STATUS,
    MeasureStatus,
    Reason,
    StatusThresholds,
)
from cyberreponse.services.scoring.technical import (
    POINTS_BY_SEVERITY,
    POINTS_SCALE,
    SCORED_STATUSES,
    ResultInput,
    TechnicalPolicy,
)

_ORDER = (NOT_SATISFIED, PARTIAL, SATISFIED)


@dataclass(frozen=True)
class ScanVerdict:
    status: str
    score: float | None
    scored: int
    failing: tuple[ResultInput, ...]  # scored results below full points, worst first


@dataclass(frozen=True)
class MergedMeasure:
    letter: str
    title: str
    status: str
    answers_status: str
    scan: ScanVerdict
    reasons: tuple[Reason, ...]


def _matches(result: ResultInput, evidence: Sequence[str]) -> bool:
    return any(item in (result.check, result.category) for item in evidence)


def evidence_for(
    letter: str,
    questions: Sequence[Question],
    results: Sequence[ResultInput],
    check_items: Mapping[str, Sequence[str]],
) -> list[ResultInput]:
    """The results that speak for measure `letter`, in input order."""
    named = [item for q in questions for item in q.scan_evidence]
    return [r for r in results if letter in check_items.get(r.check, ()) or _matches(r, named)]


def scan_verdict(
    results: Sequence[ResultInput], thresholds: StatusThresholds, policy: TechnicalPolicy
) -> ScanVerdict:
    earned = possible = 0
    failing: list[ResultInput] = []
    for result in results:
        if result.status not in SCORED_STATUSES:
            continue
        weight = policy.weight(result.check)
        points = POINTS_BY_SEVERITY.get(result.severity, 0)
        earned += weight * points
        possible += weight * POINTS_SCALE
        if points < POINTS_SCALE:
            failing.append(result)
    if not possible:
        return ScanVerdict(UNKNOWN_STATUS, None, 0, ())
    exact = percent(earned, possible)
    failing.sort(key=lambda r: POINTS_BY_SEVERITY.get(r.severity, 0))
    has_fail = any(r.status == "fail" for r in failing)
    if exact >= thresholds.satisfied_from and not has_fail:
        status = SATISFIED
    elif exact < thresholds.not_satisfied_below:
        status = NOT_SATISFIED
    else:
        status = PARTIAL
    scored = sum(1 for r in results if r.status in SCORED_STATUSES)
    return ScanVerdict(status, rounded(exact), scored, tuple(failing))


def merge(answers_status: str, scan_status: str) -> str:
    if answers_status == UNKNOWN_STATUS and scan_status == UNKNOWN_STATUS:
        return UNKNOWN_STATUS
    if answers_status == UNKNOWN_STATUS:
        return PARTIAL if scan_status == SATISFIED else scan_status
    if scan_status == UNKNOWN_STATUS:
        return answers_status
    return min(answers_status, scan_status, key=_ORDER.index)


def _describe(result: ResultInput, titles: Mapping[str, str]) -> str:
    problems = ", ".join(titles.get(code, code) for code in result.problems) or result.check
    return f"{result.asset} : {problems}"


def _contradictions(
    questions: Sequence[Question],
    answers: Mapping[str, object],
    results: Sequence[ResultInput],
    titles: Mapping[str, str],
) -> list[Reason]:
    reasons = []
    for question in questions:
        value = answers.get(question.id)
        if not question.scan_evidence or not isinstance(value, int) or value < 2:
            continue
        seen = [
            r
            for r in results
            if _matches(r, question.scan_evidence) and r.status in ("warn", "fail") and r.problems
        ]
        if not seen:
            continue
        option = question.option(value)
        found = " ; ".join(_describe(r, titles) for r in seen[:3])
        reasons.append(
            Reason(
                "scan_contradicts_answer",
                f"Réponse « {option.label if option else value} » à « {question.text} », "
                f"mais les analyses relèvent : {found}.",
                (question.id,),
            )
        )
    return reasons


@cache
def _check_names() -> dict[str, str]:
    from checks.registry import all_checks  # imports every check module: only when a report is built

    return {check.id: check.title.fr for check in all_checks()}


def _check_name(check_id: str) -> str:
    """What the mayor reads (« DMARC : politique contre l'usurpation ») rather than `mail.dmarc`."""
    return _check_names().get(check_id, check_id)


def merge_measures(
    questionnaire: Questionnaire,
    answer_statuses: Sequence[MeasureStatus] | None,
    answers: Mapping[str, object],
    results: Sequence[ResultInput],
    check_items: Mapping[str, Sequence[str]],
    titles: Mapping[str, str],
    thresholds: StatusThresholds | None = None,
    policy: TechnicalPolicy | None = None,
) -> tuple[MergedMeasure, ...]:
    """The ten measures, in order. `answer_statuses` is None when no answer set was submitted."""
    chosen = thresholds or StatusThresholds()
    technical = policy or TechnicalPolicy()
    by_letter = {s.letter: s for s in answer_statuses or ()}
    merged = []
    for measure in questionnaire.measures:
        questions = questionnaire.questions_of_measure(measure.letter)
        evidence = evidence_for(measure.letter, questions, results, check_items)
        verdict = scan_verdict(evidence, chosen, technical)
        answered = by_letter.get(measure.letter)
        answers_status = answered.status if answered else UNKNOWN_STATUS
        reasons: list[Reason] = list(answered.reasons) if answered else []
        if answered is None:
            reasons.append(Reason("no_answers", "Auto-évaluation non soumise : aucune réponse à ce jour."))
        if verdict.status == UNKNOWN_STATUS:
            reasons.append(Reason("no_scan", "Aucune analyse ne renseigne cette mesure."))
        else:
            passed = verdict.scored - len(verdict.failing)
            score = f"{verdict.score:.1f}".replace(".", ",")
            reasons.append(
                Reason(
                    "scan_score",
                    f"Analyses : {passed} contrôle(s) sur {verdict.scored} sans problème, "
                    f"score {score} / 100.",
                )
            )
            for result in verdict.failing[:5]:
                reasons.append(
                    Reason(
                        "scan_problem",
                        f"Analyse « {_check_name(result.check)} » — {_describe(result, titles)}.",
                    )
                )
        reasons.extend(_contradictions(questions, answers, results, titles))
        merged.append(
            MergedMeasure(
                letter=measure.letter,
                title=measure.title,
                status=merge(answers_status, verdict.status),
                answers_status=answers_status,
                scan=verdict,
                reasons=tuple(reasons),
            )
        )
    return tuple(merged)

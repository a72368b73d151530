"""Organisational score and measure statuses on the shipped questionnaire: the edges the
worked examples of docs/scoring.md do not show."""

from __future__ import annotations

from fractions import Fraction

from cyberreponse.services.questionnaire import AnswerValue, current_questionnaire
from cyberreponse.services.scoring import StatusThresholds, measure_statuses, rounded, score_answers

QUESTIONNAIRE = current_questionnaire()


def everything(value: AnswerValue) -> dict[str, AnswerValue]:
    return {q.id: value for q in QUESTIONNAIRE.questions}


def test_all_best_answers_score_100_and_satisfy_every_measure() -> None:
    score = score_answers(QUESTIONNAIRE, everything(3))
    assert score.score == 100.0
    assert score.costs == ()
    assert {s.status for s in measure_statuses(score)} == {"satisfied"}


def test_all_worst_answers_score_0_and_list_every_question_as_blocking() -> None:
    score = score_answers(QUESTIONNAIRE, everything(0))
    assert score.score == 0.0
    statuses = measure_statuses(score)
    assert {s.status for s in statuses} == {"not_satisfied"}
    blocking = [r.question_ids[0] for s in statuses for r in s.reasons if r.code == "blocking_answer"]
    assert sorted(blocking) == sorted(q.id for q in QUESTIONNAIRE.questions)


def test_all_unknown_gives_no_score_and_every_question_as_a_gap() -> None:
    score = score_answers(QUESTIONNAIRE, everything("unknown"))
    assert score.score is None
    assert len(score.gaps) == len(QUESTIONNAIRE.questions)
    assert {s.status for s in measure_statuses(score)} == {"unknown"}


def test_unanswered_questions_are_left_out_and_listed_apart_from_unknowns() -> None:
    answers: dict[str, AnswerValue] = {"c_sauvegardes": 3, "c_sauvegarde_hors_ligne": 0}
    score = score_answers(QUESTIONNAIRE, answers)
    backups = score.measure("c")
    assert (backups.earned, backups.possible, backups.score) == (9, 18, 50.0)
    assert backups.unanswered == ("c_restauration_testee", "c_fonctionnement_degrade")
    assert score.gaps == ()
    assert (score.answered, score.total) == (2, len(QUESTIONNAIRE.questions))
    # Only (c) has data: the organisational score is its score.
    assert score.score == 50.0 and score.measures_with_data == 1


def test_a_measure_entirely_not_applicable_is_unknown_and_says_why() -> None:
    answers = everything(3) | {"d_acces_prestataires": "not_applicable"}
    answers |= {q.id: "not_applicable" for q in QUESTIONNAIRE.questions_of_measure("d")}
    (status,) = [s for s in measure_statuses(score_answers(QUESTIONNAIRE, answers)) if s.letter == "d"]
    assert status.status == "unknown"
    assert status.reasons[0].code == "all_not_applicable"


def test_a_single_unknown_keeps_a_high_scoring_measure_partial() -> None:
    answers = everything(3) | {"c_restauration_testee": "unknown"}
    score = score_answers(QUESTIONNAIRE, answers)
    status = next(s for s in measure_statuses(score) if s.letter == "c")
    assert score.measure("c").score == 100.0
    assert status.status == "partial"
    assert [r.code for r in status.reasons] == ["score", "unknown_answers"]
    assert status.reasons[1].question_ids == ("c_restauration_testee",)


def test_unknown_weight_of_exactly_half_is_still_judged() -> None:
    # (b): b_reflexes weight 3 known; b_journaux + b_declarations weight 4 unknown → 4/7 > 1/2.
    answers = everything(3) | {"b_journaux": "unknown", "b_declarations": "unknown"}
    status = next(s for s in measure_statuses(score_answers(QUESTIONNAIRE, answers)) if s.letter == "b")
    assert status.status == "unknown" and status.reasons[0].code == "too_many_unknowns"
    # (a): a_referent 3 known, a_activites_critiques 2 + a_regles_ecrites 2 unknown → 4/7 too;
    # with only a_regles_ecrites unknown: 2/7, judged (partial since something is unknown).
    answers = everything(3) | {"a_regles_ecrites": "unknown"}
    status = next(s for s in measure_statuses(score_answers(QUESTIONNAIRE, answers)) if s.letter == "a")
    assert status.status == "partial"
    # A threshold moved in one place changes the verdict.
    lenient = StatusThresholds(max_unknown_share=Fraction(3, 5))
    answers = everything(3) | {"b_journaux": "unknown", "b_declarations": "unknown"}
    status = next(
        s for s in measure_statuses(score_answers(QUESTIONNAIRE, answers), lenient) if s.letter == "b"
    )
    assert status.status == "partial"


def c_status(backups: int, offline: int, restore: int, degraded: int) -> tuple[float | None, str]:
    """Status of (c), whose questions weigh 3, 3, 2 and 2 (possible 30); the rest all at 3."""
    answers = everything(3) | {
        "c_sauvegardes": backups,
        "c_sauvegarde_hors_ligne": offline,
        "c_restauration_testee": restore,
        "c_fonctionnement_degrade": degraded,
    }
    score = score_answers(QUESTIONNAIRE, answers)
    status = next(s for s in measure_statuses(score) if s.letter == "c")
    return score.measure("c").score, status.status


def test_score_of_exactly_80_is_satisfied_and_exactly_40_is_partial() -> None:
    assert c_status(3, 3, 1, 2) == (80.0, "satisfied")  # 9 + 9 + 2 + 4 = 24 of 30
    assert c_status(3, 3, 1, 1) == (73.3, "partial")
    assert c_status(1, 1, 2, 1) == (40.0, "partial")  # 3 + 3 + 4 + 2 = 12 of 30
    assert c_status(1, 1, 1, 1) == (33.3, "not_satisfied")


def test_an_answer_at_0_keeps_a_high_score_from_being_satisfied() -> None:
    assert c_status(3, 3, 3, 0) == (80.0, "partial")


def test_overall_cost_is_the_measure_cost_divided_by_the_measures_with_data() -> None:
    answers = everything(3) | {"g_sensibilisation": 1}
    score = score_answers(QUESTIONNAIRE, answers)
    (cost,) = score.costs
    # (g): weights 3, 2, 2 → possible 21; lost 3 × 2 = 6 → 28.57 points of (g), 2.86 of the total.
    assert (cost.lost, cost.group_points, cost.overall_points) == (6, 28.6, 2.9)
    assert score.score == rounded(Fraction(100 * 9 + (100 - Fraction(600, 21)), 10))


def test_rounding_is_half_up() -> None:
    assert rounded(Fraction(6665, 100)) == 66.7
    assert rounded(Fraction(6664, 100)) == 66.6
    assert rounded(Fraction(125, 1000), 2) == 0.13
    assert rounded(None) is None

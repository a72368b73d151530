"""The organisational score: what the self-assessment answers say, in the manner of MonAideCyber.

Each answer has an index from 0 (worst) to 3 (best) and each question a weight. A group of
questions (a NIS2 measure, or an ANSSI theme) earns `weight × index` points out of `weight × 3`;
its score is earned over possible, out of 100. « Je ne sais pas » and « non applicable » are left
out of both sums; « je ne sais pas » is listed as a gap to close. The organisational score is the
plain mean of the measures that have data, so each NIS2 measure counts the same whatever its
number of questions. Everything is computed with exact fractions and rounded once, for display.

Pure functions: no database, no Flask. See docs/scoring.md, whose worked examples are tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from cyberreponse.services.questionnaire import (
    MAX_INDEX,
    UNKNOWN,
    AnswerValue,
    Question,
    Questionnaire,
)
from cyberreponse.services.scoring.figures import mean, percent, rounded


@dataclass(frozen=True)
class AnswerCost:
    """An answer below the best one, and what it costs."""

    question_id: str
    question_text: str
    answer_index: int
    answer_label: str
    weight: int
    lost: int  # weight × (3 − index): points of the group's sums
    group_points: float  # points of the group's score out of 100
    overall_points: float | None  # points of the organisational score (measures only)


@dataclass(frozen=True)
class Gap:
    """A « je ne sais pas » answer: something to find out."""

    question_id: str
    question_text: str
    measure: str
    theme: str
    weight: int


@dataclass(frozen=True)
class GroupScore:
    """One NIS2 measure or one ANSSI theme."""

    key: str
    title: str
    earned: int
    possible: int
    score: float | None  # out of 100, one decimal; None when no question has an indexed answer
    costs: tuple[AnswerCost, ...]  # largest first
    unknown: tuple[str, ...]  # question ids answered « je ne sais pas »
    not_applicable: tuple[str, ...]
    unanswered: tuple[str, ...]  # drafts only: submitted answer sets answer every question
    known_weight: int  # total weight of the indexed answers
    unknown_weight: int  # total weight of « je ne sais pas » and unanswered questions
    question_count: int
    exact: Fraction | None = field(default=None, compare=False, repr=False)

    @property
    def has_data(self) -> bool:
        return self.exact is not None


@dataclass(frozen=True)
class OrganisationalScore:
    score: float | None  # None when no measure has data
    measures: tuple[GroupScore, ...]  # in the order a … j
    themes: tuple[GroupScore, ...]  # in the questionnaire's order
    gaps: tuple[Gap, ...]
    answered: int  # questions with any answer, « je ne sais pas » included
    total: int
    exact: Fraction | None = field(default=None, compare=False, repr=False)

    def measure(self, letter: str) -> GroupScore:
        return next(group for group in self.measures if group.key == letter)

    def theme(self, theme_id: str) -> GroupScore:
        return next(group for group in self.themes if group.key == theme_id)

    @property
    def measures_with_data(self) -> int:
        return sum(1 for group in self.measures if group.has_data)

    @property
    def costs(self) -> tuple[AnswerCost, ...]:
        """Every answer that costs points, the most expensive for the overall score first."""
        all_costs = [cost for group in self.measures for cost in group.costs]
        return tuple(sorted(all_costs, key=lambda cost: -(cost.overall_points or 0)))  # stable, as above


def _group(
    key: str,
    title: str,
    questions: Sequence[Question],
    answers: Mapping[str, AnswerValue],
    overall_share: Callable[[Fraction], Fraction] | None,
) -> GroupScore:
    earned = possible = known_weight = unknown_weight = 0
    unknown: list[str] = []
    not_applicable: list[str] = []
    unanswered: list[str] = []
    indexed: list[tuple[Question, int]] = []
    for question in questions:
        value = answers.get(question.id)
        if value is None:
            unanswered.append(question.id)
            unknown_weight += question.weight
        elif isinstance(value, int):
            earned += question.weight * value
            possible += question.weight * MAX_INDEX
            known_weight += question.weight
            indexed.append((question, value))
        elif value == UNKNOWN:
            unknown.append(question.id)
            unknown_weight += question.weight
        else:
            not_applicable.append(question.id)
    exact = percent(earned, possible) if possible else None
    costs: list[AnswerCost] = []
    for question, index in indexed:
        lost = question.weight * (MAX_INDEX - index)
        if not lost:
            continue
        group_points = percent(lost, possible)
        option = question.option(index)
        costs.append(
            AnswerCost(
                question_id=question.id,
                question_text=question.text,
                answer_index=index,
                answer_label=option.label if option else str(index),
                weight=question.weight,
                lost=lost,
                group_points=rounded(group_points) or 0.0,
                overall_points=rounded(overall_share(group_points)) if overall_share else None,
            )
        )
    costs.sort(key=lambda cost: -cost.lost)  # stable: ties stay in questionnaire order
    return GroupScore(
        key=key,
        title=title,
        earned=earned,
        possible=possible,
        score=rounded(exact),
        costs=tuple(costs),
        unknown=tuple(unknown),
        not_applicable=tuple(not_applicable),
        unanswered=tuple(unanswered),
        known_weight=known_weight,
        unknown_weight=unknown_weight,
        question_count=len(questions),
        exact=exact,
    )


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> OrganisationalScore:
    """The organisational score and its full breakdown. `answers` maps question ids to an index
    (0–3), "unknown" or "not_applicable"; a missing id is a question not answered yet."""
    with_data = sum(
        1
        for measure in questionnaire.measures
        if any(isinstance(answers.get(q.id), int) for q in questionnaire.questions_of_measure(measure.letter))
    )

    def overall_share(group_points: Fraction) -> Fraction:
        # A measure is one of `with_data` equal parts of the organisational score.
        return group_points / with_data

    measures = tuple(
        _group(m.letter, m.title, questionnaire.questions_of_measure(m.letter), answers, overall_share)
        for m in questionnaire.measures
    )
    themes = tuple(
        _group(t.id, t.title, questionnaire.questions_of_theme(t.id), answers, None)
        for t in questionnaire.themes
    )
    exact = mean([group.exact for group in measures if group.exact is not None])
    gaps = tuple(
        Gap(q.id, q.text, q.measure, q.theme, q.weight)
        for q in questionnaire.questions
        if answers.get(q.id) == UNKNOWN
    )
    return OrganisationalScore(
        score=rounded(exact),
        measures=measures,
        themes=themes,
        gaps=gaps,
        answered=sum(1 for q in questionnaire.questions if answers.get(q.id) is not None),
        total=len(questionnaire.questions),
        exact=exact,
    )

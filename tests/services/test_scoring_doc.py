"""The worked examples of docs/scoring.md, read from the document's own tables and computed.

Each example is a set of tables after `<!-- example:N:KIND -->` markers: the answers, then what the
code must find (measures, themes, costs, overall). Editing the document edits the test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cyberreponse.services.questionnaire import (
    MEASURE_LETTERS,
    NOT_APPLICABLE,
    UNKNOWN,
    AnswerOption,
    AnswerValue,
    Measure,
    Question,
    Questionnaire,
    Theme,
)
from cyberreponse.services.scoring import measure_statuses, score_answers

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"
MARKER = re.compile(r"^<!-- (\w+):(\d+):(\w+) -->$")
STATUS_WORDS = {
    "satisfied": "satisfied",
    "partial": "partial",
    "not satisfied": "not_satisfied",
    "unknown": "unknown",
}

Table = list[dict[str, str]]


def example_tables(family: str = "example") -> dict[str, dict[str, Table]]:
    """{example number: {kind: rows}} of the examples marked `<!-- family:N:kind -->`, each row a dict
    keyed by the table's header."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    examples: dict[str, dict[str, Table]] = {}
    for number, line in enumerate(lines):
        match = MARKER.match(line.strip())
        if not match or match.group(1) != family:
            continue
        table_lines = []
        for following in lines[number + 1 :]:
            if not following.startswith("|"):
                break
            table_lines.append([cell.strip() for cell in following.strip().strip("|").split("|")])
        header, _separator, *rows = table_lines
        examples.setdefault(match.group(2), {})[match.group(3)] = [
            dict(zip(header, row, strict=True)) for row in rows
        ]
    return examples


EXAMPLES = example_tables()


def number(text: str) -> float | None:
    return None if text in ("—", "") else float(text)


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def build(rows: Table) -> tuple[Questionnaire, dict[str, AnswerValue]]:
    """A questionnaire holding just the example's questions (ids are the question names)."""
    themes = dict.fromkeys(row["theme"] for row in rows)
    questions = tuple(
        Question(
            id=row["question"],
            measure=row["measure"],
            theme=row["theme"],
            weight=int(row["weight"]),
            text=row["question"],
            help="",
            options=tuple(AnswerOption(index, f"option {index}") for index in range(4)),
            allows_unknown=True,
            allows_not_applicable=True,
            scan_evidence=(),
        )
        for row in rows
    )
    questionnaire = Questionnaire(
        id="example",
        version="doc",
        title="Example",
        introduction="",
        measures=tuple(Measure(letter, f"Measure {letter}", "") for letter in MEASURE_LETTERS),
        themes=tuple(Theme(theme, theme, "") for theme in themes),
        questions=questions,
        content_hash="",
    )
    special: dict[str, AnswerValue] = {"je ne sais pas": UNKNOWN, "non applicable": NOT_APPLICABLE}
    answers = {row["question"]: special.get(row["answer"]) or int(row["answer"]) for row in rows}
    return questionnaire, answers


def test_the_document_has_the_three_worked_examples_with_their_tables() -> None:
    assert sorted(EXAMPLES) == ["1", "2", "3"]
    for tables in EXAMPLES.values():
        assert {"answers", "measures", "costs", "overall"} <= set(tables)


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_measure_scores_statuses_and_unknowns_match_the_document(example: str) -> None:
    questionnaire, answers = build(EXAMPLES[example]["answers"])
    score = score_answers(questionnaire, answers)
    statuses = {status.letter: status for status in measure_statuses(score)}
    listed = {row["measure"] for row in EXAMPLES[example]["measures"]}
    for row in EXAMPLES[example]["measures"]:
        group = score.measure(row["measure"])
        found = {
            "earned": group.earned,
            "possible": group.possible,
            "score": group.score,
            "status": statuses[row["measure"]].status,
            "unknown": list(group.unknown),
        }
        expected = {
            "earned": int(row["earned"]),
            "possible": int(row["possible"]),
            "score": number(row["score"]),
            "status": STATUS_WORDS[row["status"]],
            "unknown": names(row["unknown"]),
        }
        assert found == expected, f"example {example}, measure ({row['measure']})"
    for letter in set(MEASURE_LETTERS) - listed:
        assert score.measure(letter).score is None


@pytest.mark.parametrize("example", sorted(e for e in EXAMPLES if "themes" in EXAMPLES[e]))
def test_theme_scores_match_the_document(example: str) -> None:
    questionnaire, answers = build(EXAMPLES[example]["answers"])
    score = score_answers(questionnaire, answers)
    found = [
        {"theme": g.key, "earned": str(g.earned), "possible": str(g.possible), "score": g.score}
        for g in score.themes
    ]
    expected = [{**row, "score": number(row["score"])} for row in EXAMPLES[example]["themes"]]
    assert found == expected


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_costs_match_the_document_in_its_order(example: str) -> None:
    questionnaire, answers = build(EXAMPLES[example]["answers"])
    found = [
        (c.question_id, c.answer_index, c.lost, c.group_points, c.overall_points)
        for c in score_answers(questionnaire, answers).costs
    ]
    expected = [
        (
            row["question"],
            int(row["answer"]),
            int(row["lost"]),
            number(row["measure points"]),
            number(row["overall points"]),
        )
        for row in EXAMPLES[example]["costs"]
    ]
    assert found == expected


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_organisational_score_and_gaps_match_the_document(example: str) -> None:
    questionnaire, answers = build(EXAMPLES[example]["answers"])
    score = score_answers(questionnaire, answers)
    (row,) = EXAMPLES[example]["overall"]
    assert score.score == number(row["organisational score"])
    assert [gap.question_id for gap in score.gaps] == names(row["gaps"])

"""The technical, maturity and merge examples of docs/scoring.md, read from the document and computed.

Same reading as tests/services/test_scoring_doc.py: tables after `<!-- technical:N:KIND -->`,
`<!-- maturity:1:cases -->` and `<!-- merge:1:cases -->` markers. Editing the document edits the test."""

from __future__ import annotations

from fractions import Fraction

import pytest

from cyberreponse.services.scoring import FindingInput, ResultInput, combine, score_results
from cyberreponse.services.scoring.nis2_measures import merge
from tests.services.test_scoring_doc import Table, example_tables, names, number

TECHNICAL = example_tables("technical")
MATURITY = example_tables("maturity")
MERGE = example_tables("merge")
STATUS_WORDS = {
    "satisfied": "satisfied",
    "partial": "partial",
    "not satisfied": "not_satisfied",
    "unknown": "unknown",
}


def results_of(rows: Table) -> list[ResultInput]:
    return [
        ResultInput(row["asset"], row["check"], row["category"], row["status"], row["severity"],
                    tuple(names(row["problems"])))
        for row in rows
    ]  # fmt: skip


def findings_of(rows: Table) -> list[FindingInput]:
    return [FindingInput(row["asset"], row["check"], row["code"], row["severity"]) for row in rows]


def test_the_document_has_three_technical_examples_and_the_maturity_and_merge_tables() -> None:
    assert sorted(TECHNICAL) == ["1", "2", "3"]
    for tables in TECHNICAL.values():
        assert set(tables) == {"results", "findings", "categories", "costs", "overall"}
    assert len(MATURITY["1"]["cases"]) >= 5
    assert len(MERGE["1"]["cases"]) >= 6


@pytest.mark.parametrize("example", sorted(TECHNICAL))
def test_category_scores_match_the_document(example: str) -> None:
    tables = TECHNICAL[example]
    score = score_results(results_of(tables["results"]), findings_of(tables["findings"]))
    found = [
        {"category": c.key, "earned": str(c.earned), "possible": str(c.possible), "score": c.score}
        for c in score.categories
    ]
    expected = [{**row, "score": number(row["score"])} for row in tables["categories"]]
    assert found == expected


@pytest.mark.parametrize("example", sorted(TECHNICAL))
def test_costs_match_the_document_in_its_order(example: str) -> None:
    tables = TECHNICAL[example]
    score = score_results(results_of(tables["results"]), findings_of(tables["findings"]))
    found = [(c.asset, c.check, c.lost, c.category_points, c.overall_points) for c in score.costs]
    expected = [
        (row["asset"], row["check"], int(row["lost"]), number(row["category points"]),
         number(row["overall points"]))
        for row in tables["costs"]
    ]  # fmt: skip
    assert found == expected


@pytest.mark.parametrize("example", sorted(TECHNICAL))
def test_technical_score_grade_and_caps_match_the_document(example: str) -> None:
    tables = TECHNICAL[example]
    score = score_results(results_of(tables["results"]), findings_of(tables["findings"]))
    (row,) = tables["overall"]
    caps = [f"{cap.code} {cap.grade}" for cap in score.caps]
    assert score.score == number(row["technical score"])
    assert (score.uncapped_grade or "—") == row["grade before caps"]
    assert (score.grade or "—") == row["grade"]
    assert caps == names(row["caps"])


def exact(text: str) -> Fraction | None:
    return None if text == "—" else Fraction(text)


@pytest.mark.parametrize(
    "row", MATURITY["1"]["cases"], ids=lambda row: f"{row['technical']}-{row['organisational']}"
)
def test_maturity_cases_match_the_document(row: dict[str, str]) -> None:
    maturity = combine(exact(row["technical"]), exact(row["organisational"]), capped=row["capped"] == "yes")
    assert maturity.basis == row["basis"]
    assert maturity.score == number(row["maturity score"])
    assert maturity.level == (None if row["level"] == "—" else int(row["level"]))
    assert (maturity.name or "—") == row["name"]


@pytest.mark.parametrize("row", MERGE["1"]["cases"], ids=lambda row: f"{row['answers']}+{row['scans']}")
def test_merge_of_answers_and_scans_matches_the_document(row: dict[str, str]) -> None:
    assert merge(STATUS_WORDS[row["answers"]], STATUS_WORDS[row["scans"]]) == STATUS_WORDS[row["measure"]]

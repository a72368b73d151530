"""The result contract (docs/checks.md): JSON shape, status rule, one problem per code, immutability,
and a documentation that lists every check and problem code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from checks.base import Category, CheckResult, Problem, Severity, Status, Text, freeze, status_for
from checks.registry import all_checks, problem_types, select_checks

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checks.md"


def spf_problem(severity: Severity = Severity.HIGH, code: str = "spf.too_many_lookups") -> Problem:
    return Problem(code, severity, Text("Trop de requêtes", "Too many lookups"), {"lookups": 11, "limit": 10})


def result(*problems: Problem, status: Status | None = None, severity: Severity | None = None) -> CheckResult:
    return CheckResult(
        check="mail.spf",
        category=Category.MAIL,
        nis2=("h", "j"),
        status=status or status_for(problems),
        severity=severity or max((p.severity for p in problems), key=lambda s: s.rank, default=Severity.NONE),
        summary=Text("Trop de requêtes", "Too many lookups"),
        problems=problems,
        evidence={"records": ["v=spf1 -all"], "lookups": 11},
    )


def test_json_shape_is_the_documented_contract() -> None:
    data = result(spf_problem()).to_json()
    assert data == {
        "check": "mail.spf",
        "category": "mail",
        "status": "fail",
        "severity": "high",
        "summary": {"fr": "Trop de requêtes", "en": "Too many lookups"},
        "problems": [
            {"code": "spf.too_many_lookups", "severity": "high", "details": {"lookups": 11, "limit": 10}}
        ],
        "evidence": {"records": ["v=spf1 -all"], "lookups": 11},
        "nis2": ["h", "j"],
    }
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize(
    ("severities", "status"),
    [
        ((), Status.PASS),
        ((Severity.INFO,), Status.INFO),
        ((Severity.INFO, Severity.LOW), Status.WARN),
        ((Severity.MEDIUM,), Status.WARN),
        ((Severity.LOW, Severity.HIGH), Status.FAIL),
        ((Severity.CRITICAL,), Status.FAIL),
    ],
)
def test_status_follows_from_the_worst_problem(severities: tuple[Severity, ...], status: Status) -> None:
    problems = [spf_problem(s, f"spf.code{i}") for i, s in enumerate(severities)]
    assert status_for(problems) is status


def test_a_problem_code_appears_once_per_result() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        result(spf_problem(), spf_problem())


def test_status_and_severity_cannot_contradict_the_problems() -> None:
    with pytest.raises(ValueError, match="must follow"):
        result(spf_problem(), status=Status.PASS)
    with pytest.raises(ValueError, match="no problem"):
        result(spf_problem(), status=Status.ERROR)


def test_results_and_their_evidence_are_frozen() -> None:
    frozen = result(spf_problem())
    with pytest.raises(AttributeError):
        frozen.status = Status.PASS  # type: ignore[misc]
    with pytest.raises(TypeError):
        frozen.evidence["lookups"] = 0  # type: ignore[index]
    with pytest.raises(TypeError, match="not a JSON value"):
        freeze({"when": {1, 2}})
    with pytest.raises(TypeError, match="non-finite"):
        freeze({"x": float("nan")})


def test_stored_json_rebuilds_the_same_result() -> None:
    original = result(spf_problem())
    rebuilt = CheckResult.from_json(
        json.loads(original.dumps()), {p: t.title for p, t in problem_types().items()}
    )
    assert rebuilt.to_json() == original.to_json()
    assert rebuilt.problems[0].title.fr == "SPF : plus de 10 requêtes DNS"


def test_check_ids_and_problem_codes_are_unique_and_explained() -> None:
    checks = all_checks()
    assert len({c.id for c in checks}) == len(checks)
    codes = [p.code for c in checks for p in c.problem_types]
    assert len(codes) == len(set(codes))
    for check in checks:
        for problem in check.problem_types:
            assert problem.explanation and problem.title.fr and problem.title.en
            assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9_]+", problem.code)


def test_every_check_and_problem_code_is_documented() -> None:
    documented = set(re.findall(r"`([a-z0-9]+\.[a-z0-9_]+)`", DOCS.read_text("utf-8")))
    assert {c.id for c in all_checks()} <= documented
    assert set(problem_types()) <= documented


def test_selection_by_category_or_id() -> None:
    assert [c.id for c in select_checks(["dns", "mail.spf"])] == ["mail.spf", "dns.dnssec", "dns.caa"]
    with pytest.raises(ValueError, match="unknown check"):
        select_checks(["mail.spff"])

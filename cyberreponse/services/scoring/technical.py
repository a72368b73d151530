"""The technical score: what the latest scans say, per category, in the manner of internet.nl.

Each scored result (status pass, warn or fail) earns points by its severity — full for a pass, half
for a low problem, little for a medium one, none for a high or critical one — times its check's
weight. A category (mail, dns, tls, web, exposure) is points earned over points possible, out of 100;
`info`, `error` and `skipped` results are not scored. The technical score is the plain mean of the
categories that have data. Grades A–F come from the score by the thresholds of `TechnicalPolicy`; in
the manner of testssl.sh, some open findings cap the grade whatever the average (`CAPS`).

Pure functions: plain values in, frozen dataclasses out. docs/scoring.md, « Technical score », gives
worked examples that tests/services/test_scoring_doc.py runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from cyberreponse.services.scoring.figures import mean, percent, rounded

CATEGORIES = ("mail", "dns", "tls", "web", "exposure")
SCORED_STATUSES = frozenset({"pass", "warn", "fail"})
GRADES = ("A", "B", "C", "D", "E", "F")

# Points out of POINTS_SCALE by the result's severity (its worst problem's): full, half, little, none.
POINTS_SCALE = 4
POINTS_BY_SEVERITY: Mapping[str, int] = MappingProxyType(
    {"none": 4, "info": 4, "low": 2, "medium": 1, "high": 0, "critical": 0}
)

# How much each check counts in its category; a check not listed weighs 1. The checks that decide
# whether mail can be spoofed, whether the site is really encrypted and whether DNS can be trusted
# weigh more than advice such as CAA or security.txt.
CHECK_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {
        "mail.spf": 2,
        "mail.dmarc": 2,
        "mail.dkim": 1,
        "mail.mx": 1,
        "mail.starttls": 1,
        "dns.dnssec": 2,
        "dns.caa": 1,
        "tls.certificate": 2,
        "tls.protocols": 1,
        "web.https": 2,
        "web.security_txt": 1,
        "exposure.ports": 1,
    }
)

# Open findings that cap the grade, whatever the average (testssl.sh caps a grade the same way).
# The open door of most ransomware attacks on small public bodies: Windows file sharing (F), remote
# desktop and databases (E); an expired certificate blocks the site for every visitor (D).
CAPS: Mapping[str, str] = MappingProxyType(
    {
        "exposure.smb": "F",
        "exposure.rdp": "E",
        "exposure.database": "E",
        "tls.expired": "D",
    }
)
CRITICAL_CAP = "E"  # any other open finding of severity critical


@dataclass(frozen=True)
class ResultInput:
    """The latest result of one check on one asset, as stored by a campaign."""

    asset: str
    check: str
    category: str
    status: str
    severity: str
    problems: tuple[str, ...] = ()  # problem codes, for the explanation


@dataclass(frozen=True)
class FindingInput:
    """An open finding: a problem code still present on an asset."""

    asset: str
    check: str
    code: str
    severity: str


@dataclass(frozen=True)
class TechnicalPolicy:
    """Grade thresholds (lower bounds of A, B, C, D and E; below E is F), weights and caps."""

    grade_thresholds: tuple[int, int, int, int, int] = (85, 70, 55, 40, 25)
    check_weights: Mapping[str, int] = field(default_factory=lambda: CHECK_WEIGHTS)
    caps: Mapping[str, str] = field(default_factory=lambda: CAPS)
    critical_cap: str = CRITICAL_CAP

    def weight(self, check: str) -> int:
        return self.check_weights.get(check, 1)

    def grade(self, score: Fraction) -> str:
        for grade, low in zip(GRADES, self.grade_thresholds, strict=False):
            if score >= low:
                return grade
        return GRADES[-1]

    def cap_for(self, finding: FindingInput) -> str | None:
        if finding.code in self.caps:
            return self.caps[finding.code]
        return self.critical_cap if finding.severity == "critical" else None


@dataclass(frozen=True)
class ResultCost:
    """A scored result below full points, and what it costs."""

    asset: str
    check: str
    category: str
    status: str
    severity: str
    problems: tuple[str, ...]
    weight: int
    lost: int  # weight × (4 − points)
    category_points: float  # points of the category's score out of 100
    overall_points: float  # points of the technical score


@dataclass(frozen=True)
class CategoryScore:
    key: str
    earned: int
    possible: int
    score: float | None  # None when no result of the category is scored
    scored: int  # results scored
    not_scored: int  # info, error and skipped results
    costs: tuple[ResultCost, ...]
    exact: Fraction | None = field(default=None, compare=False, repr=False)

    @property
    def has_data(self) -> bool:
        return self.exact is not None


@dataclass(frozen=True)
class AppliedCap:
    asset: str
    check: str
    code: str
    severity: str
    grade: str


@dataclass(frozen=True)
class TechnicalScore:
    score: float | None
    uncapped_grade: str | None
    grade: str | None
    categories: tuple[CategoryScore, ...]  # in CATEGORIES order
    caps: tuple[AppliedCap, ...]  # worst first
    exact: Fraction | None = field(default=None, compare=False, repr=False)

    def category(self, key: str) -> CategoryScore:
        return next(c for c in self.categories if c.key == key)

    @property
    def categories_with_data(self) -> int:
        return sum(1 for c in self.categories if c.has_data)

    @property
    def costs(self) -> tuple[ResultCost, ...]:
        """Every result that costs points, the most expensive for the technical score first."""
        every = [cost for category in self.categories for cost in category.costs]
        return tuple(sorted(every, key=lambda cost: -cost.overall_points))

    @property
    def is_capped(self) -> bool:
        return bool(self.caps) and self.grade != self.uncapped_grade


def worse_grade(first: str, second: str) -> str:
    return max(first, second, key=GRADES.index)


def _category(
    key: str, results: Sequence[ResultInput], policy: TechnicalPolicy, with_data: int
) -> CategoryScore:
    earned = possible = not_scored = 0
    scored: list[tuple[ResultInput, int, int]] = []
    for result in results:
        if result.status not in SCORED_STATUSES:
            not_scored += 1
            continue
        weight = policy.weight(result.check)
        points = POINTS_BY_SEVERITY.get(result.severity, 0)
        earned += weight * points
        possible += weight * POINTS_SCALE
        scored.append((result, weight, points))
    exact = percent(earned, possible) if possible else None
    costs = []
    for result, weight, points in scored:
        lost = weight * (POINTS_SCALE - points)
        if not lost:
            continue
        category_points = percent(lost, possible)
        costs.append(
            ResultCost(
                asset=result.asset,
                check=result.check,
                category=key,
                status=result.status,
                severity=result.severity,
                problems=result.problems,
                weight=weight,
                lost=lost,
                category_points=rounded(category_points) or 0.0,
                overall_points=rounded(category_points / with_data) or 0.0,
            )
        )
    costs.sort(key=lambda cost: -cost.lost)  # stable: ties keep the input's order
    return CategoryScore(key, earned, possible, rounded(exact), len(scored), not_scored, tuple(costs), exact)


def score_results(
    results: Sequence[ResultInput],
    open_findings: Sequence[FindingInput] = (),
    policy: TechnicalPolicy | None = None,
) -> TechnicalScore:
    """The technical score of one organisation from the latest result of each (asset, check) and
    its open findings (for the caps)."""
    chosen = policy or TechnicalPolicy()
    by_category: dict[str, list[ResultInput]] = {key: [] for key in CATEGORIES}
    for result in results:
        by_category.setdefault(result.category, []).append(result)
    with_data = sum(1 for key in CATEGORIES if any(r.status in SCORED_STATUSES for r in by_category[key]))
    categories = tuple(_category(key, by_category[key], chosen, max(with_data, 1)) for key in CATEGORIES)
    exact = mean([c.exact for c in categories if c.exact is not None])
    caps: list[AppliedCap] = []
    for finding in open_findings:
        limit = chosen.cap_for(finding)
        if limit is not None:
            caps.append(AppliedCap(finding.asset, finding.check, finding.code, finding.severity, limit))
    caps.sort(key=lambda applied: -GRADES.index(applied.grade))
    uncapped = chosen.grade(exact) if exact is not None else None
    grade = uncapped
    for applied in caps:
        grade = applied.grade if grade is None else worse_grade(grade, applied.grade)
    return TechnicalScore(rounded(exact), uncapped, grade, categories, tuple(caps), exact)

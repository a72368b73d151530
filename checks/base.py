"""What every check shares: statuses, severities, problems and the frozen result.

The result is a contract (docs/checks.md): campaigns store one row per result and open one finding per
(asset, check id, problem code); scoring reads status, severity and category. Hence two invariants the
constructor enforces: a result holds each problem code at most once, and status and severity follow from
its problems by one fixed rule (`status_for`, `severity_for`) unless the check could not decide (error) or
did not apply (skipped).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from checks.context import CheckContext
    from checks.targets import Target, TargetKind

JsonValue: TypeAlias = bool | int | float | str | Sequence["JsonValue"] | Mapping[str, "JsonValue"] | None


class Category(enum.StrEnum):
    MAIL = "mail"
    DNS = "dns"
    TLS = "tls"
    WEB = "web"
    EXPOSURE = "exposure"


class Status(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a status name, not a password
    INFO = "info"
    WARN = "warn"
    FAIL = "fail"
    ERROR = "error"  # could not be determined: timeout, SERVFAIL, refused handshake. Never a fail.
    SKIPPED = "skipped"  # not applicable to this target


class Severity(enum.StrEnum):
    NONE = "none"
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_ORDER.index(self)


_SEVERITY_ORDER = (
    Severity.NONE,
    Severity.INFO,
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)

# NIS2 Art. 21(2) measures, (a) to (j) (DESIGN §5).
NIS2_ITEMS = frozenset("abcdefghij")


@dataclass(frozen=True)
class Text:
    """A sentence in French (what users read) and English."""

    fr: str
    en: str

    def to_json(self) -> dict[str, str]:
        return {"fr": self.fr, "en": self.en}


def freeze(value: Any) -> JsonValue:
    """A deep, read-only copy of a JSON-like value; anything that is not JSON is refused at once."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TypeError("evidence holds a non-finite float")
        return value
    if isinstance(value, Mapping):
        frozen: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"evidence keys must be strings, not {type(key).__name__}")
            frozen[key] = freeze(item)
        return MappingProxyType(frozen)
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def thaw(value: JsonValue) -> Any:
    """The plain dicts and lists `json.dumps` expects."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [thaw(item) for item in value]
    return value


@dataclass(frozen=True)
class Problem:
    """One stable problem code found by a check, with its details (addresses, counts, records)."""

    code: str
    severity: Severity
    title: Text
    details: Mapping[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", freeze(self.details))

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity.value, "details": thaw(self.details)}


@dataclass(frozen=True)
class ProblemType:
    """A problem code as documented: default severity, short title, and the French explanation."""

    code: str
    severity: Severity
    title: Text
    explanation: str

    def at(self, severity: Severity | None = None, **details: Any) -> Problem:
        return Problem(self.code, severity or self.severity, self.title, details)


def status_for(problems: Iterable[Problem]) -> Status:
    """The fixed rule: high or critical → fail; low or medium → warn; info → info; none → pass."""
    worst = severity_for(problems)
    if worst.rank >= Severity.HIGH.rank:
        return Status.FAIL
    if worst.rank >= Severity.LOW.rank:
        return Status.WARN
    if worst is Severity.INFO:
        return Status.INFO
    return Status.PASS


def severity_for(problems: Iterable[Problem]) -> Severity:
    return max((p.severity for p in problems), key=lambda s: s.rank, default=Severity.NONE)


def merge_by_code(problems: Iterable[Problem], list_key: str = "occurrences") -> list[Problem]:
    """One problem per code: the worst severity, the first details, and every occurrence's details listed.

    Checks that look at several addresses or MX hosts find the same problem more than once; findings are
    keyed by problem code, so each code appears once per result (docs/checks.md).
    """
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.code, []).append(problem)
    merged = []
    for code, group in grouped.items():
        if len(group) == 1:
            merged.append(group[0])
            continue
        worst = max(group, key=lambda p: p.severity.rank)
        details = dict(thaw(worst.details))
        details[list_key] = [thaw(p.details) for p in group]
        merged.append(Problem(code, worst.severity, worst.title, details))
    return merged


@dataclass(frozen=True)
class CheckResult:
    """What one check found on one target. `to_json()` is the documented contract."""

    check: str
    category: Category
    nis2: tuple[str, ...]
    status: Status
    severity: Severity
    summary: Text
    problems: tuple[Problem, ...] = ()
    evidence: Mapping[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", freeze(self.evidence))
        codes = [p.code for p in self.problems]
        if len(codes) != len(set(codes)):
            raise ValueError(f"{self.check}: a problem code appears twice in one result: {codes}")
        if self.status in (Status.ERROR, Status.SKIPPED):
            if self.problems or self.severity is not Severity.NONE:
                raise ValueError(f"{self.check}: an {self.status} result carries no problem and no severity")
        elif (self.status, self.severity) != (status_for(self.problems), severity_for(self.problems)):
            raise ValueError(f"{self.check}: status and severity must follow from the problems")

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "category": self.category.value,
            "status": self.status.value,
            "severity": self.severity.value,
            "summary": self.summary.to_json(),
            "problems": [p.to_json() for p in self.problems],
            "evidence": thaw(self.evidence),
            "nis2": list(self.nis2),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], titles: Mapping[str, Text] | None = None) -> CheckResult:
        """Rebuild a stored result; problem titles come from the registry's catalogue when given."""
        titles = titles or {}
        return cls(
            check=data["check"],
            category=Category(data["category"]),
            nis2=tuple(data["nis2"]),
            status=Status(data["status"]),
            severity=Severity(data["severity"]),
            summary=Text(data["summary"]["fr"], data["summary"]["en"]),
            problems=tuple(
                Problem(
                    p["code"],
                    Severity(p["severity"]),
                    titles.get(p["code"], Text(p["code"], p["code"])),
                    p["details"],
                )
                for p in data["problems"]
            ),
            evidence=data["evidence"],
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Outcome:
    """What a check's run returns: its problems and evidence; the runner makes the result."""

    problems: Sequence[Problem] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    summary: Text | None = None  # when no problem: a more precise sentence than the check's pass summary


class CheckError(Exception):
    """Raised by a check to end with a status other than its problems' (see subclasses)."""

    def __init__(self, reason: str, message: Text, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message.en)
        self.reason = reason
        self.message = message
        self.details = dict(details or {})


class Undecided(CheckError):
    """The check could not decide (timeout, SERVFAIL, refused handshake): an `error` result."""


class NotApplicable(CheckError):
    """The check does not apply to this target (no web server, no MX, an IP address): `skipped`."""


CheckFunction = Callable[["CheckContext", "Target"], Awaitable[Outcome]]


@dataclass(frozen=True)
class Check:
    """A registered check: stable id, category, NIS2 items, the problems it can report, and its run."""

    id: str
    category: Category
    nis2: tuple[str, ...]
    title: Text
    pass_summary: Text
    problem_types: tuple[ProblemType, ...]
    target_kinds: frozenset[TargetKind]
    run: CheckFunction
    # The exposure scan waits for nmap batches: it gets the longer `exposure_timeout`.
    long_running: bool = False

    def __post_init__(self) -> None:
        if not set(self.nis2) <= NIS2_ITEMS:
            raise ValueError(f"{self.id}: unknown NIS2 items {self.nis2}")

    def result(self, outcome: Outcome) -> CheckResult:
        declared = {p.code for p in self.problem_types}
        problems = tuple(outcome.problems)
        unknown = {p.code for p in problems} - declared
        if unknown:
            raise ValueError(f"{self.id} reported undeclared problem codes {sorted(unknown)}")
        if problems:
            titles = list(dict.fromkeys(p.title for p in problems))
            summary = Text("; ".join(t.fr for t in titles), "; ".join(t.en for t in titles))
        else:
            summary = outcome.summary or self.pass_summary
        return CheckResult(
            check=self.id,
            category=self.category,
            nis2=self.nis2,
            status=status_for(problems),
            severity=severity_for(problems),
            summary=summary,
            problems=problems,
            evidence=outcome.evidence,
        )

    def ended(self, status: Status, error: CheckError) -> CheckResult:
        """An `error` or `skipped` result, saying why in its summary and evidence."""
        key = "error" if status is Status.ERROR else "skipped"
        evidence: dict[str, Any] = {key: {"reason": error.reason, **error.details}}
        return CheckResult(
            check=self.id,
            category=self.category,
            nis2=self.nis2,
            status=status,
            severity=Severity.NONE,
            summary=error.message,
            evidence=evidence,
        )

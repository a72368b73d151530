"""Check results become stored rows, and findings open, stay open or resolve (docs/campaigns.md).

Rules, applied per (asset, check) when a result is written:
- problems of severity low, medium, high or critical open a finding for their code (or update the open
  one: severity, last seen, last result). Information-level problems (`caa.missing`, `tls.no_tls13`…)
  are advice: they stay visible in the check's history but open no finding and raise no alert;
- an open finding of that (asset, check) whose code is absent from a new `pass`, `info`, `warn`,
  `fail` or `skipped` result is resolved;
- an `error` result (the check could not decide) neither opens nor resolves anything.
A result older than a finding's last sighting (an old campaign resumed late) changes no finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.base import CheckResult, Severity, Status
from cyberreponse.models import CheckResultRecord, Finding

OPENING_SEVERITIES = frozenset({Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL})


@dataclass
class WriteCounts:
    results: int = 0
    opened: int = 0
    resolved: int = 0
    opened_ids: list[int] = field(default_factory=list)

    def add(self, other: WriteCounts) -> None:
        self.results += other.results
        self.opened += other.opened
        self.resolved += other.resolved
        self.opened_ids.extend(other.opened_ids)


def upsert_result(
    session: Session, campaign_id: int, asset_id: int, result: CheckResult, observed_at: datetime
) -> CheckResultRecord:
    """One row per (campaign, asset, check): writing the same result again updates it in place."""
    data = result.to_json()
    record = session.scalars(
        select(CheckResultRecord).where(
            CheckResultRecord.campaign_id == campaign_id,
            CheckResultRecord.asset_id == asset_id,
            CheckResultRecord.check_id == result.check,
        )
    ).first()
    if record is None:
        record = CheckResultRecord(campaign_id=campaign_id, asset_id=asset_id, check_id=result.check)
        session.add(record)
    record.category = data["category"]
    record.status = data["status"]
    record.severity = data["severity"]
    record.summary = result.summary.fr
    record.summary_en = result.summary.en
    record.problems = data["problems"]
    record.evidence = data["evidence"]
    record.observed_at = observed_at
    return record


def apply_result(
    session: Session,
    campaign_id: int,
    asset_id: int,
    record: CheckResultRecord,
    result: CheckResult,
    open_findings: Sequence[Finding],
) -> WriteCounts:
    """Open, update or resolve the findings of one (asset, check) after `result` (rules above)."""
    counts = WriteCounts()
    if result.status is Status.ERROR:
        return counts
    seen = record.observed_at
    current = {p.code: p for p in result.problems if p.severity in OPENING_SEVERITIES}
    by_code = {f.code: f for f in open_findings}
    for code, finding in by_code.items():
        if code not in current and finding.last_seen <= seen:
            finding.resolved_at = seen
            finding.last_result = record
            counts.resolved += 1
    for code, problem in current.items():
        existing = by_code.get(code)
        if existing is None:
            finding = Finding(
                asset_id=asset_id,
                check_id=result.check,
                code=code,
                severity=problem.severity.value,
                first_seen=seen,
                last_seen=seen,
                opened_in_campaign_id=campaign_id,
            )
            finding.last_result = record
            session.add(finding)
            counts.opened += 1
        elif existing.last_seen <= seen:
            existing.severity = problem.severity.value
            existing.last_seen = seen
            existing.last_result = record
    return counts


def record_asset_results(
    session: Session,
    campaign_id: int,
    asset_id: int,
    results: Iterable[CheckResult],
    observed_at: datetime,
) -> WriteCounts:
    """Store one asset's results and update its findings, in the caller's transaction."""
    results = list(results)
    checks = [r.check for r in results]
    open_by_check: dict[str, list[Finding]] = {}
    for finding in session.scalars(
        select(Finding).where(
            Finding.asset_id == asset_id, Finding.check_id.in_(checks), Finding.resolved_at.is_(None)
        )
    ):
        open_by_check.setdefault(finding.check_id, []).append(finding)
    counts = WriteCounts(results=len(results))
    for result in results:
        record = upsert_result(session, campaign_id, asset_id, result, observed_at)
        counts.add(
            apply_result(session, campaign_id, asset_id, record, result, open_by_check.get(result.check, []))
        )
    session.flush()
    return counts


def problem_details(finding: Finding) -> dict[str, Any]:
    """The details of the finding's problem in its last result ({} when unknown)."""
    if finding.last_result is None:
        return {}
    for problem in finding.last_result.problems:
        if problem.get("code") == finding.code:
            details: dict[str, Any] = problem.get("details") or {}
            return details
    return {}

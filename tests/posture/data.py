"""Posture test data: campaigns, stored check results and findings, written like the campaigns code
writes them (services/findings.record_asset_results), from real `checks` results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from checks.base import CheckResult, Problem, Severity, Status, Text, severity_for, status_for
from checks.registry import all_checks, problem_types
from cyberreponse.clock import now
from cyberreponse.models import Asset, Campaign
from cyberreponse.services.findings import record_asset_results

CHECKS = {check.id: check for check in all_checks()}


def campaign(session: Session, at: datetime | None = None) -> Campaign:
    moment = at or now()
    record = Campaign(
        kind="on_demand", requested_by="test", started_at=moment, finished_at=moment, status="done"
    )
    record.created_at = moment
    session.add(record)
    session.flush()
    return record


def result(
    check_id: str,
    *codes: str | tuple[str, str],
    evidence: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    status: str | None = None,
) -> CheckResult:
    """A result of `check_id` with these problem codes (a code, or (code, severity)); `status` forces
    error or skipped."""
    check = CHECKS[check_id]
    kinds = problem_types()
    problems = []
    for item in codes:
        code, severity = (item, None) if isinstance(item, str) else item
        kind = kinds[code]
        problems.append(
            Problem(code, Severity(severity) if severity else kind.severity, kind.title, details or {})
        )
    if status in ("error", "skipped"):
        return CheckResult(
            check.id,
            check.category,
            check.nis2,
            Status(status),
            Severity.NONE,
            Text("indéterminé", "undetermined"),
            (),
            {status: {"reason": "timeout"}},
        )
    summary = Text("; ".join(p.title.fr for p in problems) or check.pass_summary.fr, "summary")
    return CheckResult(
        check.id,
        check.category,
        check.nis2,
        status_for(problems),
        severity_for(problems),
        summary,
        tuple(problems),
        evidence or {},
    )


def scan(
    session: Session,
    asset: Asset,
    results: list[CheckResult],
    at: datetime | None = None,
    in_campaign: Campaign | None = None,
) -> Campaign:
    """Store `results` for `asset` in a campaign (a new one unless given) and update its findings."""
    moment = at or now()
    chosen = in_campaign or campaign(session, moment)
    record_asset_results(session, chosen.id, asset.id, results, moment)
    session.flush()
    return chosen

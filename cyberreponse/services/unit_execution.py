"""Run claimed units: scan their assets with the checks library and write what was found.

The same function serves the in-process executor and Celery workers. Scanning happens on an event loop
in a thread of its own (the checks runner's bounded concurrency, one resolver, connector and nmap
batcher for the whole batch); writing happens in the calling thread, one transaction per asset that
covers its units: results, findings, the units' state and the campaign's counts commit together or
not at all. A unit is written only while it is still claimed under the caller's token, so a runner
that lost its lease (another took the unit over) writes nothing, and a unit done is never redone.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from checks.base import Check, CheckResult
from checks.context import RunState, ScanOptions
from checks.registry import select_checks
from checks.runner import scan_target
from checks.targets import InvalidTarget, Target
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.logs import log_event
from cyberreponse.models import Asset, Campaign, CampaignUnit
from cyberreponse.services.campaigns import may_scan
from cyberreponse.services.findings import record_asset_results
from cyberreponse.services.scan_policy import scan_options, target_for

logger = logging.getLogger(__name__)


@dataclass
class AssetWork:
    campaign_id: int
    asset_id: int
    target: Target
    unit_ids: list[int]
    checks: tuple[Check, ...]


@dataclass
class ExecutionReport:
    units_done: int = 0
    units_skipped: int = 0
    units_lost: int = 0  # taken over by another runner before we could write them
    results: int = 0
    findings_opened: int = 0
    findings_resolved: int = 0
    opened_finding_ids: list[int] = field(default_factory=list)


def _finish_units(session: Session, unit_ids: Sequence[int], token: str, state: str, detail: str = "") -> int:
    """Move our units to a final state; the count tells whether they were still ours."""
    result = session.execute(
        update(CampaignUnit)
        .where(
            CampaignUnit.id.in_(list(unit_ids)),
            CampaignUnit.claimed_by == token,
            CampaignUnit.state == "running",
        )
        .values(state=state, finished_at=now(), detail=detail[:500])
    )
    return int(getattr(result, "rowcount", 0) or 0)


def plan_work(
    session: Session, settings: Settings, unit_ids: Sequence[int], token: str, report: ExecutionReport
) -> list[AssetWork]:
    """Group our running units by asset; skip (and count) those that may no longer be scanned."""
    units = session.scalars(
        select(CampaignUnit)
        .options(joinedload(CampaignUnit.asset).joinedload(Asset.organisation))
        .where(
            CampaignUnit.id.in_(list(unit_ids)),
            CampaignUnit.claimed_by == token,
            CampaignUnit.state == "running",
        )
        .order_by(CampaignUnit.asset_id, CampaignUnit.id)
    ).all()
    grouped: dict[tuple[int, int], list[CampaignUnit]] = {}
    for unit in units:
        grouped.setdefault((unit.campaign_id, unit.asset_id), []).append(unit)
    work = []
    for (campaign_id, asset_id), group in grouped.items():
        asset = group[0].asset
        reason = may_scan(settings, asset)
        target = None
        if reason is None:
            try:
                target = target_for(asset.kind, asset.value)
            except InvalidTarget:
                reason = "invalid asset value"
        ids = [u.id for u in group]
        if reason is not None or target is None:
            skipped = _finish_units(session, ids, token, "skipped", reason or "")
            _count(session, campaign_id, units_skipped=skipped)
            session.commit()
            report.units_skipped += skipped
            log_event(logger, "campaign.unit_skipped", asset=asset_id, reason=reason, units=skipped)
            continue
        checks = select_checks([u.family for u in group])
        work.append(AssetWork(campaign_id, asset_id, target, ids, checks))
    session.rollback()
    return work


def _count(session: Session, campaign_id: int, **increments: int) -> None:
    values = {name: getattr(Campaign, name) + amount for name, amount in increments.items() if amount}
    if values:
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


def write_asset(
    session: Session, work: AssetWork, token: str, results: Sequence[CheckResult], report: ExecutionReport
) -> None:
    """One transaction: the asset's results and findings, its units done, the campaign's counts."""
    try:
        if _finish_units(session, work.unit_ids, token, "done") != len(work.unit_ids):
            session.rollback()
            report.units_lost += len(work.unit_ids)
            log_event(logger, "campaign.unit_lost", logging.WARNING, asset=work.asset_id)
            return
        counts = record_asset_results(session, work.campaign_id, work.asset_id, results, now())
        _count(
            session,
            work.campaign_id,
            units_done=len(work.unit_ids),
            results_written=counts.results,
            findings_opened=counts.opened,
            findings_resolved=counts.resolved,
        )
        session.commit()
    except Exception:
        # The units stay claimed; once the lease runs out another runner (or a resume) redoes them.
        session.rollback()
        logger.exception("campaign.write_failed")
        return
    report.units_done += len(work.unit_ids)
    report.results += counts.results
    report.findings_opened += counts.opened
    report.findings_resolved += counts.resolved


# What the scanning thread hands the writing one: an asset's results, then None at the end.
ScanQueue = queue.Queue[tuple[AssetWork, tuple[CheckResult, ...]] | tuple[()] | None]


def _scan_in_thread(work: list[AssetWork], options: ScanOptions, out: ScanQueue) -> threading.Thread:
    async def scan_all() -> None:
        run = RunState(options)
        slots = asyncio.Semaphore(options.concurrency)

        async def one(item: AssetWork) -> None:
            async with slots:
                scanned = await scan_target(run, item.target, item.checks)
            out.put((item, scanned.results))

        try:
            await asyncio.gather(*(one(item) for item in work))
        finally:
            await run.close()

    def main() -> None:
        try:
            asyncio.run(scan_all())
        except Exception:
            logger.exception("campaign.scan_failed")
        finally:
            out.put(None)  # the end, also after a crash

    thread = threading.Thread(target=main, name="campaign-scan", daemon=True)
    thread.start()
    return thread


def execute_units(
    database: Database,
    settings: Settings,
    unit_ids: Sequence[int],
    token: str,
    *,
    on_written: Callable[[int], None] | None = None,
) -> ExecutionReport:
    """Scan and write the units claimed under `token`; safe to call again for the same units.

    While the scan goes on, the claim is renewed every third of the lease, so that a long batch is not
    taken for abandoned; a runner that dies stops renewing, and its units are free once the lease ends.
    """
    report = ExecutionReport()
    renew_every = settings.get_int("jobs.unit_lease_seconds") / 3
    with database.session_scope() as session:
        work = plan_work(session, settings, unit_ids, token, report)
        if not work:
            return report
        results: ScanQueue = queue.Queue()
        thread = _scan_in_thread(work, scan_options(settings), results)
        renewed = time.monotonic()
        while True:
            try:
                item = results.get(timeout=renew_every)
            except queue.Empty:
                item = ()
            if time.monotonic() - renewed >= renew_every:
                renew_claim(session, token)
                renewed = time.monotonic()
            if item is None:
                break
            if item:
                asset_work, asset_results = item
                write_asset(session, asset_work, token, asset_results, report)
                if on_written is not None:
                    on_written(len(asset_work.unit_ids))
        thread.join()
    return report


def renew_claim(session: Session, token: str) -> None:
    session.execute(
        update(CampaignUnit)
        .where(CampaignUnit.claimed_by == token, CampaignUnit.state == "running")
        .values(claimed_at=now())
    )
    session.commit()

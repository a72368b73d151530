"""Run checks over many targets: bounded concurrency, a hard timeout per check, and no target can stop
the run (a check that cannot decide returns `error`; a bug in one check is an `error` too, logged)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from checks.base import Check, CheckResult, NotApplicable, Status, Text, Undecided
from checks.connector import AddressNotAllowed, ConnectionFailed
from checks.context import CheckContext, RunState, ScanOptions
from checks.resolver import DnsView, LookupFailed
from checks.targets import Target

log = logging.getLogger("checks.runner")


@dataclass(frozen=True)
class TargetReport:
    target: Target
    results: tuple[CheckResult, ...]

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target.value, "results": [r.to_json() for r in self.results]}


async def iter_scan(
    targets: Iterable[Target], checks: Sequence[Check], options: ScanOptions
) -> AsyncIterator[tuple[int, TargetReport]]:
    """(input position, report) for each target, as each finishes; at most `concurrency` at once."""
    run = RunState(options)
    numbered = enumerate(targets)
    pending: set[asyncio.Task[tuple[int, TargetReport]]] = set()

    def start_next() -> None:
        for index, target in numbered:
            pending.add(asyncio.ensure_future(_numbered(index, scan_target(run, target, checks))))
            return

    try:
        for _ in range(options.concurrency):
            start_next()
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                pending.discard(task)
                start_next()
                yield task.result()
    finally:
        for task in pending:
            task.cancel()
        await run.close()


async def _numbered(index: int, work: Any) -> tuple[int, TargetReport]:
    return index, await work


async def scan(
    targets: Sequence[Target],
    checks: Sequence[Check],
    options: ScanOptions,
    on_report: Callable[[TargetReport], None] | None = None,
) -> list[TargetReport]:
    """Every target's report, in input order; `on_report` hears of each as it finishes (progress bars)."""
    reports: list[TargetReport | None] = [None] * len(targets)
    async for index, report in iter_scan(targets, checks, options):
        reports[index] = report
        if on_report is not None:
            on_report(report)
    return [r for r in reports if r is not None]


def run_scan(
    targets: Sequence[Target],
    checks: Sequence[Check],
    options: ScanOptions,
    on_report: Callable[[TargetReport], None] | None = None,
) -> list[TargetReport]:
    """The synchronous entry point (CLI, jobs): one event loop for the whole run."""
    return asyncio.run(scan(targets, checks, options, on_report))


async def scan_target(run: RunState, target: Target, checks: Sequence[Check]) -> TargetReport:
    context = CheckContext(run, DnsView(run.resolver))
    try:
        results = await asyncio.gather(*(run_check(check, context, target) for check in checks))
    finally:
        context.dns.close()
    return TargetReport(target, tuple(results))


async def run_check(check: Check, context: CheckContext, target: Target) -> CheckResult:
    if target.kind not in check.target_kinds:
        return check.ended(
            Status.SKIPPED,
            NotApplicable(
                "not_applicable",
                Text(
                    f"Ce contrôle ne s'applique pas à {_KIND_FR[target.kind]}.",
                    f"This check does not apply to {_KIND_EN[target.kind]}.",
                ),
            ),
        )
    options = context.options
    timeout = options.exposure_timeout if check.long_running else options.check_timeout
    try:
        async with asyncio.timeout(timeout):
            outcome = await check.run(context, target)
        return check.result(outcome)
    except TimeoutError:
        return check.ended(
            Status.ERROR,
            Undecided(
                "timeout",
                Text(
                    f"Vérification impossible : pas de réponse en {timeout:g} s.",
                    f"Could not decide: no answer within {timeout:g} s.",
                ),
                {"timeout_seconds": timeout},
            ),
        )
    except Undecided as error:
        return check.ended(Status.ERROR, error)
    except NotApplicable as error:
        return check.ended(Status.SKIPPED, error)
    except LookupFailed as error:
        return check.ended(Status.ERROR, dns_undecided(error))
    except ConnectionFailed as error:
        return check.ended(
            Status.ERROR,
            Undecided(
                "connection",
                Text(
                    f"Vérification impossible : connexion à {error.address}:{error.port} "
                    f"en échec ({error.reason}).",
                    f"Could not decide: connection to {error.address}:{error.port} failed ({error.reason}).",
                ),
                {"address": error.address, "port": error.port, "connection_error": error.reason},
            ),
        )
    except AddressNotAllowed as error:
        if error.excluded:
            return check.ended(Status.SKIPPED, excluded_address(error.address))
        return check.ended(Status.SKIPPED, private_address(error.address))
    except Exception as error:
        log.exception("check_crashed check=%s target=%s", check.id, target.value)
        return check.ended(
            Status.ERROR,
            Undecided(
                "internal",
                Text(
                    "Vérification impossible : erreur interne du contrôle (consignée dans le journal).",
                    "Could not decide: internal error in the check (logged).",
                ),
                {"exception": type(error).__name__},
            ),
        )


def dns_undecided(error: LookupFailed) -> Undecided:
    return Undecided(
        "dns",
        Text(
            f"Vérification impossible : la requête DNS {error.rdtype} pour {error.name} "
            f"a échoué ({error.reason}).",
            f"Could not decide: the DNS query {error.rdtype} for {error.name} failed ({error.reason}).",
        ),
        {"name": error.name, "type": error.rdtype, "dns_error": error.reason},
    )


def private_address(address: str) -> NotApplicable:
    return NotApplicable(
        "private_address",
        Text(
            f"Non analysé : {address} n'est pas une adresse publique.",
            f"Not scanned: {address} is not a public address.",
        ),
        {"address": address},
    )


def excluded_address(address: str) -> NotApplicable:
    return NotApplicable(
        "excluded_address",
        Text(
            f"Non analysé : {address} figure dans la liste d'exclusion.",
            f"Not scanned: {address} is on the exclusion list.",
        ),
        {"address": address},
    )


_KIND_FR = {"domain": "un nom de domaine", "ip": "une adresse IP", "network": "un réseau"}
_KIND_EN = {"domain": "a domain name", "ip": "an IP address", "network": "a network"}

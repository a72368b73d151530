"""`cyberreponse scan TARGET...`: run the posture checks from the command line.

Standalone on purpose: no database, no secrets, no configuration file; only the checks library. Exit
status 0 when the scans ran, whatever they found; 2 for usage or configuration errors.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from checks import policy
from checks.base import Status

if TYPE_CHECKING:
    from checks.base import Check
    from checks.context import ScanOptions
    from checks.runner import TargetReport
    from checks.targets import Target

_DS_LINE = re.compile(r"^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?DS\s+(.+)$", re.IGNORECASE)
_STATUS_FR = {
    Status.PASS: "OK",
    Status.INFO: "info",
    Status.WARN: "attention",
    Status.FAIL: "ÉCHEC",
    Status.ERROR: "erreur",
    Status.SKIPPED: "sans objet",
}
_SEVERITY_FR = {
    "none": "",
    "info": "info",
    "low": "faible",
    "medium": "moyenne",
    "high": "élevée",
    "critical": "critique",
}


class ConfigurationError(click.ClickException):
    exit_code = 2


def register(cli: click.Group) -> None:
    @cli.command(name="scan")
    @click.argument("targets", nargs=-1)
    @click.option(
        "--targets-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="File of targets, one per line (# starts a comment).",
    )
    @click.option(
        "--checks",
        "selection",
        metavar="LIST",
        help="Categories or check ids, comma-separated: mail,dns,tls,web,exposure.",
    )
    @click.option(
        "--nameserver",
        "nameservers",
        multiple=True,
        metavar="HOST[:PORT]",
        help="Resolver to use (repeatable).",
    )
    @click.option(
        "--ca-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Extra trusted CA certificates (PEM).",
    )
    @click.option(
        "--trust-anchor",
        "trust_anchor_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Extra DNSSEC trust anchors: DS records, one per line (zone. IN DS ...).",
    )
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=policy.CHECK_TIMEOUT,
        show_default=True,
        help="Hard limit per check and target, in seconds.",
    )
    @click.option(
        "--concurrency",
        type=click.IntRange(1, 1000),
        default=policy.DEFAULT_CONCURRENCY,
        show_default=True,
        help="Targets scanned at once.",
    )
    @click.option(
        "--format", "output", type=click.Choice(["table", "json"]), default="table", show_default=True
    )
    @click.option(
        "--allow-private-addresses",
        is_flag=True,
        help="Also contact non-public addresses (internal networks, tests).",
    )
    def scan_command(
        targets: tuple[str, ...],
        targets_file: Path | None,
        selection: str | None,
        nameservers: tuple[str, ...],
        ca_file: Path | None,
        trust_anchor_file: Path | None,
        timeout: float,
        concurrency: int,
        output: str,
        allow_private_addresses: bool,
    ) -> None:
        """Check the security posture of domains, hosts and IP addresses."""
        # Imported here: the other commands need not load the scanner (dnspython, cryptography, nmap).
        from checks.context import ScanOptions
        from checks.ports.nmap_scan import MISSING_MESSAGE_EN, NmapNotFound, find_nmap
        from checks.registry import select_checks
        from checks.resolver import parse_nameserver

        parsed = _targets(targets, targets_file)
        try:
            checks = select_checks(selection.split(",") if selection else None)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--checks") from error
        try:
            options = ScanOptions(
                nameservers=tuple(parse_nameserver(n) for n in nameservers),
                check_timeout=timeout,
                exposure_timeout=max(timeout, policy.EXPOSURE_TIMEOUT),
                concurrency=concurrency,
                ca_file=ca_file,
                trust_anchors={**policy.ROOT_TRUST_ANCHORS, **_trust_anchors(trust_anchor_file)},
                allow_private_addresses=allow_private_addresses,
            )
        except ValueError as error:
            raise click.UsageError(str(error)) from error
        if any(c.long_running for c in checks):
            try:
                find_nmap(options.nmap.program)
            except NmapNotFound as error:
                raise ConfigurationError(
                    f"{MISSING_MESSAGE_EN} Or leave the exposure checks out: --checks mail,dns,tls,web."
                ) from error
        reports = _run(parsed, checks, options, show_progress=output == "table")
        if output == "json":
            document = {"targets": [r.to_json() for r in reports]}
            click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            click.echo(render_table(reports))


def _targets(arguments: Sequence[str], targets_file: Path | None) -> list[Target]:
    from checks.targets import InvalidTarget, parse_target

    raw = list(arguments)
    if targets_file is not None:
        for line in targets_file.read_text("utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                raw.append(line)
    if not raw:
        raise click.UsageError("give at least one TARGET or a --targets-file")
    parsed, invalid = [], []
    for value in raw:
        try:
            parsed.append(parse_target(value))
        except InvalidTarget as error:
            invalid.append(f"{value!r} ({error.reason})")
    if invalid:
        raise click.BadParameter("not a domain, IP address or small network: " + "; ".join(invalid[:5]))
    return list(dict.fromkeys(parsed))


def _trust_anchors(path: Path | None) -> dict[str, tuple[str, ...]]:
    if path is None:
        return {}
    anchors: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        line = line.split(";", 1)[0].strip()
        if not line:
            continue
        match = _DS_LINE.match(line)
        if match is None:
            raise click.BadParameter(
                f"line {number}: expected 'zone. IN DS <key tag> <algorithm> <type> <digest>'"
            )
        anchors.setdefault(match.group(1), []).append(match.group(2))
    return {zone: tuple(records) for zone, records in anchors.items()}


def _run(
    targets: list[Target], checks: Sequence[Check], options: ScanOptions, *, show_progress: bool
) -> list[TargetReport]:
    from checks.runner import run_scan

    if not show_progress:
        return run_scan(targets, checks, options)
    with click.progressbar(length=len(targets), label="Analyse", file=sys.stderr) as bar:
        return run_scan(targets, checks, options, on_report=lambda _report: bar.update(1))


def render_table(reports: Sequence[TargetReport]) -> str:
    """One block per target, one line per check: status, severity, check, French summary."""
    lines = []
    counts: Counter[Status] = Counter()
    for report in reports:
        lines.append(report.target.display)
        for result in report.results:
            counts[result.status] += 1
            lines.append(
                f"  {_STATUS_FR[result.status]:<11}{_SEVERITY_FR[result.severity.value]:<10}"
                f"{result.check:<18}{result.summary.fr}"
            )
        lines.append("")
    total = sum(counts.values())
    tally = ", ".join(f"{counts[s]} {_STATUS_FR[s]}" for s in Status if counts[s])
    lines.append(f"{len(reports)} cible(s), {total} contrôle(s) : {tally}.")
    return "\n".join(lines)

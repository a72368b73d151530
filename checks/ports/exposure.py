"""`exposure.ports`: risky services reachable on the target's addresses, found by nmap.

A domain's addresses come from our resolver; declared IPs and small networks are scanned as given. One
problem per catalogue code (exposure.rdp, exposure.database...), listing every open port behind it.
"""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path
from typing import Any

from checks.base import Category, Check, Outcome, Problem, Text, Undecided
from checks.context import CheckContext
from checks.ports.catalogue import Catalogue, load_catalogue
from checks.ports.nmap_scan import (
    MISSING_MESSAGE_EN,
    MISSING_MESSAGE_FR,
    HostScan,
    NmapBatcher,
    NmapFailed,
    NmapNotFound,
)
from checks.probing import no_address, plan_addresses, unresolved_undecided
from checks.runner import private_address
from checks.targets import Target, TargetKind


def evaluate_exposure(catalogue: Catalogue, scans: list[HostScan]) -> list[Problem]:
    """One problem per catalogue code, listing each open port behind it (pure)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for scan in scans:
        for port in scan.open_ports:
            service = catalogue.by_port.get((port.protocol, port.port))
            if service is not None:
                found.setdefault(service.code, []).append(
                    {
                        "address": scan.address,
                        "port": port.port,
                        "protocol": port.protocol,
                        "service": port.service,
                    }
                )
    by_code = {s.code: s for s in catalogue.services}
    return [by_code[code].problem_type.at(services=services) for code, services in found.items()]


async def _addresses(context: CheckContext, target: Target) -> list[str]:
    if target.kind is TargetKind.DOMAIN:
        plan = await plan_addresses(context, [target.value])
        if plan.unresolved and not plan.endpoints:
            raise unresolved_undecided(plan)
        if not plan.endpoints:
            raise no_address(target.value, plan)
        return [address for _host, address in plan.endpoints]
    if target.kind is TargetKind.IP:
        addresses = [target.value]
    else:
        network = ipaddress.ip_network(target.value)
        hosts = list(network.hosts()) or [network.network_address]
        addresses = [str(a) for a in hosts]
    allowed = [a for a in addresses if context.connector.is_allowed(a)]
    if not allowed:
        raise private_address(addresses[0])
    return allowed


def _batcher(context: CheckContext, catalogue: Catalogue) -> NmapBatcher:
    options = context.options
    return context.run.service(
        "nmap",
        lambda: NmapBatcher(options.nmap, catalogue, options.exposure_timeout, context.connector.limiter),
    )


def make_check(catalogue: Catalogue) -> Check:
    async def run(context: CheckContext, target: Target) -> Outcome:
        addresses = await _addresses(context, target)
        try:
            batcher = _batcher(context, catalogue)
            scans = list(await asyncio.gather(*(batcher.scan(a) for a in addresses)))
        except NmapNotFound as error:
            raise Undecided(
                "nmap_missing", Text(MISSING_MESSAGE_FR, MISSING_MESSAGE_EN), {"program": error.program}
            ) from error
        except NmapFailed as error:
            raise Undecided(
                "nmap_failed",
                Text("Vérification impossible : nmap a échoué.", "Could not decide: nmap failed."),
                {"detail": str(error)},
            ) from error
        evidence = {
            "hosts": {
                s.address: [f"{p.protocol}/{p.port}" for p in s.open_ports] for s in scans if s.scanned
            },
            "not_scanned": [s.address for s in scans if not s.scanned],
            "ports_checked": [
                str(p) for s in catalogue.services for p in s.ports if p.protocol == "tcp" or batcher.udp
            ],
        }
        problems = evaluate_exposure(catalogue, scans)
        if not problems and evidence["not_scanned"]:
            raise Undecided(
                "nmap_host_timeout",
                Text(
                    "Vérification impossible : nmap n'a pas pu terminer l'analyse de "
                    + ", ".join(evidence["not_scanned"])
                    + ".",
                    "Could not decide: nmap could not finish scanning "
                    + ", ".join(evidence["not_scanned"])
                    + ".",
                ),
                {"not_scanned": evidence["not_scanned"]},
            )
        return Outcome(problems, evidence)

    return Check(
        id="exposure.ports",
        category=Category.EXPOSURE,
        nis2=("e", "i"),
        title=Text("Services exposés sur Internet", "Services exposed to the Internet"),
        pass_summary=Text(
            "Aucun service à risque joignable depuis Internet.",
            "No risky service reachable from the Internet.",
        ),
        problem_types=tuple(s.problem_type for s in catalogue.services),
        target_kinds=frozenset({TargetKind.DOMAIN, TargetKind.IP, TargetKind.NETWORK}),
        run=run,
        long_running=True,
    )


def default_check(path: Path | None = None) -> Check:
    return make_check(load_catalogue(path))

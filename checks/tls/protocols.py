"""`tls.protocols`: which TLS versions each address of the name accepts on port 443.

One handshake per version, each offering only that version. SSL 3.0 cannot be offered by this machine's
OpenSSL (it is compiled out): the evidence says it was not tested rather than pretending it was refused.
"""

from __future__ import annotations

import asyncio
import ssl
from functools import partial
from typing import Any

from checks import policy
from checks.base import Category, Check, NotApplicable, Outcome, Problem, ProblemType, Severity, Text
from checks.connector import ConnectionFailed, close_quietly
from checks.context import CheckContext
from checks.probing import Tally, no_address, plan_addresses, probe_all, unresolved_undecided
from checks.targets import Target, TargetKind

VERSIONS = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")

LEGACY_PROTOCOL = ProblemType(
    "tls.legacy_protocol",
    Severity.MEDIUM,
    Text(
        "Protocoles obsolètes acceptés (SSL 3, TLS 1.0 ou 1.1)",
        "Legacy protocols accepted (SSL 3, TLS 1.0/1.1)",
    ),
    "Le serveur accepte encore SSL 3.0, TLS 1.0 ou TLS 1.1, abandonnés (RFC 8996) pour leurs faiblesses "
    "connues. Ne garder que TLS 1.2 et TLS 1.3 (guide TLS de l'ANSSI).",
)
NO_TLS13 = ProblemType(
    "tls.no_tls13",
    Severity.INFO,
    Text("TLS 1.3 non proposé", "TLS 1.3 not offered"),
    "Le serveur ne propose pas TLS 1.3, plus sûr et plus rapide : à activer lors d'une prochaine "
    "mise à jour.",
)
PROBLEMS = (LEGACY_PROTOCOL, NO_TLS13)


def evaluate_protocols(address: str, accepted: dict[str, bool]) -> list[Problem]:
    problems = []
    legacy = [v for v in policy.LEGACY_PROTOCOLS if accepted.get(v)]
    if legacy:
        problems.append(LEGACY_PROTOCOL.at(address=address, protocols=legacy))
    if not accepted.get("TLSv1.3"):
        problems.append(NO_TLS13.at(address=address))
    return problems


async def _accepts(context: CheckContext, name: str, address: str, version: str) -> bool:
    try:
        _reader, writer, _info = await context.connector.open_tls(
            address, context.options.ports.https, name, verify=False, version=version
        )
    except ConnectionFailed as error:
        if error.reason == "tls_handshake":
            return False
        raise
    await close_quietly(writer)
    return True


async def _probe(context: CheckContext, name: str, host: str, address: str) -> dict[str, bool]:
    outcomes = await asyncio.gather(
        *(_accepts(context, name, address, v) for v in VERSIONS), return_exceptions=True
    )
    accepted: dict[str, bool] = {}
    for version, outcome in zip(VERSIONS, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            raise outcome  # refused, timeout, unreachable: the tally files it
        accepted[version] = outcome
    if not any(accepted.values()):
        raise ConnectionFailed(
            address, context.options.ports.https, "tls_handshake", "no TLS version accepted"
        )
    return accepted


async def run(context: CheckContext, target: Target) -> Outcome:
    name = target.value
    plan = await plan_addresses(context, [name])
    if not plan.endpoints:
        raise unresolved_undecided(plan) if plan.unresolved else no_address(name, plan)
    tally = Tally.for_plan(plan)
    servers: list[dict[str, Any]] = []
    for _host, address, accepted in await probe_all(plan.endpoints, partial(_probe, context, name), tally):
        tally.problems.extend(evaluate_protocols(address, accepted))
        servers.append({"address": address, "accepted": accepted})
    evidence = {
        "port": context.options.ports.https,
        "servers": servers,
        "not_tested": [] if ssl.HAS_SSLv3 else ["SSLv3"],
    }
    absent = NotApplicable(
        "no_https_service",
        Text(
            f"Non applicable : {name} n'accepte pas de connexion HTTPS.",
            f"Not applicable: {name} accepts no HTTPS connection.",
        ),
    )
    return tally.conclude(evidence, absent)


CHECK = Check(
    id="tls.protocols",
    category=Category.TLS,
    nis2=("h",),
    title=Text("Versions de TLS acceptées", "Accepted TLS versions"),
    pass_summary=Text("Seuls TLS 1.2 et TLS 1.3 sont acceptés.", "Only TLS 1.2 and TLS 1.3 are accepted."),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

"""`web.https`: is the site served over HTTPS, does http:// lead there, and does it ask for HSTS?"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from checks import policy
from checks.base import Category, Check, NotApplicable, Outcome, Problem, ProblemType, Severity, Text
from checks.connector import ConnectionFailed
from checks.context import CheckContext
from checks.http_client import HttpResponse, http_get
from checks.probing import Tally, no_address, plan_addresses, probe_all, unresolved_undecided
from checks.targets import Target, TargetKind

NO_HTTPS = ProblemType(
    "web.no_https",
    Severity.HIGH,
    Text("Site sans HTTPS", "Website without HTTPS"),
    "Le site répond en HTTP mais pas en HTTPS : les échanges (formulaires, identifiants) circulent en clair "
    "et peuvent être lus ou modifiés. Installer un certificat (gratuit avec Let's Encrypt).",
)
NO_REDIRECT = ProblemType(
    "web.no_redirect",
    Severity.MEDIUM,
    Text("http:// ne redirige pas vers https://", "http:// is not redirected to https://"),
    "La version http:// du site ne renvoie pas vers https:// : les visiteurs qui tapent l'adresse sans "
    "« https » restent sur une connexion non chiffrée.",
)
NO_HSTS = ProblemType(
    "web.no_hsts",
    Severity.MEDIUM,
    Text("En-tête HSTS absent", "No HSTS header"),
    "Le site n'envoie pas d'en-tête Strict-Transport-Security : un attaquant sur le réseau peut ramener "
    "un visiteur vers http://. Ajouter « Strict-Transport-Security: max-age=31536000 ».",
)
HSTS_SHORT = ProblemType(
    "web.hsts_short",
    Severity.LOW,
    Text("Durée HSTS inférieure à un an", "HSTS max-age under one year"),
    "L'en-tête HSTS demande moins d'un an (max-age < 31536000) : la protection s'éteint trop vite "
    "entre deux visites.",
)
PROBLEMS = (NO_HTTPS, NO_REDIRECT, NO_HSTS, HSTS_SHORT)
_REDIRECTS = {301, 302, 303, 307, 308}
_MAX_AGE = re.compile(r'^\s*max-age\s*=\s*"?([0-9]+)"?\s*$', re.IGNORECASE)


def hsts_max_age(header: str | None) -> int | None:
    """RFC 6797 §6.1: the max-age directive, or None when absent or malformed (then ignored by browsers)."""
    if header is None:
        return None
    ages = [m.group(1) for m in (_MAX_AGE.match(d) for d in header.split(";")) if m]
    return int(ages[0]) if len(ages) == 1 else None


def redirects_to_https(response: HttpResponse) -> bool:
    location = (response.header("location") or "").strip().lower()
    return response.status in _REDIRECTS and location.startswith("https://")


@dataclass(frozen=True)
class WebProbe:
    http: HttpResponse | str  # the response, or why there was none ("refused", "timeout"...)
    https: HttpResponse | str


def evaluate_web(address: str, probe: WebProbe) -> tuple[list[Problem], str]:
    """Problems and the state of this address: "decided", "undecided" or "absent" (no web server)."""
    http, https = probe.http, probe.https
    if isinstance(https, HttpResponse):
        problems = []
        max_age = hsts_max_age(https.header("strict-transport-security"))
        if not max_age:
            problems.append(NO_HSTS.at(address=address))
        elif max_age < policy.HSTS_MIN_MAX_AGE:
            problems.append(HSTS_SHORT.at(address=address, max_age=max_age, minimum=policy.HSTS_MIN_MAX_AGE))
        if isinstance(http, HttpResponse) and not redirects_to_https(http):
            problems.append(
                NO_REDIRECT.at(address=address, status=http.status, location=http.header("location"))
            )
        return problems, "decided"
    if https == "refused" and isinstance(http, HttpResponse):
        return [NO_HTTPS.at(address=address)], "decided"
    if https == "refused" and http == "refused":
        return [], "absent"
    return [], "undecided"


async def _get(context: CheckContext, name: str, address: str, *, tls: bool) -> HttpResponse | str:
    ports = context.options.ports
    try:
        return await http_get(
            context.connector,
            address,
            ports.https if tls else ports.http,
            name,
            "/",
            tls=tls,
            user_agent=context.options.user_agent,
        )
    except ConnectionFailed as error:
        return error.reason


async def _probe(context: CheckContext, name: str, host: str, address: str) -> WebProbe:
    http, https = await asyncio.gather(
        _get(context, name, address, tls=False), _get(context, name, address, tls=True)
    )
    return WebProbe(http, https)


def _describe(response: HttpResponse | str) -> dict[str, Any] | str:
    if isinstance(response, str):
        return response
    return {
        "status": response.status,
        "location": response.header("location"),
        "strict_transport_security": response.header("strict-transport-security"),
    }


async def run(context: CheckContext, target: Target) -> Outcome:
    name = target.value
    plan = await plan_addresses(context, [name])
    if not plan.endpoints:
        raise unresolved_undecided(plan) if plan.unresolved else no_address(name, plan)
    tally = Tally.for_plan(plan)
    servers = []
    for _host, address, probe in await probe_all(plan.endpoints, partial(_probe, context, name), tally):
        problems, state = evaluate_web(address, probe)
        tally.problems.extend(problems)
        if state == "undecided":
            failed = f"https {probe.https}" if probe.https != "refused" else f"http {probe.http}"
            tally.undecided.append({"address": address, "reason": failed})
        elif state == "absent":
            tally.decided -= 1
            tally.absent.append(address)
        servers.append({"address": address, "http": _describe(probe.http), "https": _describe(probe.https)})
    absent = NotApplicable(
        "no_web_service",
        Text(
            f"Non applicable : {name} ne répond ni en HTTP ni en HTTPS.",
            f"Not applicable: no web server on {name}.",
        ),
    )
    return tally.conclude({"servers": servers}, absent)


CHECK = Check(
    id="web.https",
    category=Category.WEB,
    nis2=("h",),
    title=Text("HTTPS, redirection et HSTS", "HTTPS, redirect and HSTS"),
    pass_summary=Text(
        "Site en HTTPS, http:// redirigé, HSTS d'au moins un an.",
        "HTTPS site, http:// redirected, HSTS of a year or more.",
    ),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

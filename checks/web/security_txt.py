"""`web.security_txt`: does the site say how to report a vulnerability (RFC 9116)?"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from checks import policy
from checks.base import Category, Check, NotApplicable, Outcome, Problem, ProblemType, Severity, Text
from checks.context import CheckContext
from checks.http_client import HttpResponse, http_get
from checks.probing import Tally, no_address, plan_addresses, probe_all, unresolved_undecided
from checks.targets import Target, TargetKind

MISSING = ProblemType(
    "securitytxt.missing",
    Severity.INFO,
    Text("Pas de fichier security.txt", "No security.txt file"),
    "Le site ne publie pas /.well-known/security.txt (RFC 9116) : qui découvre une faille ne sait pas à qui "
    "la signaler. Y indiquer au moins un contact (Contact:) et une date d'expiration (Expires:).",
)
EXPIRED = ProblemType(
    "securitytxt.expired",
    Severity.LOW,
    Text("Fichier security.txt expiré", "Expired security.txt"),
    "La date « Expires » du fichier security.txt est dépassée : ses informations ne sont plus réputées à "
    "jour. Le relire et repousser la date (moins d'un an conseillé).",
)
INVALID = ProblemType(
    "securitytxt.invalid",
    Severity.LOW,
    Text("Fichier security.txt incomplet", "Incomplete security.txt"),
    "Le fichier security.txt n'a pas de champ « Contact » ou pas de champ « Expires » valide, tous deux "
    "obligatoires (RFC 9116 §2.5.3 et §2.5.5).",
)
PROBLEMS = (MISSING, EXPIRED, INVALID)
_FIELD = re.compile(r"^(?:- )?([A-Za-z][A-Za-z0-9-]*):\s*(.*?)\s*$")


@dataclass(frozen=True)
class SecurityTxt:
    fields: dict[str, list[str]] = field(default_factory=dict)  # lower-case name → values

    @property
    def contacts(self) -> list[str]:
        return self.fields.get("contact", [])


def parse_security_txt(text: str) -> SecurityTxt:
    """Field lines of the file (a PGP-signed file's dash-escaped lines included); comments ignored."""
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _FIELD.match(line)
        if match and not line.startswith("#"):
            fields.setdefault(match.group(1).lower(), []).append(match.group(2))
    return SecurityTxt(fields)


def parse_expires(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def evaluate_security_txt(found: SecurityTxt | None, now: datetime, url: str | None = None) -> list[Problem]:
    if found is None:
        return [MISSING.at(paths=list(policy.SECURITY_TXT_PATHS))]
    expires_values = found.fields.get("expires", [])
    expires = parse_expires(expires_values[0]) if len(expires_values) == 1 else None
    missing = [
        name for name, ok in (("Contact", bool(found.contacts)), ("Expires", expires is not None)) if not ok
    ]
    problems = []
    if missing:
        problems.append(INVALID.at(url=url, missing_or_invalid=missing))
    if expires is not None and expires < now:
        problems.append(EXPIRED.at(url=url, expires=expires.isoformat()))
    return problems


def _is_text(response: HttpResponse) -> bool:
    return (response.header("content-type") or "").lower().startswith("text/plain")


async def _fetch(context: CheckContext, name: str, host: str, address: str) -> tuple[str, SecurityTxt] | None:
    """The first security.txt found at the paths of RFC 9116, following a redirect on the same name."""
    for path in policy.SECURITY_TXT_PATHS:
        for _hop in range(2):
            response = await http_get(
                context.connector,
                address,
                context.options.ports.https,
                name,
                path,
                tls=True,
                user_agent=context.options.user_agent,
                max_body=policy.SECURITY_TXT_MAX_BYTES,
            )
            location = response.header("location") or ""
            same_site = f"https://{name}/"
            if response.status in (301, 302, 307, 308) and location.lower().startswith(same_site):
                path = "/" + location[len(same_site) :]
                continue
            if response.status == 200 and _is_text(response):
                return f"https://{name}{path}", parse_security_txt(response.body.decode("utf-8", "replace"))
            break
    return None


async def run(context: CheckContext, target: Target) -> Outcome:
    name = target.value
    plan = await plan_addresses(context, [name])
    if not plan.endpoints:
        raise unresolved_undecided(plan) if plan.unresolved else no_address(name, plan)
    tally = Tally.for_plan(plan)
    fetched: list[tuple[str, str, tuple[str, SecurityTxt] | None]] = []
    # One address answering is enough: the file is the same site-wide.
    for endpoint in plan.endpoints:
        attempt = Tally()
        fetched = await probe_all([endpoint], partial(_fetch, context, name), attempt)
        if fetched:
            tally = attempt
            break
        tally.absent += attempt.absent
        tally.undecided += attempt.undecided
        tally.no_route += attempt.no_route
    evidence: dict[str, Any] = {}
    if fetched:
        found = fetched[0][2]
        url, parsed = found if found is not None else (None, None)
        evidence = {"url": url, "fields": parsed.fields if parsed else None}
        tally.problems.extend(evaluate_security_txt(parsed, context.now(), url))
    absent = NotApplicable(
        "no_https_service",
        Text(
            f"Non applicable : {name} n'accepte pas de connexion HTTPS.",
            f"Not applicable: {name} accepts no HTTPS.",
        ),
    )
    return tally.conclude(evidence, absent)


CHECK = Check(
    id="web.security_txt",
    category=Category.WEB,
    nis2=("b", "e"),
    title=Text("security.txt : contact pour signaler une faille", "security.txt: vulnerability contact"),
    pass_summary=Text("security.txt publié et à jour.", "security.txt published and current."),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

"""`mail.mx`: where the domain receives mail; null MX (RFC 7505) recognised."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from checks import policy
from checks.base import Category, Check, Outcome, Problem, ProblemType, Severity, Text, Undecided
from checks.context import CheckContext
from checks.resolver import Addresses, DnsView, LookupFailed, name_text
from checks.targets import Target, TargetKind

MISSING = ProblemType(
    "mx.missing",
    Severity.INFO,
    Text("Aucun enregistrement MX", "No MX record"),
    "Le domaine ne déclare pas de serveur de messagerie. S'il ne reçoit pas de courrier, publier un "
    "« MX nul » (RFC 7505 : « 0 . ») le dit explicitement et évite des tentatives de livraison.",
)
UNRESOLVABLE = ProblemType(
    "mx.unresolvable",
    Severity.HIGH,
    Text("Serveur MX sans adresse", "MX host without an address"),
    "Un serveur de messagerie déclaré en MX n'a pas d'adresse (ni A ni AAAA) : le courrier qui lui est "
    "destiné ne peut pas être livré.",
)
NULL_MIXED = ProblemType(
    "mx.null_mixed",
    Severity.MEDIUM,
    Text("MX nul mélangé à d'autres MX", "Null MX mixed with other MX records"),
    "Un domaine qui publie un MX nul ne doit publier aucun autre MX (RFC 7505 §3) : la configuration est "
    "contradictoire.",
)
PROBLEMS = (MISSING, UNRESOLVABLE, NULL_MIXED)


@dataclass(frozen=True)
class MxFacts:
    domain: str
    hosts: tuple[tuple[int, str], ...]  # (preference, host), sorted
    null_mx: bool

    @property
    def is_null_only(self) -> bool:
        return self.null_mx and len(self.hosts) == 1


async def collect_mx(dns: DnsView, domain: str) -> MxFacts:
    answer = await dns.query(domain, "MX")
    hosts = tuple(sorted((r.preference, name_text(r.exchange)) for r in answer.records))
    return MxFacts(domain, hosts, any(host == "." for _pref, host in hosts))


def evaluate_mx(facts: MxFacts, resolved: dict[str, Addresses]) -> list[Problem]:
    """Problems of the MX set, given the addresses found for each (non-null) host (pure)."""
    if not facts.hosts:
        return [MISSING.at(domain=facts.domain)]
    problems = []
    if facts.null_mx and len(facts.hosts) > 1:
        problems.append(NULL_MIXED.at(hosts=[h for _p, h in facts.hosts]))
    dead = [host for host, found in resolved.items() if not found.addresses]
    if dead:
        severity = Severity.HIGH if len(dead) == len(resolved) else Severity.MEDIUM
        problems.append(UNRESOLVABLE.at(severity, hosts=dead))
    return problems


async def run(context: CheckContext, target: Target) -> Outcome:
    facts = await collect_mx(context.dns, target.value)
    hosts = [h for _p, h in facts.hosts if h != "."][: policy.MAX_MX_HOSTS * 2]
    lookups = await asyncio.gather(*(context.dns.addresses(h) for h in hosts), return_exceptions=True)
    resolved: dict[str, Addresses] = {}
    undecided: list[str] = []
    for host, found in zip(hosts, lookups, strict=True):
        if isinstance(found, LookupFailed):
            undecided.append(host)
        elif isinstance(found, BaseException):
            raise found
        else:
            resolved[host] = found
    problems = evaluate_mx(facts, resolved)
    evidence: dict[str, Any] = {
        "mx": [{"preference": p, "host": h} for p, h in facts.hosts],
        "null_mx": facts.null_mx,
        "addresses": {h: list(a.addresses) for h, a in resolved.items()},
    }
    if undecided and not problems:
        raise Undecided(
            "dns",
            Text(
                f"Vérification impossible : l'adresse de {', '.join(undecided)} n'a pas pu être résolue.",
                f"Could not decide: the address of {', '.join(undecided)} could not be resolved.",
            ),
            {"hosts": undecided},
        )
    summary = None
    if facts.is_null_only:
        summary = Text(
            "MX nul : le domaine déclare ne recevoir aucun courrier (RFC 7505).",
            "Null MX: the domain declares it receives no mail (RFC 7505).",
        )
    return Outcome(problems, evidence, summary)


CHECK = Check(
    id="mail.mx",
    category=Category.MAIL,
    nis2=("j",),
    title=Text("MX : serveurs de messagerie", "MX: mail servers"),
    pass_summary=Text(
        "Serveurs de messagerie déclarés et joignables par leur nom.", "Mail servers declared and resolvable."
    ),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

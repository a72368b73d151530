"""`mail.dmarc`: the DMARC policy that applies to the domain (RFC 7489 §6.6.3).

A domain without a record of its own falls back to its organisational domain's record (Public Suffix
List), where `sp=` applies. Report addresses outside the organisational domain must be authorised by
the receiving domain (§7.1).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from checks import policy
from checks.base import Category, Check, Outcome, Problem, ProblemType, Severity, Text
from checks.context import CheckContext
from checks.domains import organisational_domain
from checks.mail.dmarc_record import DmarcRecord, DmarcSyntaxError, is_dmarc_record, parse_dmarc
from checks.resolver import DnsView
from checks.targets import Target, TargetKind

MISSING = ProblemType(
    "dmarc.missing",
    Severity.HIGH,
    Text("Aucune politique DMARC", "No DMARC policy"),
    "Ni le domaine ni son domaine organisationnel ne publient d'enregistrement DMARC (_dmarc) : les "
    "destinataires ne savent pas quoi faire d'un courrier usurpant le domaine, et le titulaire n'en est "
    "jamais informé.",
)
MULTIPLE = ProblemType(
    "dmarc.multiple_records",
    Severity.HIGH,
    Text("Plusieurs enregistrements DMARC", "Several DMARC records"),
    "Plusieurs enregistrements « v=DMARC1 » coexistent : la RFC 7489 §6.6.3 impose alors d'ignorer DMARC. "
    "N'en garder qu'un.",
)
SYNTAX = ProblemType(
    "dmarc.syntax",
    Severity.HIGH,
    Text("Enregistrement DMARC invalide", "Invalid DMARC record"),
    "L'enregistrement DMARC ne respecte pas la syntaxe de la RFC 7489 (politique absente ou invalide, "
    "valeur hors bornes) : les destinataires peuvent l'ignorer.",
)
POLICY_NONE = ProblemType(
    "dmarc.policy_none",
    Severity.MEDIUM,
    Text("Politique DMARC « none » (surveillance seule)", "DMARC policy 'none' (monitoring only)"),
    "La politique « p=none » (ou « sp=none » pour un sous-domaine) ne demande aucune action contre les "
    "courriers usurpés. Passer à « quarantine » puis « reject » une fois les rapports analysés.",
)
PARTIAL_PCT = ProblemType(
    "dmarc.partial_pct",
    Severity.LOW,
    Text("Politique DMARC appliquée partiellement (pct < 100)", "DMARC policy applied to part of the mail"),
    "L'étiquette « pct » limite la politique à une partie des courriers : les autres usurpations passent.",
)
NO_RUA = ProblemType(
    "dmarc.no_rua",
    Severity.LOW,
    Text("DMARC sans adresse de rapports (rua)", "DMARC without aggregate report address (rua)"),
    "Sans « rua », le titulaire ne reçoit aucun rapport : il ne voit ni les usurpations ni ses propres "
    "envois mal configurés.",
)
EXTERNAL_RUA_UNAUTHORIZED = ProblemType(
    "dmarc.external_rua_unauthorized",
    Severity.LOW,
    Text("Adresse de rapports DMARC externe non autorisée", "External DMARC report address not authorised"),
    "Une adresse de rapports appartient à un autre domaine qui n'a pas publié l'autorisation "
    "« <domaine>._report._dmarc.<domaine externe> » (RFC 7489 §7.1) : les rapports ne sont pas envoyés.",
)
PROBLEMS = (MISSING, MULTIPLE, SYNTAX, POLICY_NONE, PARTIAL_PCT, NO_RUA, EXTERNAL_RUA_UNAUTHORIZED)


@dataclass(frozen=True)
class DmarcLookup:
    domain: str
    organisational_domain: str
    found_at: str | None  # the domain whose _dmarc record applies, if any
    records: tuple[str, ...]  # the DMARC records found there

    @property
    def inherited(self) -> bool:
        return self.found_at is not None and self.found_at != self.domain


async def find_dmarc(dns: DnsView, domain: str) -> DmarcLookup:
    """§6.6.3: the domain's own record, else the organisational domain's."""
    organisational = organisational_domain(domain)
    for candidate in dict.fromkeys((domain, organisational)):
        answer = await dns.query(f"_dmarc.{candidate}", "TXT")
        records = tuple(t for t in answer.texts() if is_dmarc_record(t))
        if records:
            return DmarcLookup(domain, organisational, candidate, records)
    return DmarcLookup(domain, organisational, None, ())


def effective_policy(lookup: DmarcLookup, record: DmarcRecord) -> str:
    """p= for the domain itself; sp= (or p= without it) when the record is inherited."""
    if lookup.inherited:
        return record.subdomain_policy or record.policy
    return record.policy


@dataclass
class DmarcFacts:
    lookup: DmarcLookup
    record: DmarcRecord | None = None
    syntax_error: str | None = None
    unauthorized: list[dict[str, str]] = field(default_factory=list)


async def collect_dmarc(dns: DnsView, domain: str) -> DmarcFacts:
    facts = DmarcFacts(await find_dmarc(dns, domain))
    if len(facts.lookup.records) != 1:
        return facts
    try:
        facts.record = parse_dmarc(facts.lookup.records[0])
    except DmarcSyntaxError as error:
        facts.syntax_error = error.message
        return facts
    facts.unauthorized = await _unauthorized_reports(dns, facts.lookup, facts.record)
    return facts


async def _unauthorized_reports(
    dns: DnsView, lookup: DmarcLookup, record: DmarcRecord
) -> list[dict[str, str]]:
    """§7.1: report addresses outside the organisational domain need `<domain>._report._dmarc.<theirs>`."""
    own = organisational_domain(lookup.found_at or lookup.domain)
    external = []
    for tag, uris in (("rua", record.rua), ("ruf", record.ruf)):
        for uri in uris:
            theirs = uri.mailbox_domain
            if theirs is not None and organisational_domain(theirs) != own:
                external.append((tag, uri.uri, theirs))
    answers = await asyncio.gather(
        *(dns.query(f"{lookup.found_at}._report._dmarc.{theirs}", "TXT") for _tag, _uri, theirs in external)
    )
    return [
        {"tag": tag, "uri": uri, "domain": theirs}
        for (tag, uri, theirs), answer in zip(external, answers, strict=True)
        if not any(is_dmarc_record(t) for t in answer.texts())
    ]


def evaluate_dmarc(facts: DmarcFacts) -> list[Problem]:
    lookup = facts.lookup
    if not lookup.records:
        return [MISSING.at(checked=list(dict.fromkeys((lookup.domain, lookup.organisational_domain))))]
    if len(lookup.records) > 1:
        return [MULTIPLE.at(domain=lookup.found_at, records=list(lookup.records))]
    if facts.syntax_error is not None or facts.record is None:
        return [SYNTAX.at(domain=lookup.found_at, record=lookup.records[0], message=facts.syntax_error)]
    record = facts.record
    problems = []
    applied = effective_policy(lookup, record)
    if applied == "none":
        problems.append(
            POLICY_NONE.at(policy=applied, inherited_from=lookup.found_at if lookup.inherited else None)
        )
    elif record.pct < policy.DMARC_FULL_PCT:
        problems.append(PARTIAL_PCT.at(pct=record.pct))
    if not record.rua:
        problems.append(NO_RUA.at())
    if facts.unauthorized:
        problems.append(EXTERNAL_RUA_UNAUTHORIZED.at(addresses=facts.unauthorized))
    return problems


async def run(context: CheckContext, target: Target) -> Outcome:
    facts = await collect_dmarc(context.dns, target.value)
    evidence: dict[str, Any] = {
        "records": list(facts.lookup.records),
        "found_at": facts.lookup.found_at,
        "organisational_domain": facts.lookup.organisational_domain,
    }
    if facts.record is not None:
        evidence["policy"] = effective_policy(facts.lookup, facts.record)
        evidence["pct"] = facts.record.pct
    return Outcome(evaluate_dmarc(facts), evidence)


CHECK = Check(
    id="mail.dmarc",
    category=Category.MAIL,
    nis2=("h", "j"),
    title=Text("DMARC : politique contre l'usurpation", "DMARC: anti-spoofing policy"),
    pass_summary=Text("Politique DMARC protectrice en place.", "Protective DMARC policy in place."),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

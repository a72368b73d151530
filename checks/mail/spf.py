"""`mail.spf`: the domain's SPF record and everything it pulls in through include and redirect.

fetch: `collect_spf` walks the record tree through the target's DNS view, counting the DNS-querying
terms and void lookups as RFC 7208 §4.6.4 does; evaluate: `evaluate_spf` judges the collected facts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from checks import policy
from checks.base import Category, Check, Outcome, Problem, ProblemType, Severity, Text
from checks.context import CheckContext
from checks.mail.spf_record import SpfRecord, SpfSyntaxError, is_spf_record, parse_spf
from checks.resolver import DnsView
from checks.targets import Target, TargetKind

MISSING = ProblemType(
    "spf.missing",
    Severity.HIGH,
    Text("Aucun enregistrement SPF", "No SPF record"),
    "Le domaine ne publie pas d'enregistrement SPF : n'importe qui peut envoyer du courrier en son nom sans "
    "que les destinataires puissent le détecter. Publier au minimum « v=spf1 -all » pour un domaine qui "
    "n'envoie pas de courrier.",
)
MULTIPLE = ProblemType(
    "spf.multiple_records",
    Severity.HIGH,
    Text("Plusieurs enregistrements SPF", "Several SPF records"),
    "Plusieurs enregistrements « v=spf1 » coexistent : la norme (RFC 7208 §4.5) impose alors l'échec de "
    "la vérification (permerror). Les fusionner en un seul.",
)
SYNTAX = ProblemType(
    "spf.syntax",
    Severity.HIGH,
    Text("Enregistrement SPF invalide", "Invalid SPF record"),
    "L'enregistrement SPF (ou un enregistrement qu'il inclut) ne respecte pas la syntaxe de la RFC 7208 : "
    "les destinataires le rejettent (permerror) et le domaine perd sa protection.",
)
PERMISSIVE_ALL = ProblemType(
    "spf.permissive_all",
    Severity.HIGH,
    Text("SPF trop permissif (+all ou ?all)", "Permissive SPF (+all or ?all)"),
    "Le mécanisme final « +all » autorise le monde entier à envoyer au nom du domaine ; « ?all » ne donne "
    "aucune consigne. Terminer par « ~all » ou, mieux, « -all ».",
)
NO_ALL = ProblemType(
    "spf.no_all",
    Severity.MEDIUM,
    Text("SPF sans mécanisme « all » ni « redirect »", "SPF with neither 'all' nor 'redirect'"),
    "Sans « all » final ni « redirect », un expéditeur non listé obtient un résultat neutre : l'usurpation "
    "n'est pas signalée. Terminer l'enregistrement par « -all » ou « ~all ».",
)
TOO_MANY_LOOKUPS = ProblemType(
    "spf.too_many_lookups",
    Severity.HIGH,
    Text("SPF : plus de 10 requêtes DNS", "SPF: more than 10 DNS lookups"),
    "L'évaluation du SPF demande plus de 10 requêtes DNS (include, a, mx, ptr, exists, redirect, comptés à "
    "travers les inclusions) : la RFC 7208 §4.6.4 impose l'échec (permerror). Aplatir ou réduire les "
    "inclusions.",
)
TOO_MANY_VOID = ProblemType(
    "spf.too_many_void_lookups",
    Severity.HIGH,
    Text("SPF : plus de 2 requêtes DNS sans réponse", "SPF: more than 2 void DNS lookups"),
    "Plus de deux requêtes de l'évaluation SPF ne renvoient rien (domaine inexistant ou sans "
    "enregistrement) : la RFC 7208 §4.6.4 impose l'échec. Retirer les références à des noms disparus.",
)
INCLUDE_LOOP = ProblemType(
    "spf.include_loop",
    Severity.HIGH,
    Text("SPF : boucle d'inclusion", "SPF: include loop"),
    "Un « include » ou « redirect » ramène à un enregistrement déjà en cours d'évaluation : l'évaluation "
    "échoue. Supprimer l'inclusion circulaire.",
)
INCLUDE_MISSING = ProblemType(
    "spf.include_missing",
    Severity.HIGH,
    Text("SPF : domaine inclus sans SPF", "SPF: included domain has no SPF record"),
    "Un « include » ou « redirect » vise un domaine qui ne publie pas d'enregistrement SPF : la RFC 7208 "
    "impose l'échec (permerror). Corriger le nom ou retirer l'inclusion.",
)
PTR_USED = ProblemType(
    "spf.ptr_used",
    Severity.LOW,
    Text("SPF : mécanisme « ptr » déconseillé", "SPF: 'ptr' mechanism discouraged"),
    "Le mécanisme « ptr » est lent, peu fiable et déconseillé par la RFC 7208 §5.5 ; certains "
    "destinataires l'ignorent. Le remplacer par des « ip4 »/« ip6 » ou « include ».",
)
PROBLEMS = (
    MISSING,
    MULTIPLE,
    SYNTAX,
    PERMISSIVE_ALL,
    NO_ALL,
    TOO_MANY_LOOKUPS,
    TOO_MANY_VOID,
    INCLUDE_LOOP,
    INCLUDE_MISSING,
    PTR_USED,
)


@dataclass
class SpfFacts:
    """Everything evaluate_spf needs, collected from DNS."""

    domain: str
    records: tuple[str, ...] = ()
    record: SpfRecord | None = None
    syntax_error: tuple[str, str] | None = None  # (term, French message)
    lookups: int = 0
    void_lookups: int = 0
    loops: list[dict[str, str]] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)
    include_errors: list[dict[str, str]] = field(default_factory=list)
    include_multiple: list[str] = field(default_factory=list)
    ptr_in: list[str] = field(default_factory=list)
    effective_all: str | None = None  # qualifier of the "all" that applies, through redirect
    tree: dict[str, Any] = field(default_factory=dict)
    followed: int = 0


async def collect_spf(dns: DnsView, domain: str) -> SpfFacts:
    answer = await dns.query(domain, "TXT")
    facts = SpfFacts(domain, tuple(t for t in answer.texts() if is_spf_record(t)))
    if len(facts.records) != 1:
        return facts
    try:
        facts.record = parse_spf(facts.records[0])
    except SpfSyntaxError as error:
        facts.syntax_error = (error.term, error.message)
        return facts
    facts.tree, facts.effective_all = await _expand(dns, domain, facts.record, (domain,), facts)
    return facts


async def _expand(
    dns: DnsView, domain: str, record: SpfRecord, path: tuple[str, ...], facts: SpfFacts
) -> tuple[dict[str, Any], str | None]:
    """Count this record's lookups, resolve what it names, and follow include/redirect (in parallel)."""
    node: dict[str, Any] = {"domain": domain, "lookups": record.lookup_terms}
    facts.lookups += record.lookup_terms
    work: list[Coroutine[Any, Any, tuple[dict[str, Any] | None, str | None]]] = []
    for mechanism in record.mechanisms:
        if mechanism.name == "ptr":
            facts.ptr_in.append(domain)
        if mechanism.has_macros or mechanism.name not in ("include", "a", "mx", "exists"):
            continue  # macros depend on the sender; ptr needs the sender's address
        target = (mechanism.domain or domain).rstrip(".").lower()
        if mechanism.name == "include":
            work.append(_follow(dns, target, path, facts))
        else:
            work.append(_count_void(dns, mechanism.name, target, facts))
    redirect = record.redirect
    follow_redirect = redirect is not None and "%" not in redirect
    if redirect is not None and follow_redirect:
        work.append(_follow(dns, redirect.rstrip(".").lower(), path, facts))
    outcomes: list[tuple[dict[str, Any] | None, str | None]] = list(await asyncio.gather(*work))
    node["includes"] = [child for child, _all in outcomes if child is not None]
    effective = record.all.qualifier if record.all is not None else None
    if follow_redirect and outcomes:
        node["redirect"] = outcomes[-1][0]
        effective = outcomes[-1][1]
        node["includes"] = node["includes"][:-1]
    return node, effective


async def _count_void(
    dns: DnsView, name: str, target: str, facts: SpfFacts
) -> tuple[dict[str, Any] | None, str | None]:
    if name == "a":
        found = await dns.addresses(target)
        void = not found.addresses
    else:
        void = (await dns.query(target, "MX" if name == "mx" else "A")).void
    facts.void_lookups += void
    return None, None


async def _follow(
    dns: DnsView, target: str, path: tuple[str, ...], facts: SpfFacts
) -> tuple[dict[str, Any] | None, str | None]:
    if target in path:
        facts.loops.append({"from": path[-1], "to": target})
        return {"domain": target, "loop": True}, None
    if len(path) > policy.SPF_MAX_DEPTH or facts.followed >= policy.SPF_MAX_TERMS_FOLLOWED:
        return {"domain": target, "not_followed": True}, None
    facts.followed += 1
    answer = await dns.query(target, "TXT")
    facts.void_lookups += answer.void
    records = [t for t in answer.texts() if is_spf_record(t)]
    if not records:
        facts.missing.append({"from": path[-1], "target": target})
        return {"domain": target, "missing": True}, None
    if len(records) > 1:
        facts.include_multiple.append(target)
        return {"domain": target, "multiple_records": True}, None
    try:
        record = parse_spf(records[0])
    except SpfSyntaxError as error:
        facts.include_errors.append({"domain": target, "term": error.term, "message": error.message})
        return {"domain": target, "syntax_error": error.message}, None
    return await _expand(dns, target, record, (*path, target), facts)


def evaluate_spf(facts: SpfFacts) -> list[Problem]:
    """The problems of collected SPF facts (pure)."""
    if not facts.records:
        return [MISSING.at(domain=facts.domain)]
    if len(facts.records) > 1:
        return [MULTIPLE.at(domain=facts.domain, records=list(facts.records))]
    if facts.syntax_error is not None:
        term, message = facts.syntax_error
        return [SYNTAX.at(domain=facts.domain, term=term, message=message)]
    if facts.record is None:
        return []
    problems = []
    if facts.include_errors:
        problems.append(SYNTAX.at(domain=facts.domain, included=facts.include_errors))
    if facts.include_multiple:
        problems.append(MULTIPLE.at(domain=facts.domain, included=facts.include_multiple))
    if facts.record.all is None and facts.record.redirect is None:
        problems.append(NO_ALL.at(record=facts.records[0]))
    if facts.effective_all == "+":
        problems.append(PERMISSIVE_ALL.at(Severity.HIGH, qualifier="+all"))
    elif facts.effective_all == "?":
        problems.append(PERMISSIVE_ALL.at(Severity.MEDIUM, qualifier="?all"))
    if facts.lookups > policy.SPF_MAX_DNS_LOOKUPS:
        problems.append(TOO_MANY_LOOKUPS.at(lookups=facts.lookups, limit=policy.SPF_MAX_DNS_LOOKUPS))
    if facts.void_lookups > policy.SPF_MAX_VOID_LOOKUPS:
        problems.append(TOO_MANY_VOID.at(void_lookups=facts.void_lookups, limit=policy.SPF_MAX_VOID_LOOKUPS))
    if facts.loops:
        problems.append(INCLUDE_LOOP.at(loops=facts.loops))
    if facts.missing:
        problems.append(INCLUDE_MISSING.at(targets=facts.missing))
    if facts.ptr_in:
        problems.append(PTR_USED.at(records=sorted(set(facts.ptr_in))))
    return problems


async def run(context: CheckContext, target: Target) -> Outcome:
    facts = await collect_spf(context.dns, target.value)
    evidence: dict[str, Any] = {"records": list(facts.records)}
    if facts.record is not None:
        evidence.update(lookups=facts.lookups, void_lookups=facts.void_lookups, tree=facts.tree)
    return Outcome(evaluate_spf(facts), evidence)


CHECK = Check(
    id="mail.spf",
    category=Category.MAIL,
    nis2=("h", "j"),
    title=Text("SPF : expéditeurs autorisés", "SPF: authorised senders"),
    pass_summary=Text("SPF correctement configuré.", "SPF correctly configured."),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

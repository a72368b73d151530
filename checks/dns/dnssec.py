"""`dns.dnssec`: is the domain's zone signed, and does its chain of trust verify from the anchor?"""

from __future__ import annotations

from checks.base import Category, Check, Outcome, Problem, ProblemType, Severity, Text
from checks.context import CheckContext
from checks.dns.dnssec_chain import ChainVerdict, chain_verdict
from checks.targets import Target, TargetKind

UNSIGNED = ProblemType(
    "dnssec.unsigned",
    Severity.MEDIUM,
    Text("Zone DNS non signée (DNSSEC)", "DNS zone not signed (DNSSEC)"),
    "La zone n'est pas signée avec DNSSEC (ou sa zone parente ne publie pas d'enregistrement DS) : un "
    "attaquant peut falsifier les réponses DNS et détourner le site ou le courrier. Activer DNSSEC chez "
    "l'hébergeur DNS et publier le DS chez le bureau d'enregistrement.",
)
BOGUS = ProblemType(
    "dnssec.bogus",
    Severity.HIGH,
    Text("Signature DNSSEC invalide", "Invalid DNSSEC signatures"),
    "La chaîne de confiance DNSSEC est rompue (DS ne correspondant à aucune clé, signature invalide ou "
    "expirée) : les résolveurs qui valident DNSSEC refusent de répondre et le domaine devient injoignable "
    "pour leurs utilisateurs. À corriger d'urgence.",
)
PROBLEMS = (UNSIGNED, BOGUS)


def evaluate_dnssec(verdict: ChainVerdict) -> list[Problem]:
    if verdict.state == "insecure":
        return [UNSIGNED.at(zone=verdict.zone, chain_ends_at=verdict.at)]
    if verdict.state == "bogus":
        return [BOGUS.at(zone=verdict.zone, broken_at=verdict.at, reason=verdict.reason)]
    return []


async def run(context: CheckContext, target: Target) -> Outcome:
    verdict = await chain_verdict(context, target.value)
    evidence = {"zone": verdict.zone, "state": verdict.state, "at": verdict.at, "reason": verdict.reason}
    return Outcome(evaluate_dnssec(verdict), evidence)


CHECK = Check(
    id="dns.dnssec",
    category=Category.DNS,
    nis2=("h",),
    title=Text("DNSSEC : authenticité des réponses DNS", "DNSSEC: authenticity of DNS answers"),
    pass_summary=Text(
        "Zone signée, chaîne de confiance DNSSEC valide.", "Signed zone, valid DNSSEC chain of trust."
    ),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

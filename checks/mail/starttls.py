"""`mail.starttls`: does each MX offer STARTTLS on port 25, and with what certificate?

Mail servers usually encrypt opportunistically without checking names or chains, so certificate
problems here are reported at info level; the absence of STARTTLS is what exposes the mail.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from checks import policy
from checks.base import Category, Check, NotApplicable, Outcome, Problem, ProblemType, Severity, Text
from checks.certificates import Trust, judge_certificate, parse_certificate
from checks.connector import TlsInfo, handshake_with_trust
from checks.context import CheckContext
from checks.mail.mx import collect_mx
from checks.probing import Tally, no_address, plan_addresses, probe_all, unresolved_undecided
from checks.smtp_client import SmtpProbe, probe_starttls
from checks.targets import Target, TargetKind

MISSING = ProblemType(
    "starttls.missing",
    Severity.HIGH,
    Text("Serveur de messagerie sans STARTTLS", "Mail server without STARTTLS"),
    "Le serveur MX n'offre pas STARTTLS sur le port 25 : le courrier reçu par le domaine circule en clair "
    "sur Internet et peut être lu ou modifié en chemin.",
)


def _certificate_problem(kind: str, fr: str, en: str) -> ProblemType:
    return ProblemType(
        f"starttls.certificate_{kind}",
        Severity.INFO,
        Text(f"Certificat du serveur MX : {fr}", f"MX server certificate: {en}"),
        f"Le certificat présenté après STARTTLS est {fr}. Les serveurs de messagerie chiffrent le plus "
        "souvent sans vérifier le certificat : signalé pour information, mais à corriger (MTA-STS, DANE).",
    )


CERTIFICATE_PROBLEMS = {
    "expired": _certificate_problem("expired", "expiré", "expired"),
    "expiring": _certificate_problem("expiring", "proche de l'expiration", "expiring soon"),
    "untrusted": _certificate_problem("untrusted", "émis par une autorité non reconnue", "not trusted"),
    "self_signed": _certificate_problem("self_signed", "auto-signé", "self-signed"),
    "hostname_mismatch": _certificate_problem(
        "hostname_mismatch", "établi pour un autre nom", "for another name"
    ),
    "weak_key": _certificate_problem("weak_key", "à clé trop faible", "with a weak key"),
    "weak_signature": _certificate_problem(
        "weak_signature", "signé avec un algorithme obsolète", "weakly signed"
    ),
}
PROBLEMS = (MISSING, *CERTIFICATE_PROBLEMS.values())


def evaluate_starttls(
    host: str, address: str, probe: SmtpProbe, trust: Trust, now: datetime
) -> list[Problem]:
    if not probe.starttls_offered:
        return [MISSING.at(host=host, address=address)]
    if probe.tls is None or probe.tls.certificate is None:
        return []
    facts = parse_certificate(probe.tls.certificate)
    return [
        CERTIFICATE_PROBLEMS[v.kind].at(Severity.INFO, host=host, address=address, **v.details)
        for v in judge_certificate(facts, host, trust, now)
    ]


async def _probe(context: CheckContext, host: str, address: str) -> tuple[SmtpProbe, Trust]:
    options = context.options
    probes: list[SmtpProbe] = []

    async def handshake(verify: bool) -> TlsInfo:
        probe = await probe_starttls(
            context.connector, address, options.ports.smtp, host, options.helo_name, verify=verify
        )
        probes.append(probe)
        return probe.tls or TlsInfo(None, None, None)

    _info, trusted, rejected = await handshake_with_trust(handshake)
    trust = Trust(
        trusted, rejected.verify_code if rejected else None, rejected.verify_message if rejected else None
    )
    return probes[-1], trust


async def run(context: CheckContext, target: Target) -> Outcome:
    mx = await collect_mx(context.dns, target.value)
    if mx.is_null_only:
        raise NotApplicable(
            "null_mx", Text("Non applicable : MX nul (aucun courrier reçu).", "Not applicable: null MX.")
        )
    hosts = [h for _p, h in mx.hosts if h != "."][: policy.MAX_MX_HOSTS]
    if not hosts:
        raise NotApplicable(
            "no_mx", Text("Non applicable : aucun MX déclaré.", "Not applicable: no MX record.")
        )
    plan = await plan_addresses(context, hosts)
    if not plan.endpoints:
        if plan.unresolved:
            raise unresolved_undecided(plan)
        raise no_address(", ".join(hosts), plan)
    tally = Tally.for_plan(plan)
    probed = await probe_all(plan.endpoints, partial(_probe, context), tally)
    servers = []
    for host, address, (probe, trust) in probed:
        tally.problems.extend(evaluate_starttls(host, address, probe, trust, context.now()))
        entry: dict[str, Any] = {"host": host, "address": address, "starttls": probe.starttls_offered}
        if probe.tls is not None:
            entry["tls_version"] = probe.tls.version
            entry["trusted"] = trust.trusted
            if probe.tls.certificate:
                entry["certificate"] = parse_certificate(probe.tls.certificate).to_json()
        servers.append(entry)
    absent = NotApplicable(
        "no_smtp_service",
        Text(
            "Non applicable : aucun serveur MX n'accepte de connexion sur le port 25.",
            "Not applicable: no MX accepts connections on port 25.",
        ),
    )
    return tally.conclude({"servers": servers, "port": context.options.ports.smtp}, absent)


CHECK = Check(
    id="mail.starttls",
    category=Category.MAIL,
    nis2=("h", "j"),
    title=Text("STARTTLS : chiffrement du courrier reçu", "STARTTLS: encryption of incoming mail"),
    pass_summary=Text("Les serveurs MX proposent STARTTLS.", "The MX servers offer STARTTLS."),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

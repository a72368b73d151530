"""`tls.certificate`: the certificate each address of the name presents on port 443 (SNI = the name)."""

from __future__ import annotations

from functools import partial
from typing import Any

from checks.base import Category, Check, NotApplicable, Outcome, ProblemType, Severity, Text
from checks.certificates import Trust, judge_certificate, parse_certificate
from checks.connector import TlsInfo, close_quietly, handshake_with_trust
from checks.context import CheckContext
from checks.probing import Tally, no_address, plan_addresses, probe_all, unresolved_undecided
from checks.targets import Target, TargetKind

PROBLEMS_BY_KIND = {
    "expired": ProblemType(
        "tls.expired",
        Severity.HIGH,
        Text("Certificat expiré", "Expired certificate"),
        "Le certificat du site a expiré : les navigateurs affichent une alerte de sécurité et bloquent "
        "l'accès. Le renouveler sans attendre.",
    ),
    "expiring": ProblemType(
        "tls.expiring",
        Severity.HIGH,
        Text("Certificat proche de l'expiration", "Certificate expiring soon"),
        "Le certificat expire dans 60 jours ou moins (sévérité élevée à 30 jours ou moins) : prévoir son "
        "renouvellement, idéalement automatique (ACME).",
    ),
    "untrusted": ProblemType(
        "tls.untrusted",
        Severity.HIGH,
        Text("Certificat non reconnu", "Untrusted certificate"),
        "Le certificat n'est pas émis par une autorité reconnue (ou sa chaîne est incomplète) : les "
        "visiteurs reçoivent une alerte et l'identité du site n'est pas garantie.",
    ),
    "self_signed": ProblemType(
        "tls.self_signed",
        Severity.HIGH,
        Text("Certificat auto-signé", "Self-signed certificate"),
        "Le certificat est signé par lui-même : rien ne garantit l'identité du site, les navigateurs "
        "alertent. Utiliser un certificat d'une autorité reconnue (gratuit avec Let's Encrypt).",
    ),
    "hostname_mismatch": ProblemType(
        "tls.hostname_mismatch",
        Severity.HIGH,
        Text("Certificat établi pour un autre nom", "Certificate for another name"),
        "Le certificat ne couvre pas ce nom de domaine : les navigateurs alertent. Ajouter le nom au "
        "certificat (champ subjectAltName).",
    ),
    "weak_key": ProblemType(
        "tls.weak_key",
        Severity.MEDIUM,
        Text("Clé du certificat trop faible", "Weak certificate key"),
        "La clé du certificat est trop courte (RSA sous 2048 bits, courbe elliptique sous 256 bits) au "
        "regard des recommandations de l'ANSSI.",
    ),
    "weak_signature": ProblemType(
        "tls.weak_signature",
        Severity.MEDIUM,
        Text("Certificat signé avec un algorithme obsolète", "Certificate with a weak signature"),
        "Le certificat est signé avec SHA-1 (sévérité moyenne) ou MD5 (élevée), algorithmes cassés : il "
        "peut être contrefait et n'est plus accepté par les navigateurs.",
    ),
}
PROBLEMS = tuple(PROBLEMS_BY_KIND.values())


async def _observe(context: CheckContext, name: str, host: str, address: str) -> tuple[TlsInfo, Trust]:
    async def handshake(verify: bool) -> TlsInfo:
        _reader, writer, info = await context.connector.open_tls(
            address, context.options.ports.https, name, verify=verify
        )
        await close_quietly(writer)
        return info

    info, trusted, rejected = await handshake_with_trust(handshake)
    return info, Trust(
        trusted, rejected.verify_code if rejected else None, rejected.verify_message if rejected else None
    )


async def run(context: CheckContext, target: Target) -> Outcome:
    name = target.value
    plan = await plan_addresses(context, [name])
    if not plan.endpoints:
        raise unresolved_undecided(plan) if plan.unresolved else no_address(name, plan)
    tally = Tally.for_plan(plan)
    certificates: list[dict[str, Any]] = []
    for _host, address, (info, trust) in await probe_all(
        plan.endpoints, partial(_observe, context, name), tally
    ):
        entry: dict[str, Any] = {"address": address, "tls_version": info.version, "trusted": trust.trusted}
        if trust.verify_message:
            entry["verify_error"] = trust.verify_message
        if info.certificate:
            facts = parse_certificate(info.certificate)
            entry["certificate"] = facts.to_json()
            for verdict in judge_certificate(facts, name, trust, context.now()):
                problem = PROBLEMS_BY_KIND[verdict.kind]
                tally.problems.append(problem.at(verdict.severity, address=address, **verdict.details))
        certificates.append(entry)
    absent = NotApplicable(
        "no_https_service",
        Text(
            f"Non applicable : {name} n'accepte pas de connexion HTTPS.",
            f"Not applicable: {name} accepts no HTTPS connection.",
        ),
    )
    return tally.conclude({"port": context.options.ports.https, "certificates": certificates}, absent)


CHECK = Check(
    id="tls.certificate",
    category=Category.TLS,
    nis2=("h",),
    title=Text("Certificat TLS du site", "Website TLS certificate"),
    pass_summary=Text(
        "Certificat valide, reconnu et adapté au nom.", "Valid, trusted certificate for the name."
    ),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

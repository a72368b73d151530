"""`mail.dkim`: is there any DKIM key under `_domainkey.<domain>`?

Selectors cannot be listed, but RFC 8020 makes NXDOMAIN for `_domainkey.<domain>` mean that nothing
exists beneath it: no key at all. Domains that send no mail (null MX, or SPF "-all" alone with DMARC
reject) need no DKIM: the check is skipped for them.
"""

from __future__ import annotations

import asyncio

from checks.base import Category, Check, NotApplicable, Outcome, Problem, ProblemType, Severity, Text
from checks.context import CheckContext
from checks.mail.dmarc import effective_policy, find_dmarc
from checks.mail.dmarc_record import DmarcSyntaxError, parse_dmarc
from checks.mail.mx import collect_mx
from checks.mail.spf_record import SpfSyntaxError, is_spf_record, parse_spf
from checks.resolver import Answer, DnsView
from checks.targets import Target, TargetKind

NO_DOMAINKEY = ProblemType(
    "dkim.no_domainkey",
    Severity.MEDIUM,
    Text("Aucune clé DKIM publiée", "No DKIM key published"),
    "Le nom « _domainkey » du domaine n'existe pas (NXDOMAIN) : aucune clé DKIM n'est publiée, les "
    "courriers du domaine ne peuvent pas être signés et DMARC ne repose que sur SPF.",
)
PROBLEMS = (NO_DOMAINKEY,)


async def sends_no_mail(dns: DnsView, domain: str) -> str | None:
    """Why the domain declares it sends no mail ("null_mx" or "spf_fail_all_dmarc_reject"), else None."""
    mx, txt, dmarc = await asyncio.gather(
        collect_mx(dns, domain), dns.query(domain, "TXT"), find_dmarc(dns, domain)
    )
    if mx.is_null_only:
        return "null_mx"
    spf = [t for t in txt.texts() if is_spf_record(t)]
    if len(spf) != 1 or len(dmarc.records) != 1:
        return None
    try:
        record = parse_spf(spf[0])
        policy = effective_policy(dmarc, parse_dmarc(dmarc.records[0]))
    except (SpfSyntaxError, DmarcSyntaxError):
        return None
    only_fail_all = not record.modifiers and [str(m) for m in record.mechanisms] == ["-all"]
    return "spf_fail_all_dmarc_reject" if only_fail_all and policy == "reject" else None


def evaluate_dkim(domainkey: Answer) -> list[Problem]:
    return [NO_DOMAINKEY.at(name=domainkey.name)] if domainkey.nxdomain else []


async def run(context: CheckContext, target: Target) -> Outcome:
    reason, domainkey = await asyncio.gather(
        sends_no_mail(context.dns, target.value), context.dns.query(f"_domainkey.{target.value}", "TXT")
    )
    if reason is not None:
        raise NotApplicable(
            reason,
            Text(
                "Non applicable : le domaine déclare n'envoyer aucun courrier.",
                "Not applicable: the domain declares it sends no mail.",
            ),
        )
    return Outcome(evaluate_dkim(domainkey), {"domainkey": domainkey.name, "rcode": domainkey.rcode})


CHECK = Check(
    id="mail.dkim",
    category=Category.MAIL,
    nis2=("h", "j"),
    title=Text("DKIM : signature des courriers", "DKIM: mail signing"),
    pass_summary=Text("Des clés DKIM sont publiées.", "DKIM keys are published."),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

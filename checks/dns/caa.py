"""`dns.caa`: which certificate authorities may issue for the domain (RFC 8659)?

The relevant record set is the first found climbing from the name towards its organisational domain.
"""

from __future__ import annotations

import asyncio

from checks.base import Category, Check, Outcome, Problem, ProblemType, Severity, Text
from checks.context import CheckContext
from checks.domains import parents_up_to_organisational
from checks.resolver import Answer
from checks.targets import Target, TargetKind

MISSING = ProblemType(
    "caa.missing",
    Severity.INFO,
    Text("Aucun enregistrement CAA", "No CAA record"),
    "Aucun enregistrement CAA ne limite les autorités de certification autorisées à émettre des certificats "
    'pour le domaine : n\'importe laquelle peut le faire. Publier par exemple « 0 issue "letsencrypt.org" ».',
)
PROBLEMS = (MISSING,)


def relevant_caa(answers: list[Answer]) -> Answer | None:
    """RFC 8659 §3: the first non-empty CAA set on the way up."""
    return next((a for a in answers if a.records), None)


def evaluate_caa(found: Answer | None, name: str) -> list[Problem]:
    return [] if found is not None else [MISSING.at(name=name)]


async def run(context: CheckContext, target: Target) -> Outcome:
    names = parents_up_to_organisational(target.value)
    answers = list(await asyncio.gather(*(context.dns.query(n, "CAA") for n in names)))
    found = relevant_caa(answers)
    evidence = {
        "checked": names,
        "found_at": found.name if found else None,
        "records": [r.to_text() for r in found.records] if found else [],
    }
    return Outcome(evaluate_caa(found, target.value), evidence)


CHECK = Check(
    id="dns.caa",
    category=Category.DNS,
    nis2=("h",),
    title=Text("CAA : autorités de certification autorisées", "CAA: authorised certificate authorities"),
    pass_summary=Text(
        "Des enregistrements CAA limitent les autorités de certification.", "CAA records restrict CAs."
    ),
    problem_types=PROBLEMS,
    target_kinds=frozenset({TargetKind.DOMAIN}),
    run=run,
)

"""Every check, in report order, and the selection `--checks mail,dns,mail.spf` makes of them."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from checks.base import Category, Check, ProblemType
from checks.dns import caa, dnssec
from checks.mail import dkim, dmarc, mx, spf, starttls
from checks.ports import exposure
from checks.tls import certificate, protocols
from checks.web import https, security_txt


@lru_cache(maxsize=4)
def all_checks(catalogue: Path | None = None) -> tuple[Check, ...]:
    """The checks in report order; the exposure check's problem codes come from the port catalogue."""
    return (
        spf.CHECK,
        dmarc.CHECK,
        dkim.CHECK,
        mx.CHECK,
        starttls.CHECK,
        dnssec.CHECK,
        caa.CHECK,
        certificate.CHECK,
        protocols.CHECK,
        https.CHECK,
        security_txt.CHECK,
        exposure.default_check(catalogue),
    )


def select_checks(selection: Iterable[str] | None = None, catalogue: Path | None = None) -> tuple[Check, ...]:
    """Checks named by category (mail, dns, tls, web, exposure) or id (mail.spf); all when None.

    An unknown name raises ValueError listing what is known.
    """
    checks = all_checks(catalogue)
    if selection is None:
        return checks
    wanted = {name.strip().lower() for name in selection if name.strip()}
    known = {c.id for c in checks} | {c.value for c in Category}
    unknown = sorted(wanted - known)
    if unknown:
        raise ValueError(f"unknown check(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return tuple(c for c in checks if c.id in wanted or c.category.value in wanted)


def problem_types(catalogue: Path | None = None) -> dict[str, ProblemType]:
    """Every problem code any check can report, with its default severity, title and explanation."""
    return {p.code: p for check in all_checks(catalogue) for p in check.problem_types}

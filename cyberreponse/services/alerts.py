"""Alerts on findings: one e-mail digest per organisation and campaign, once per finding.

Which findings alert (`[alerts]`): an open finding not alerted yet whose severity is listed in
`alerts.severities` (critical and high by default), or a website certificate expiring within
`alerts.certificate_days` (14) days. Information-level problems open no finding (services/findings.py),
so they never alert. The digest goes to the organisation's contacts that receive alerts and to the
CSIRT's address; each finding it lists gets `alerted_at`, so the next night does not repeat it. An
optional webhook gets one summary per campaign.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from checks.registry import problem_types
from cyberreponse.clock import in_paris, now
from cyberreponse.config import Settings
from cyberreponse.logs import log_event
from cyberreponse.mail import queue_mail
from cyberreponse.models import Asset, Campaign, CheckResultRecord, Finding, Organisation
from cyberreponse.services.findings import problem_details
from cyberreponse.webhooks import post_message

logger = logging.getLogger(__name__)
CERTIFICATE_CODES = ("tls.expiring", "tls.expired")
SEVERITY_FR = {"critical": "critique", "high": "élevée", "medium": "moyenne", "low": "faible", "info": "info"}


def days_left(finding: Finding, moment: datetime) -> int | None:
    """Days until the certificate's end of validity, from the last result (None for other findings)."""
    if finding.code not in CERTIFICATE_CODES:
        return None
    details = problem_details(finding)
    not_after = details.get("not_after")
    if isinstance(not_after, str):
        try:
            return int((datetime.fromisoformat(not_after) - moment).total_seconds() // 86400)
        except ValueError:
            pass
    value = details.get("days_left")
    return int(value) if isinstance(value, int) else None


def is_alerting(settings: Settings, finding: Finding, moment: datetime) -> bool:
    if finding.severity in settings.get_list("alerts.severities"):
        return True
    left = days_left(finding, moment)
    return left is not None and left <= settings.get_int("alerts.certificate_days")


@dataclass(frozen=True)
class AlertSummary:
    organisations: int
    findings: int
    lines: tuple[str, ...]


def _finding_view(finding: Finding, moment: datetime) -> dict[str, Any]:
    catalogue = problem_types()
    kind = catalogue.get(finding.code)
    return {
        "title": kind.title.fr if kind else finding.code,
        "explanation": kind.explanation if kind else "",
        "severity": SEVERITY_FR.get(finding.severity, finding.severity),
        "asset": finding.asset.value,
        "first_seen": in_paris(finding.first_seen).strftime("%d/%m/%Y %H:%M"),
        "days_left": days_left(finding, moment),
    }


def queue_campaign_alerts(session: Session, settings: Settings, campaign: Campaign) -> AlertSummary:
    """Queue the digests of findings seen in this campaign that should alert; mark them alerted.

    Runs in the transaction that closes the campaign, once (`alerts_sent_at` guards against a second).
    """
    claimed = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.alerts_sent_at.is_(None))
        .values(alerts_sent_at=now())
    )
    if not getattr(claimed, "rowcount", 0):
        return AlertSummary(0, 0, ())
    moment = now()
    candidates = session.scalars(
        select(Finding)
        .join(Finding.last_result)
        .options(joinedload(Finding.asset).joinedload(Asset.organisation), joinedload(Finding.last_result))
        .where(
            Finding.resolved_at.is_(None),
            Finding.alerted_at.is_(None),
            CheckResultRecord.campaign_id == campaign.id,
        )
        .order_by(Finding.id)
    ).all()
    by_organisation: dict[int, list[Finding]] = defaultdict(list)
    for finding in candidates:
        if is_alerting(settings, finding, moment):
            by_organisation[finding.asset.organisation_id].append(finding)
    lines = []
    for findings in by_organisation.values():
        organisation: Organisation = findings[0].asset.organisation
        _queue_digest(session, settings, organisation, findings, moment)
        for finding in findings:
            finding.alerted_at = moment
        lines.append(f"- {organisation.name} ({organisation.siren}) : {len(findings)} nouveau(x) problème(s)")
    session.flush()
    total = sum(len(f) for f in by_organisation.values())
    log_event(logger, "alerts.queued", campaign=campaign.public_id, organisations=len(lines), findings=total)
    return AlertSummary(len(lines), total, tuple(lines))


def _queue_digest(
    session: Session,
    settings: Settings,
    organisation: Organisation,
    findings: list[Finding],
    moment: datetime,
) -> None:
    recipients = [c.email for c in organisation.contacts if c.receives_alerts]
    recipients.append(settings.get_str("mail.csirt_address"))
    views = [_finding_view(f, moment) for f in findings]
    queue_mail(
        session,
        "posture_alert",
        list(dict.fromkeys(recipients)),
        f"[{settings.get_str('app.csirt_name')}] {organisation.name} : "
        f"{len(findings)} problème(s) de sécurité à corriger",
        "posture_alert",
        {
            "organisation": organisation.name,
            "findings": views,
            "link": f"{settings.get_str('app.base_url')}/organisations/{organisation.siren}/constats",
            "csirt_name": settings.get_str("app.csirt_name"),
            "csirt_email": settings.get_str("app.csirt_email"),
            "csirt_phone": settings.get_str("app.csirt_phone"),
        },
    )


def send_webhook(settings: Settings, campaign: Campaign, summary: AlertSummary) -> bool | None:
    """The campaign's summary to the chat webhook, when one is configured and there is news."""
    url = settings.get_str("alerts.webhook_url")
    if not url or not summary.findings:
        return None
    text = (
        f"**CybeRéponse — campagne {campaign.public_id}** : {summary.findings} nouveau(x) problème(s) "
        f"important(s) chez {summary.organisations} membre(s).\n" + "\n".join(summary.lines[:50])
    )
    return post_message(
        url,
        text,
        timeout=settings.get_int("alerts.webhook_timeout_seconds"),
        attempts=settings.get_int("alerts.webhook_attempts"),
    )


def queue_certificate_digest(session: Session, settings: Settings, days: int = 30) -> int:
    """The CSIRT's daily list of members' website certificates expiring soon; how many were listed."""
    moment = now()
    findings = session.scalars(
        select(Finding)
        .options(joinedload(Finding.asset).joinedload(Asset.organisation), joinedload(Finding.last_result))
        .where(Finding.resolved_at.is_(None), Finding.code.in_(CERTIFICATE_CODES))
    ).all()
    items = []
    for finding in findings:
        left = days_left(finding, moment)
        if left is None or left > days or not finding.asset.organisation.active:
            continue
        details = problem_details(finding)
        items.append(
            {
                "asset": finding.asset.value,
                "organisation": finding.asset.organisation.name,
                "siren": finding.asset.organisation.siren,
                "days_left": left,
                "not_after": str(details.get("not_after", ""))[:10],
            }
        )
    if not items:
        return 0
    items.sort(key=lambda item: (item["days_left"], item["asset"]))
    queue_mail(
        session,
        "certificate_digest",
        [settings.get_str("mail.csirt_address")],
        f"Certificats des membres : {len(items)} expirent dans les {days} jours",
        "certificate_digest",
        {"certificates": items, "days": days},
    )
    return len(items)

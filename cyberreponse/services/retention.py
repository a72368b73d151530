"""Keeping personal data no longer than needed (ASVS 14.2.4; GDPR Art. 5(1)(e)), as
docs/data-protection.md sets out.

Once an incident has been finished (closed, rejected or a duplicate) for `retention.closed_incident_months`,
the reporter's contact details (name, role, e-mail, phone), the attachments and the follow-up links
are erased; the incident itself (reference, classification, timeline, description) stays, as the
CSIRT's record. Sent or abandoned e-mails, which hold copies of report text and addresses, are deleted
after `retention.sent_mail_days`. Each erased incident is recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.models import FollowUpToken, Incident, OutboxMail

FINISHED_STATUSES = ("closed", "rejected", "duplicate")
BATCH = 200


@dataclass(frozen=True)
class RetentionPolicy:
    closed_incident_months: int
    sent_mail_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            closed_incident_months=settings.get_int("retention.closed_incident_months"),
            sent_mail_days=settings.get_int("retention.sent_mail_days"),
        )


@dataclass(frozen=True)
class RetentionReport:
    incidents_erased: int
    mails_deleted: int

    def __str__(self) -> str:
        return f"{self.incidents_erased} incident(s) erased, {self.mails_deleted} e-mail(s) deleted"


def apply_retention(session: Session, actor: Actor, policy: RetentionPolicy) -> RetentionReport:
    """Erase what the policy says is no longer needed, in batches, committing each one."""
    # A month is taken as 31 days: data is never erased early.
    incident_cutoff = now() - timedelta(days=31 * policy.closed_incident_months)
    erased = 0
    while True:
        # `updated_at` moves on every change, so an incident reopened or edited starts its wait again.
        due = session.scalars(
            select(Incident)
            .where(
                Incident.status.in_(FINISHED_STATUSES),
                Incident.updated_at < incident_cutoff,
                Incident.reporter_data_erased_at.is_(None),
            )
            .order_by(Incident.id)
            .limit(BATCH)
        ).all()
        if not due:
            break
        for incident in due:
            _erase_reporter_data(session, actor, incident)
        session.commit()
        erased += len(due)
    mail_cutoff = now() - timedelta(days=policy.sent_mail_days)
    result = session.execute(
        delete(OutboxMail).where(or_(OutboxMail.sent_at < mail_cutoff, OutboxMail.failed_at < mail_cutoff))
    )
    session.commit()
    return RetentionReport(erased, int(getattr(result, "rowcount", 0) or 0))


def _erase_reporter_data(session: Session, actor: Actor, incident: Incident) -> None:
    attachments = len(incident.attachments)
    incident.reporter_name = None
    incident.reporter_role = None
    incident.reporter_email = None
    incident.reporter_phone = None
    incident.attachments.clear()  # delete-orphan: the encrypted content goes with the row
    session.execute(delete(FollowUpToken).where(FollowUpToken.incident_id == incident.id))
    incident.reporter_data_erased_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "incident.retention",
        "incident",
        incident.reference,
        {"attachments_deleted": attachments, "status": incident.status},
    )

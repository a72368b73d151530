"""Legal and advisory deadlines of an incident (DESIGN §5).

`obligations_for` is pure: from the moment the organisation became aware, its NIS2 status and the
incident's flags, it says what is due and when. `sync_obligations` keeps the stored rows in step
when those facts change (obligations already done are kept). `send_deadline_reminders` e-mails the
assignee six hours before a deadline and once it is overdue, each only once.

Durations in hours are elapsed time (24 h across a change to summer time is still 24 h); "one
month" is a calendar month in Paris time, clamped to the month's last day (31 Jan → 28/29 Feb).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import PARIS, as_utc, in_paris, now
from cyberreponse.config import Settings
from cyberreponse.errors import Invalid
from cyberreponse.incident_labels import OBLIGATION_LABELS
from cyberreponse.mail import deliver_pending_mail, queue_mail
from cyberreponse.models import OPEN_STATUSES, Incident, Obligation, TimelineEvent

NIS2_SUBJECT = ("essential", "important")
EARLY_WARNING = timedelta(hours=24)
NOTIFICATION = timedelta(hours=72)
CSIRT_REPLY = timedelta(hours=24)
CNIL = timedelta(hours=72)
REMINDER_AHEAD = timedelta(hours=6)


@dataclass(frozen=True)
class IncidentFacts:
    aware_at: datetime
    nis2_status: str
    significant: bool
    personal_data_breach: bool
    # When obligations were done: the final report counts from the real notification.
    done: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class ObligationSpec:
    kind: str
    due_at: datetime | None


def add_months(moment: datetime, months: int = 1) -> datetime:
    """The same Paris wall-clock time `months` calendar months later, clamped to the month's end."""
    local = in_paris(moment)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    shifted = datetime(year, month, day, local.hour, local.minute, local.second, local.microsecond, PARIS)
    return as_utc(shifted)


def obligations_for(facts: IncidentFacts) -> list[ObligationSpec]:
    aware = as_utc(facts.aware_at)
    specs: list[ObligationSpec] = []
    if facts.nis2_status in NIS2_SUBJECT and facts.significant:
        early_warning = aware + EARLY_WARNING
        notification = aware + NOTIFICATION
        specs += [
            ObligationSpec("nis2_early_warning", early_warning),
            ObligationSpec("nis2_notification", notification),
            ObligationSpec(
                "nis2_final_report", add_months(facts.done.get("nis2_notification", notification), 1)
            ),
            ObligationSpec(
                "csirt_reply", as_utc(facts.done.get("nis2_early_warning", early_warning)) + CSIRT_REPLY
            ),
        ]
    if facts.personal_data_breach:
        specs.append(ObligationSpec("cnil_notification", aware + CNIL))
    specs += [ObligationSpec("police_complaint", None), ObligationSpec("insurer_notice", None)]
    return specs


def facts_of(incident: Incident) -> IncidentFacts:
    organisation = incident.organisation
    return IncidentFacts(
        aware_at=incident.aware_at,
        nis2_status=organisation.nis2_status if organisation is not None else "unknown",
        significant=incident.significant,
        personal_data_breach=incident.personal_data_breach,
        done={o.kind: o.done_at for o in incident.obligations if o.done_at is not None},
    )


def sync_obligations(incident: Incident) -> None:
    """Bring the stored obligations in line with the incident's current facts."""
    wanted = {spec.kind: spec for spec in obligations_for(facts_of(incident))}
    for obligation in list(incident.obligations):
        if obligation.is_done:
            continue
        spec = wanted.get(obligation.kind)
        if spec is None:
            incident.obligations.remove(obligation)
        elif obligation.due_at != spec.due_at:
            obligation.due_at = spec.due_at
            obligation.reminder_sent_at = obligation.overdue_sent_at = None
    present = {obligation.kind for obligation in incident.obligations}
    for kind, spec in wanted.items():
        if kind not in present:
            incident.obligations.append(Obligation(kind=kind, due_at=spec.due_at))
    open_dues = [o.due_at for o in incident.obligations if o.due_at is not None and not o.is_done]
    incident.next_due_at = min(open_dues) if open_dues and incident.is_open else None


def time_left(due_at: datetime | None, at: datetime | None = None) -> timedelta | None:
    return None if due_at is None else as_utc(due_at) - (at or now())


def mark_done(session: Session, actor: Actor, incident: Incident, kind: str) -> Obligation:
    """Record that an obligation was met (by whom, when); the caller has checked the rights."""
    obligation = next((o for o in incident.obligations if o.kind == kind), None)
    if obligation is None:
        raise Invalid("kind", "Cette obligation ne concerne pas cet incident.")
    if obligation.is_done:
        raise Invalid("kind", "Cette obligation est déjà marquée comme faite.")
    obligation.done_at = now()
    obligation.done_by = actor.label
    sync_obligations(incident)
    incident.timeline.append(
        TimelineEvent(
            kind="obligation", actor=actor.label, text=OBLIGATION_LABELS[kind], details={"kind": kind}
        )
    )
    audit.record(session, actor, "incident.obligation_done", "incident", incident.reference, {"kind": kind})
    return obligation


def send_deadline_reminders(session: Session, settings: Settings) -> int:
    """E-mail the assignee (or the CSIRT's address when nobody is assigned) about deadlines due
    within six hours and about overdue ones, each once. Returns how many reminders were queued."""
    current = now()
    due = session.scalars(
        select(Obligation)
        .join(Incident, Obligation.incident_id == Incident.id)
        .where(
            Obligation.done_at.is_(None),
            Obligation.due_at.is_not(None),
            Incident.status.in_(OPEN_STATUSES),
            or_(
                and_(Obligation.reminder_sent_at.is_(None), Obligation.due_at <= current + REMINDER_AHEAD),
                and_(Obligation.overdue_sent_at.is_(None), Obligation.due_at <= current),
            ),
        )
        .options(joinedload(Obligation.incident).joinedload(Incident.assignee))
        .order_by(Obligation.due_at)
        .limit(500)
    ).all()
    base_url = settings.get_str("app.base_url")
    queued = 0
    for obligation in due:
        incident = obligation.incident
        if obligation.due_at is None:  # excluded by the query; keeps the type checker informed
            continue
        overdue = obligation.due_at <= current
        if overdue and obligation.overdue_sent_at is not None:
            continue
        recipient = incident.assignee.email if incident.assignee else settings.get_str("mail.csirt_address")
        label = OBLIGATION_LABELS[obligation.kind]
        state = "en retard" if overdue else "échéance proche"
        queue_mail(
            session,
            "deadline_overdue" if overdue else "deadline_reminder",
            [recipient],
            f"[{incident.reference}] {state} : {label}",
            "deadline_reminder",
            {
                "reference": incident.reference,
                "label": label,
                "overdue": overdue,
                "due_at": in_paris(obligation.due_at).strftime("%d/%m/%Y %H:%M"),
                "link": f"{base_url}/incidents/{incident.reference}",
            },
        )
        if overdue:
            obligation.overdue_sent_at = current
        # Reaching "overdue" first also counts as the advance reminder: never two mails at once.
        obligation.reminder_sent_at = obligation.reminder_sent_at or current
        queued += 1
    session.commit()
    if queued:
        deliver_pending_mail(session, settings)
    return queued

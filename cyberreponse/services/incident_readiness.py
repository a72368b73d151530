"""Is the organisation ready to report an incident within 24 hours (NIS2 Art. 23 early warning)?

Five points, each ok, missing, or not known:
1. a contact receives the CSIRT's alerts (someone to warn, and who warns);
2. that contact can be phoned (an attack at night does not wait for e-mail);
3. someone is in charge of security: a member account (RSSI or référent) or a contact named so, or
   the self-assessment says so;
4. the declarations and their deadlines are known (self-assessment, question `b_declarations`);
5. past incidents (two years) were reported within 24 hours of being detected, and NIS2 early
   warnings were on time.
Ready when all five hold; not ready when nobody receives alerts or nobody is in charge; otherwise
partly ready.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from cyberreponse.models import Incident, Organisation, User, user_organisation
from cyberreponse.services.questionnaire import AnswerValue

READY, PARTLY, NOT_READY = "ready", "partly_ready", "not_ready"
LOOK_BACK = timedelta(days=730)
WITHIN = timedelta(hours=24)
SECURITY_ROLE = re.compile(r"rssi|s[ée]curit[ée]|r[ée]f[ée]rent|dpo", re.IGNORECASE)
REFERENT_QUESTION = "a_referent"
DECLARATIONS_QUESTION = "b_declarations"
IGNORED_STATUSES = ("rejected", "duplicate")


@dataclass(frozen=True)
class ReadinessPoint:
    key: str
    ok: bool | None  # None: not known
    label: str
    detail: str


@dataclass(frozen=True)
class PastIncidents:
    count: int
    timed: int  # incidents whose detection time is known
    within_24h: int
    median_hours: float | None
    early_warnings: int
    early_warnings_late: int


@dataclass(frozen=True)
class IncidentReadiness:
    verdict: str
    points: tuple[ReadinessPoint, ...]
    past: PastIncidents


def past_incidents(incidents: Sequence[Incident], moment: datetime) -> PastIncidents:
    recent = [
        i for i in incidents if i.reported_at >= moment - LOOK_BACK and i.status not in IGNORED_STATUSES
    ]
    delays = [
        (i.reported_at - i.detected_at).total_seconds() / 3600
        for i in recent
        if i.detected_at is not None and i.reported_at >= i.detected_at
    ]
    warnings = [o for i in recent for o in i.obligations if o.kind == "nis2_early_warning" and o.done_at]
    late = [o for o in warnings if o.due_at is not None and o.done_at is not None and o.done_at > o.due_at]
    return PastIncidents(
        count=len(recent),
        timed=len(delays),
        within_24h=sum(1 for hours in delays if hours <= WITHIN.total_seconds() / 3600),
        median_hours=round(statistics.median(delays), 1) if delays else None,
        early_warnings=len(warnings),
        early_warnings_late=len(late),
    )


def _answer(answers: Mapping[str, AnswerValue], question: str) -> int | None:
    value = answers.get(question)
    return value if isinstance(value, int) else None


def judge(
    organisation: Organisation,
    member_accounts: int,
    answers: Mapping[str, AnswerValue],
    past: PastIncidents,
) -> IncidentReadiness:
    alerted = [c for c in organisation.contacts if c.receives_alerts and c.email]
    phoned = [c for c in alerted if c.phone]
    named = [c for c in organisation.contacts if SECURITY_ROLE.search(c.role or "")]
    referent = _answer(answers, REFERENT_QUESTION)
    declarations = _answer(answers, DECLARATIONS_QUESTION)

    officer_ok = bool(member_accounts or named) or (referent is not None and referent >= 2)
    officer_detail = (
        f"{member_accounts} compte(s) RSSI ou référent sur la plateforme ; "
        f"{len(named)} contact(s) dont la fonction touche à la sécurité."
    )
    if past.count == 0:
        past_ok: bool | None = None
        past_detail = "Aucun incident signalé au CSIRT ces deux dernières années."
    else:
        past_ok = past.within_24h == past.timed and past.early_warnings_late == 0
        median = "—" if past.median_hours is None else f"{past.median_hours:.1f}".replace(".", ",")
        past_detail = (
            f"{past.count} incident(s) ces deux dernières années ; {past.within_24h} sur {past.timed} "
            f"signalé(s) dans les 24 heures après leur détection (délai médian : {median} h) ; "
            f"{past.early_warnings_late} alerte(s) précoce(s) NIS2 en retard sur {past.early_warnings}."
        )
    points = (
        ReadinessPoint(
            "alert_contact",
            bool(alerted),
            "Un contact reçoit les alertes du CSIRT",
            f"{len(alerted)} contact(s) reçoivent les alertes.",
        ),
        ReadinessPoint(
            "phone",
            bool(phoned),
            "Ce contact est joignable par téléphone",
            f"{len(phoned)} contact(s) d'alerte avec un numéro de téléphone.",
        ),
        ReadinessPoint(
            "security_officer", officer_ok, "Une personne est chargée de la sécurité", officer_detail
        ),
        ReadinessPoint(
            "declarations",
            None if declarations is None else declarations >= 2,
            "Les déclarations à faire et leurs délais sont connus",
            "D'après l'auto-évaluation."
            if declarations is not None
            else "Pas de réponse dans l'auto-évaluation.",
        ),
        ReadinessPoint(
            "past_incidents", past_ok, "Les incidents passés ont été signalés à temps", past_detail
        ),
    )
    if not alerted or not officer_ok:
        verdict = NOT_READY
    elif all(point.ok is True for point in points if point.key != "past_incidents") and past_ok is not False:
        verdict = READY
    else:
        verdict = PARTLY
    return IncidentReadiness(verdict, points, past)


def incident_readiness(
    session: Session, organisation: Organisation, answers: Mapping[str, AnswerValue], moment: datetime
) -> IncidentReadiness:
    """Read the organisation's accounts and incidents, then judge (the caller checked the scope)."""
    accounts = session.scalar(
        select(func.count(User.id))
        .join(user_organisation, user_organisation.c.user_id == User.id)
        .where(
            user_organisation.c.organisation_id == organisation.id,
            User.role == "member",
            User.active.is_(True),
        )
    )
    incidents = list(
        session.scalars(
            select(Incident)
            .where(Incident.organisation_id == organisation.id, Incident.reported_at >= moment - LOOK_BACK)
            .options(selectinload(Incident.obligations))
        )
    )
    return judge(organisation, int(accounts or 0), answers, past_incidents(incidents, moment))

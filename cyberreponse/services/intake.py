"""Reports coming in: the public form, the phone-intake sheet, and the organisation they name.

A report is stored in one transaction with everything it brings (reference, attachments,
obligations, follow-up link, timeline, audit, queued e-mails): either all of it is stored or
nothing is (ASVS 2.3.3). E-mails are sent after commit by `mail.deliver_pending_mail`. Reports wait
for each other only from the reference's allocation to the commit (services/references.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import PARIS, as_utc, in_paris, now
from cyberreponse.config import Settings
from cyberreponse.crypto import new_token, token_digest
from cyberreponse.errors import Forbidden, Invalid
from cyberreponse.incident_labels import ANSWER_LABELS, SITUATION_LABELS
from cyberreponse.mail import queue_mail
from cyberreponse.models import (
    Attachment,
    FollowUpToken,
    Incident,
    Organisation,
    TimelineEvent,
)
from cyberreponse.services.deadlines import sync_obligations
from cyberreponse.services.references import assign_reference, provisional_reference
from cyberreponse.services.uploads import CheckedFile
from cyberreponse.services.validation import bounded_text, normalise_email, normalise_phone
from cyberreponse.vocabularies import REPORTER_SITUATIONS

SITUATIONS = REPORTER_SITUATIONS
ANSWERS = tuple(ANSWER_LABELS)
TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
_SIREN_SUFFIX = re.compile(r"\((\d{9})\)\s*$")


@dataclass(frozen=True)
class ReportForm:
    """The fields of the form, as typed."""

    organisation: str = ""
    name: str = ""
    role: str = ""
    email: str = ""
    phone: str = ""
    situation: str = ""
    noticed_at: str = ""
    ongoing: str = "unknown"
    personal_data: str = "unknown"
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class NewReport:
    incident: Incident
    follow_up_token: str


def parse_local_datetime(raw: str, field: str) -> datetime | None:
    """A date (and time) typed in Paris time: `2026-11-28T09:30`, `28/11/2026 09:30`, `28/11/2026`."""
    value = (raw or "").strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        moment = as_utc(parsed.replace(tzinfo=PARIS))
        if moment > now() + timedelta(hours=1):
            raise Invalid(field, "Cette date est dans le futur.")
        if parsed.year < 2000:
            raise Invalid(field, "Cette date est trop ancienne.")
        return moment
    raise Invalid(field, "Date non reconnue : utilisez le format JJ/MM/AAAA HH:MM.")


def match_organisation(session: Session, typed: str) -> Organisation | None:
    """The active member the reporter named, when exactly one fits (SIREN, INSEE code or name)."""
    text = " ".join((typed or "").split())
    if not text:
        return None
    suffix = _SIREN_SUFFIX.search(text)
    key = suffix.group(1) if suffix else text.replace(" ", "") if text.replace(" ", "").isdigit() else text
    active = select(Organisation).where(Organisation.active.is_(True))
    if re.fullmatch(r"\d{9}", key):
        query = active.where(Organisation.siren == key)
    elif re.fullmatch(r"(\d{5}|2[AB]\d{3})", key.upper()):
        query = active.where(Organisation.insee_code == key.upper())
    else:
        query = active.where(func.lower(Organisation.name) == key.lower())
    found = session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def find_members(session: Session, typed: str, limit: int = 10) -> list[Organisation]:
    """Members whose name, SIREN or INSEE code contains what was typed (the form's suggestions)."""
    text = " ".join((typed or "").split()).lower()
    if len(text) < 2 or len(text) > 100:
        return []
    pattern = "%" + text.replace("\\", "").replace("%", "").replace("_", "") + "%"
    return list(
        session.scalars(
            select(Organisation)
            .where(
                Organisation.active.is_(True),
                or_(
                    func.lower(Organisation.name).like(pattern),
                    Organisation.siren.like(pattern),
                    Organisation.insee_code.like(pattern),
                ),
            )
            .order_by(Organisation.name)
            .limit(limit)
        )
    )


def validate_report(form: ReportForm) -> tuple[dict[str, object], dict[str, str]]:
    """Every field checked at once, so that the reporter sees all the problems together."""
    errors: dict[str, str] = {}
    clean: dict[str, object] = {}

    def take(key: str, check: object) -> None:
        try:
            clean[key] = check() if callable(check) else check
        except Invalid as error:
            errors[error.field] = error.message

    take(
        "organisation",
        lambda: bounded_text(form.organisation, "organisation", 200, label="Le nom de l'organisation"),
    )
    take("name", lambda: bounded_text(form.name, "name", 200, required=True, label="Votre nom"))
    take("role", lambda: bounded_text(form.role, "role", 200, label="Votre fonction"))
    take("email", lambda: normalise_email(form.email) if form.email.strip() else "")
    take("phone", lambda: normalise_phone(form.phone))
    if (
        not errors.get("email")
        and not errors.get("phone")
        and not clean.get("email")
        and not clean.get("phone")
    ):
        errors["email"] = "Indiquez au moins un e-mail ou un téléphone pour que nous puissions vous rappeler."
    if form.situation not in SITUATIONS:
        errors["situation"] = "Choisissez ce qui ressemble le plus à votre situation (ou « Je ne sais pas »)."
    clean["situation"] = form.situation
    for key, value in (("ongoing", form.ongoing), ("personal_data", form.personal_data)):
        if value not in ANSWERS:
            errors[key] = "Répondez par oui, non ou je ne sais pas."
        clean[key] = value
    take("noticed_at", lambda: parse_local_datetime(form.noticed_at, "noticed_at"))
    take("title", lambda: bounded_text(form.title, "title", TITLE_MAX, label="Le résumé"))
    take(
        "description",
        lambda: bounded_text(
            form.description, "description", DESCRIPTION_MAX, required=True, label="La description"
        ),
    )
    return clean, errors


def attach(
    incident: Incident, files: list[CheckedFile], *, by: str, source: str, internal: bool = False
) -> None:
    for checked in files:
        incident.attachments.append(
            Attachment(
                uploaded_by=by,
                source=source,
                internal=internal,
                display_name=checked.display_name,
                sniffed_type=checked.sniffed_type,
                size=checked.size,
                sha256=checked.sha256,
                content=checked.content,
            )
        )


def new_follow_up_link(incident: Incident, session: Session) -> str:
    token = new_token(32)
    session.add(FollowUpToken(incident=incident, token_digest=token_digest(token)))
    return token


def submit_report(
    session: Session,
    actor: Actor,
    form: ReportForm,
    files: list[CheckedFile],
    settings: Settings,
    *,
    channel: str = "web_form",
) -> NewReport:
    """Store a report (public form or phone call) and queue its e-mails; raise Invalid with every
    field's message when the form is not acceptable, having stored nothing."""
    clean, errors = validate_report(form)
    if errors:
        raise Invalid(next(iter(errors)), "Le formulaire contient des erreurs.", errors)
    organisation = match_organisation(session, str(clean["organisation"]))
    reported_at = now()
    noticed = clean["noticed_at"]
    detected_at = noticed if isinstance(noticed, datetime) else None
    situation = str(clean["situation"])
    title = str(clean["title"]) or SITUATION_LABELS[situation]
    incident = Incident(
        organisation=organisation,
        organisation_hint=str(clean["organisation"]),
        channel=channel,
        reporter_situation=situation,
        reporter_name=str(clean["name"]),
        reporter_role=str(clean["role"]),
        reporter_email=str(clean["email"]),
        reporter_phone=str(clean["phone"]),
        ongoing=str(clean["ongoing"]),
        personal_data_reported=str(clean["personal_data"]),
        title=title,
        description=str(clean["description"]),
        detected_at=detected_at,
        reported_at=reported_at,
        # The legal clocks start when the organisation noticed; the analyst can correct it.
        aware_at=detected_at or reported_at,
        assignee_id=actor.user_id if channel == "phone" else None,
    )
    with session.no_autoflush:
        session.add(incident)
        attach(
            incident,
            files,
            by=str(clean["name"]) if channel == "web_form" else actor.label,
            source="reporter",
        )
        incident.timeline.append(
            TimelineEvent(
                at=reported_at,
                kind="reported",
                actor=actor.label if channel in ("phone", "api") else "déclarant",
                details={"channel": channel, "situation": situation, "attachments": len(files)},
            )
        )
        sync_obligations(incident)
        token = new_follow_up_link(incident, session)
    # Reports wait for each other from the reference's allocation to the commit: everything else
    # is written before (see services/references.py).
    incident.reference = provisional_reference()
    session.flush()
    reference = assign_reference(session, incident, in_paris(reported_at).year)
    set_committed_value(incident, "reference", reference)
    _queue_report_mails(session, incident, token, settings)
    audit.record(
        session,
        actor,
        "incident.report",
        "incident",
        reference,
        {
            "channel": channel,
            "situation": situation,
            "organisation": organisation.siren if organisation else None,
        },
        chain_locked=True,
    )
    session.commit()
    return NewReport(incident, token)


def submit_api_report(session: Session, actor: Actor, form: ReportForm, settings: Settings) -> NewReport:
    """A report sent through the API (no attachments): the public form's rules. A member reports
    for one of their own organisations only: the one they name, or their only one."""
    if not (actor.is_staff or actor.is_member):
        raise Forbidden("Jeton sans droit de signalement.")
    if actor.is_member:
        _, errors = validate_report(form)
        typed = form.organisation.strip()
        organisation = match_organisation(session, typed) if typed else None
        if not typed and len(actor.organisation_ids) == 1:
            organisation = session.get(Organisation, next(iter(actor.organisation_ids)))
        if organisation is None or organisation.id not in actor.organisation_ids:
            errors["organisation"] = "Indiquez le SIREN d'une des organisations de votre compte."
        else:
            form = replace(form, organisation=organisation.siren)
        if errors:
            raise Invalid(next(iter(errors)), "Le formulaire contient des erreurs.", errors)
    return submit_report(session, actor, form, [], settings, channel="api")


def _queue_report_mails(session: Session, incident: Incident, token: str, settings: Settings) -> None:
    base_url = settings.get_str("app.base_url")
    context = {
        "reference": incident.reference,
        "csirt_name": settings.get_str("app.csirt_name"),
        "csirt_phone": settings.get_str("app.csirt_phone"),
        "follow_up_link": f"{base_url}/suivi/{token}",
        "first_actions_link": f"{base_url}/premiers-gestes/{incident.reporter_situation}",
        "incident_link": f"{base_url}/incidents/{incident.reference}",
        "situation": SITUATION_LABELS[incident.reporter_situation],
        "organisation": incident.organisation.name if incident.organisation else incident.organisation_hint,
        "reporter_name": incident.reporter_name,
        "title": incident.title,
        "channel": incident.channel,
        "ongoing": ANSWER_LABELS[incident.ongoing],
        "personal_data": ANSWER_LABELS[incident.personal_data_reported],
    }
    if incident.reporter_email:
        queue_mail(
            session,
            "report_acknowledgement",
            [incident.reporter_email],
            f"Signalement {incident.reference} bien reçu",
            "report_acknowledgement",
            context,
        )
    queue_mail(
        session,
        "report_notification",
        [settings.get_str("mail.csirt_address")],
        f"[{incident.reference}] Nouveau signalement",
        "report_notification",
        context,
    )

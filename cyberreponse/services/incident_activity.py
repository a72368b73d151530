"""What analysts add to an incident: messages, timeline entries, observables, evidence files,
obligations met, a new follow-up link. Members read (never internal items); only staff write."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.errors import Forbidden, Invalid, NotFound
from cyberreponse.incident_labels import OBSERVABLE_LABELS
from cyberreponse.mail import queue_mail
from cyberreponse.models import Attachment, Comment, FollowUpToken, Incident, Observable, TimelineEvent
from cyberreponse.models.incident_parts import MANUAL_TIMELINE_KINDS
from cyberreponse.services import deadlines
from cyberreponse.services.incidents import get_incident
from cyberreponse.services.intake import attach, new_follow_up_link, parse_local_datetime
from cyberreponse.services.observables import normalise_observable
from cyberreponse.services.scoping import require_staff
from cyberreponse.services.uploads import CheckedFile
from cyberreponse.services.validation import bounded_text

COMMENT_MAX = 20_000


def visible_comments(incident: Incident, actor: Actor) -> list[Comment]:
    return [c for c in incident.comments if actor.is_staff or c.shared]


def visible_observables(incident: Incident, actor: Actor) -> list[Observable]:
    return [o for o in incident.observables if actor.is_staff or not o.internal]


def visible_attachments(incident: Incident, actor: Actor) -> list[Attachment]:
    return [a for a in incident.attachments if actor.is_staff or not a.internal]


def _mail_context(incident: Incident, settings: Settings) -> dict[str, str]:
    return {
        "reference": incident.reference,
        "csirt_name": settings.get_str("app.csirt_name"),
        "csirt_phone": settings.get_str("app.csirt_phone"),
    }


def add_comment(
    session: Session, actor: Actor, reference: str, body: str, *, shared: bool, settings: Settings
) -> Comment:
    """A message from the CSIRT: internal, or shared with the reporter (who is told by e-mail)."""
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    text = bounded_text(body, "body", COMMENT_MAX, required=True, label="Le message")
    comment = Comment(author=actor.label, author_kind="staff", body=text, shared=shared)
    incident.comments.append(comment)
    incident.timeline.append(TimelineEvent(kind="comment", actor=actor.label, details={"shared": shared}))
    audit.record(session, actor, "incident.comment", "incident", reference, {"shared": shared})
    if shared and incident.reporter_email:
        queue_mail(
            session,
            "shared_message",
            [incident.reporter_email],
            f"Message du CSIRT au sujet de votre signalement {incident.reference}",
            "shared_message",
            {**_mail_context(incident, settings), "body": text},
        )
    session.commit()
    return comment


def add_timeline_entry(
    session: Session, actor: Actor, reference: str, kind: str, text: str, at: str
) -> TimelineEvent:
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    errors: dict[str, str] = {}
    if kind not in MANUAL_TIMELINE_KINDS:
        errors["kind"] = "Type d'événement inconnu."
    try:
        body = bounded_text(text, "text", 5000, required=True, label="Le texte")
    except Invalid as error:
        errors["text"], body = error.message, ""
    try:
        moment = parse_local_datetime(at, "at") or now()
    except Invalid as error:
        errors["at"], moment = error.message, now()
    if errors:
        raise Invalid(next(iter(errors)), "L'événement contient des erreurs.", errors)
    event = TimelineEvent(at=moment, kind=kind, actor=actor.label, text=body)
    incident.timeline.append(event)
    audit.record(session, actor, "incident.timeline", "incident", reference, {"kind": kind})
    session.commit()
    return event


def add_observables(
    session: Session, actor: Actor, reference: str, kind: str, values: str, *, internal: bool
) -> tuple[list[Observable], int]:
    """One observable per line; all valid or none stored. Returns those added and how many were
    already known (de-duplicated on their normalised form)."""
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    lines = [line for line in (values or "").splitlines() if line.strip()]
    if not lines:
        raise Invalid("value", "Indiquez au moins une valeur.")
    if len(lines) > 200:
        raise Invalid("value", "200 valeurs au plus à la fois.")
    normalised: list[str] = []
    for number, line in enumerate(lines, start=1):
        try:
            value = normalise_observable(kind, line)
        except Invalid as error:
            prefix = f"Ligne {number} : " if len(lines) > 1 else ""
            raise Invalid(error.field, prefix + error.message) from error
        if value not in normalised:
            normalised.append(value)
    known = {o.value for o in incident.observables if o.kind == kind}
    added = [
        Observable(kind=kind, value=value, internal=internal, created_by=actor.label)
        for value in normalised
        if value not in known
    ]
    incident.observables.extend(added)
    if added:
        incident.timeline.append(
            TimelineEvent(
                kind="observable",
                actor=actor.label,
                text=f"{len(added)} × {OBSERVABLE_LABELS[kind]}",
                details={"kind": kind, "count": len(added)},
            )
        )
        audit.record(
            session,
            actor,
            "incident.observables_add",
            "incident",
            reference,
            {"kind": kind, "count": len(added)},
        )
    session.commit()
    return added, len(normalised) - len(added)


def remove_observable(session: Session, actor: Actor, reference: str, observable_id: str) -> None:
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    observable = next((o for o in incident.observables if o.public_id == observable_id), None)
    if observable is None:
        raise NotFound("Observable introuvable.")
    incident.observables.remove(observable)
    audit.record(
        session,
        actor,
        "incident.observable_remove",
        "incident",
        reference,
        {"kind": observable.kind, "value": observable.value},
    )
    session.commit()


def add_attachments(
    session: Session, actor: Actor, reference: str, files: list[CheckedFile], *, internal: bool
) -> None:
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    if not files:
        raise Invalid("attachments", "Choisissez au moins un fichier.")
    attach(incident, files, by=actor.label, source="staff", internal=internal)
    incident.timeline.append(
        TimelineEvent(
            kind="attachment", actor=actor.label, details={"count": len(files), "internal": internal}
        )
    )
    audit.record(
        session,
        actor,
        "incident.attachments_add",
        "incident",
        reference,
        {"sha256": [f.sha256 for f in files]},
    )
    session.commit()


def get_attachment(session: Session, actor: Actor, reference: str, attachment_id: str) -> Attachment:
    """A file of an incident the actor may see; its content is decrypted on access."""
    incident = get_incident(session, actor, reference)
    attachment = session.scalars(
        select(Attachment).where(
            Attachment.incident_id == incident.id, Attachment.public_id == attachment_id[:32]
        )
    ).first()
    if attachment is None or (attachment.internal and not actor.is_staff):
        raise NotFound("Fichier introuvable.")
    audit.record(
        session, actor, "incident.attachment_download", "incident", reference, {"sha256": attachment.sha256}
    )
    session.commit()
    return attachment


def mark_obligation_done(session: Session, actor: Actor, reference: str, kind: str) -> None:
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    deadlines.mark_done(session, actor, incident, kind)
    session.commit()


def renew_follow_up_link(session: Session, actor: Actor, reference: str, settings: Settings) -> str:
    """Revoke the reporter's links and make a new one, e-mailed to the reporter when possible.
    The new link is returned once (to read it out on the phone)."""
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    for old in session.scalars(
        select(FollowUpToken).where(
            FollowUpToken.incident_id == incident.id, FollowUpToken.revoked_at.is_(None)
        )
    ):
        old.revoked_at = now()
    token = new_follow_up_link(incident, session)
    link = f"{settings.get_str('app.base_url')}/suivi/{token}"
    incident.timeline.append(TimelineEvent(kind="follow_up", actor=actor.label, details={"renewed": True}))
    audit.record(session, actor, "incident.follow_up_renew", "incident", reference)
    if incident.reporter_email:
        queue_mail(
            session,
            "follow_up_link",
            [incident.reporter_email],
            f"Nouveau lien de suivi pour votre signalement {incident.reference}",
            "follow_up_link",
            {**_mail_context(incident, settings), "follow_up_link": link},
        )
    session.commit()
    return link


def add_member_message(
    session: Session, actor: Actor, reference: str, body: str, settings: Settings
) -> Comment:
    """A message from a member user about one of their organisation's incidents. It is always
    shared (the CSIRT, the organisation and the reporter read it: members never write internal
    notes); the assignee, or the CSIRT's address, is told by e-mail."""
    if not actor.is_member:
        raise Forbidden("Réservé aux comptes membres.")
    incident = get_incident(session, actor, reference)
    text = bounded_text(body, "body", COMMENT_MAX, required=True, label="Le message")
    comment = Comment(author=actor.label, author_kind="member", body=text, shared=True)
    incident.comments.append(comment)
    incident.timeline.append(
        TimelineEvent(kind="comment", actor=actor.label, details={"from": "member", "shared": True})
    )
    audit.record(
        session, actor, "incident.comment", "incident", reference, {"shared": True, "from": "member"}
    )
    recipient = incident.assignee.email if incident.assignee else settings.get_str("mail.csirt_address")
    queue_mail(
        session,
        "member_message",
        [recipient],
        f"[{incident.reference}] Nouveau message d'un membre",
        "member_message",
        {
            "reference": incident.reference,
            "author": actor.label,
            "incident_link": f"{settings.get_str('app.base_url')}/incidents/{incident.reference}",
        },
    )
    session.commit()
    return comment

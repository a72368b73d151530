"""The reporter's side, reached only through the private follow-up link (no account).

The token is looked up by its SHA-256 (an indexed equality on a digest, so the time taken says
nothing about how close a guess was); an unknown, malformed or revoked token is simply NotFound.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.config import Settings
from cyberreponse.crypto import token_digest
from cyberreponse.errors import Invalid, NotFound
from cyberreponse.mail import queue_mail
from cyberreponse.models import Comment, FollowUpToken, Incident, TimelineEvent
from cyberreponse.services.incident_activity import COMMENT_MAX
from cyberreponse.services.intake import attach
from cyberreponse.services.uploads import CheckedFile
from cyberreponse.services.validation import bounded_text

REPORTER = Actor(label="déclarant", role="reporter")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,100}")


def incident_for_token(session: Session, token: str) -> Incident:
    # Malformed tokens still cost one digest and one query, like any wrong token.
    digest = token_digest(token if _TOKEN.fullmatch(token or "") else "-")
    incident = session.scalars(
        select(Incident)
        .join(FollowUpToken, FollowUpToken.incident_id == Incident.id)
        .where(FollowUpToken.token_digest == digest, FollowUpToken.revoked_at.is_(None))
    ).first()
    if incident is None:
        raise NotFound("Ce lien de suivi n'existe pas ou n'est plus valable.")
    return incident


def shared_messages(incident: Incident) -> list[Comment]:
    """What the reporter may read: their own messages and the CSIRT's shared ones."""
    return [comment for comment in incident.comments if comment.shared]


def add_reporter_message(
    session: Session,
    token: str,
    body: str,
    files: list[CheckedFile],
    settings: Settings,
    ip: str | None = None,
) -> Incident:
    incident = incident_for_token(session, token)
    text = bounded_text(body, "body", COMMENT_MAX, label="Le message")
    if not text and not files:
        raise Invalid("body", "Écrivez un message ou joignez un fichier.")
    actor = Actor(label=REPORTER.label, role=REPORTER.role, ip=ip)
    if text:
        incident.comments.append(Comment(author=actor.label, author_kind="reporter", body=text, shared=True))
    attach(incident, files, by=actor.label, source="reporter")
    incident.timeline.append(
        TimelineEvent(
            kind="comment", actor=actor.label, details={"from": "reporter", "attachments": len(files)}
        )
    )
    audit.record(
        session,
        actor,
        "incident.reporter_message",
        "incident",
        incident.reference,
        {"attachments": len(files)},
    )
    recipient = incident.assignee.email if incident.assignee else settings.get_str("mail.csirt_address")
    queue_mail(
        session,
        "reporter_message",
        [recipient],
        f"[{incident.reference}] Nouveau message du déclarant",
        "reporter_message",
        {
            "reference": incident.reference,
            "has_message": bool(text),
            "files": len(files),
            "incident_link": f"{settings.get_str('app.base_url')}/incidents/{incident.reference}",
        },
    )
    session.commit()
    return incident

"""Scoped queries: a member user only ever reaches their own organisations' rows.

Every service that loads member data starts from these selects, so that scoping is enforced
in the query and not left to templates.
"""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.errors import Forbidden, NotFound
from cyberreponse.models import Organisation


def scoped_organisations(actor: Actor) -> Select[Organisation]:
    query = select(Organisation)
    if actor.is_staff:
        return query
    if not actor.organisation_ids:
        return query.where(false())
    return query.where(Organisation.id.in_(actor.organisation_ids))


def organisation_in_scope(session: Session, actor: Actor, siren: str) -> Organisation:
    """The organisation with this SIREN, or NotFound — also when it exists outside the actor's scope."""
    organisation = session.scalars(scoped_organisations(actor).where(Organisation.siren == siren)).first()
    if organisation is None:
        raise NotFound("Organisation introuvable.")
    return organisation


def require_staff(actor: Actor) -> None:
    if not actor.is_staff:
        raise Forbidden("Action réservée à l'équipe du CSIRT.")


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("Action réservée aux administrateurs.")

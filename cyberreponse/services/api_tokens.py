"""API tokens: issued to a user (shown once), stored as SHA-256, expiring, revocable.

A token acts with its user's current role and organisations (through `actor_for`), so a change of
rights applies at once; disabling the user revokes all their tokens. Issuing one from the web
requires the password and a TOTP code again (ASVS 6.3.3): a stolen session alone cannot mint a
long-lived credential.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.crypto import new_token, token_digest
from cyberreponse.errors import Forbidden, Invalid, NotFound, Unauthenticated
from cyberreponse.logs import log_event
from cyberreponse.models import ApiToken, User
from cyberreponse.services.authentication import find_user, verify_totp
from cyberreponse.services.passwords import verify_password
from cyberreponse.services.scoping import require_admin
from cyberreponse.services.validation import bounded_text

logger = logging.getLogger(__name__)

# Writing last_used_at on every call would turn each API read into a write.
_TOUCH_INTERVAL = timedelta(seconds=60)
MAX_LISTED = 100


@dataclass(frozen=True)
class TokenPolicy:
    default_days: int
    max_days: int


def _lifetime(days: int | None, policy: TokenPolicy) -> timedelta:
    chosen = policy.default_days if days is None else days
    if not 1 <= chosen <= policy.max_days:
        raise Invalid("days", f"La durée de validité va de 1 à {policy.max_days} jours.")
    return timedelta(days=chosen)


def issue_token(
    session: Session, actor: Actor, user: User, name: str, days: int | None, policy: TokenPolicy
) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it and the secret, which is never stored nor shown again."""
    if not user.active:
        raise Invalid("email", "Ce compte est désactivé.")
    label = bounded_text(name, "name", 100, required=True, label="Le nom du jeton")
    secret = new_token(32)
    moment = now()
    token = ApiToken(
        user_id=user.id,
        name=label,
        token_digest=token_digest(secret),
        created_at=moment,
        expires_at=moment + _lifetime(days, policy),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor,
        "api_token.create",
        "user",
        user.public_id,
        {"token": token.public_id, "name": label, "expires_at": token.expires_at.isoformat()},
    )
    session.commit()
    return token, secret


def issue_token_for_email(
    session: Session, actor: Actor, email: str, name: str, days: int | None, policy: TokenPolicy
) -> tuple[ApiToken, str]:
    """The CLI's way: an administrator issues a token for an account."""
    require_admin(actor)
    user = find_user(session, email)
    if user is None:
        raise NotFound("Aucun compte n'a cette adresse.")
    return issue_token(session, actor, user, name, days, policy)


def issue_own_token(
    session: Session,
    actor: Actor,
    user: User,
    *,
    password: str,
    totp_code: str,
    name: str,
    days: int | None,
    policy: TokenPolicy,
) -> tuple[ApiToken, str]:
    """A user issues a token for themselves after proving both factors again."""
    if not user.totp_enabled:
        raise Forbidden("Activez la double authentification avant de créer un jeton d'API.")
    label = bounded_text(name, "name", 100, required=True, label="Le nom du jeton")
    _lifetime(days, policy)  # refuse a bad duration before spending a TOTP code on it
    ip = actor.ip or ""
    if not (verify_password(user.password_hash, password) and verify_totp(session, user, totp_code, ip)):
        log_event(logger, "api_token.reauth_failed", level=logging.WARNING, user=user.public_id, ip=ip)
        raise Unauthenticated("Mot de passe ou code de vérification incorrect : aucun jeton créé.")
    return issue_token(session, actor, user, label, days, policy)


def list_own_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
            .limit(MAX_LISTED)
        )
    )


def revoke_own_token(session: Session, actor: Actor, user: User, public_id: str) -> ApiToken:
    token = session.scalars(
        select(ApiToken).where(ApiToken.public_id == public_id, ApiToken.user_id == user.id)
    ).first()
    if token is None:
        raise NotFound("Jeton introuvable.")
    if token.revoked_at is None:
        token.revoked_at = now()
        audit.record(session, actor, "api_token.revoke", "user", user.public_id, {"token": token.public_id})
        session.commit()
    return token


def revoke_all_tokens(session: Session, user_id: int) -> int:
    """Revoke every live token of a user (the caller commits); return how many."""
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    return int(getattr(result, "rowcount", 0) or 0)


def authenticate(session: Session, secret: str) -> tuple[User, ApiToken] | None:
    """The user and token behind a bearer secret, or None if unknown, expired, revoked or disabled."""
    token = session.scalars(select(ApiToken).where(ApiToken.token_digest == token_digest(secret))).first()
    moment = now()
    if token is None or not token.is_live(moment) or not token.user.active:
        return None
    if token.last_used_at is None or moment - token.last_used_at > _TOUCH_INTERVAL:
        token.last_used_at = moment
        session.commit()
    return token.user, token

"""Accounts: creation, roles and organisations, passwords, locks, TOTP resets, disabling."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import ROLES, Actor
from cyberreponse.clock import now
from cyberreponse.errors import Conflict, Invalid, NotFound
from cyberreponse.models import Organisation, User
from cyberreponse.services.api_tokens import revoke_all_tokens
from cyberreponse.services.passwords import check_policy, hash_password, verify_password
from cyberreponse.services.scoping import require_admin
from cyberreponse.services.sessions import end_all_sessions, end_sessions_by_prefix
from cyberreponse.services.validation import bounded_text, normalise_email

# How long a one-time password waits for its first use: long enough for a weekend between the
# CSIRT's phone call and the first sign-in, short enough that a forgotten one dies (ASVS 6.4.1).
ONE_TIME_PASSWORD_LIFETIME = timedelta(hours=72)


def one_time_password() -> str:
    """A password shown once to hand over (144 random bits); the user must replace it at first
    login. It expires after ONE_TIME_PASSWORD_LIFETIME and opens a single sign-in."""
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def one_time_password_notice() -> str:
    """What the command line says under a one-time password it prints."""
    hours = int(ONE_TIME_PASSWORD_LIFETIME.total_seconds() // 3600)
    return f"It opens one sign-in and expires in {hours} hours."


def _give_one_time_password(user: User) -> str:
    password = one_time_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.password_expires_at = now() + ONE_TIME_PASSWORD_LIFETIME
    return password


def actor_for(user: User, ip: str | None = None) -> Actor:
    return Actor(
        label=user.email,
        role=user.role,
        user_id=user.id,
        organisation_ids=frozenset(o.id for o in user.organisations),
        ip=ip,
    )


def _organisations(session: Session, sirens: Sequence[str]) -> list[Organisation]:
    wanted = {s.strip() for s in sirens if s.strip()}
    found = list(session.scalars(select(Organisation).where(Organisation.siren.in_(wanted))))
    missing = wanted - {o.siren for o in found}
    if missing:
        raise Invalid("organisations", "SIREN inconnu : " + ", ".join(sorted(missing)))
    return found


@dataclass(frozen=True)
class NewUser:
    email: str
    role: str
    name: str = ""
    organisation_sirens: tuple[str, ...] = ()
    password: str | None = None  # None: a one-time password is generated


def create_user(
    session: Session, actor: Actor, data: NewUser, min_length: int = 12
) -> tuple[User, str | None]:
    """Create an account; return it and the one-time password when one was generated."""
    require_admin(actor)
    email = normalise_email(data.email)
    if data.role not in ROLES:
        raise Invalid("role", "Rôle inconnu (admin, analyst, member).")
    name = bounded_text(data.name, "name", 200, label="Le nom")
    if session.scalars(select(User).where(User.email == email)).first() is not None:
        raise Conflict("Un compte existe déjà pour cette adresse.")
    organisations = _organisations(session, data.organisation_sirens)
    if data.role == "member" and not organisations:
        raise Invalid("organisations", "Un compte membre doit être rattaché à au moins une organisation.")
    if data.password is not None:
        check_policy(data.password, email, min_length)
    user = User(
        email=email,
        name=name,
        role=data.role,
        password_hash=hash_password(data.password) if data.password is not None else "",
        must_change_password=False,
        organisations=organisations if data.role == "member" else [],
    )
    generated = _give_one_time_password(user) if data.password is None else None
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        user.public_id,
        {"email": email, "role": data.role, "organisations": sorted(o.siren for o in organisations)},
    )
    session.commit()
    return user, generated


def get_user(session: Session, actor: Actor, public_id: str) -> User:
    require_admin(actor)
    user = session.scalars(select(User).where(User.public_id == public_id)).first()
    if user is None:
        raise NotFound("Compte introuvable.")
    return user


def list_users(session: Session, actor: Actor) -> list[User]:
    require_admin(actor)
    return list(session.scalars(select(User).order_by(User.role, User.email)))


def update_user(
    session: Session,
    actor: Actor,
    public_id: str,
    *,
    name: str,
    role: str,
    organisation_sirens: Sequence[str],
) -> User:
    user = get_user(session, actor, public_id)
    if role not in ROLES:
        raise Invalid("role", "Rôle inconnu (admin, analyst, member).")
    organisations = _organisations(session, organisation_sirens)
    if role == "member" and not organisations:
        raise Invalid("organisations", "Un compte membre doit être rattaché à au moins une organisation.")
    before = {"role": user.role, "organisations": sorted(o.siren for o in user.organisations)}
    user.name = bounded_text(name, "name", 200, label="Le nom")
    user.role = role
    user.organisations = organisations if role == "member" else []
    after = {"role": role, "organisations": sorted(o.siren for o in user.organisations)}
    if before != after:
        # Rights changed: make the user sign in again under the new ones.
        end_all_sessions(session, user.id)
    audit.record(session, actor, "user.update", "user", user.public_id, {"before": before, "after": after})
    session.commit()
    return user


def change_own_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    keep_session: str | None,
    min_length: int,
    ip: str,
) -> int:
    """Change one's password; other sessions end (the current one stays when `keep_session` is given)."""
    if not verify_password(user.password_hash, current):
        raise Invalid("current_password", "Mot de passe actuel incorrect.")
    if new == current:
        raise Invalid("password", "Le nouveau mot de passe doit être différent de l'actuel.")
    check_policy(new, user.email, min_length)
    user.password_hash = hash_password(new)
    user.password_changed_at = now()
    user.must_change_password = False
    user.password_expires_at = None
    ended = end_all_sessions(session, user.id, keep_token=keep_session)
    audit.record(
        session,
        actor_for(user, ip),
        "user.password_changed",
        "user",
        user.public_id,
        {"sessions_ended": ended},
    )
    session.commit()
    return ended


def set_first_password(session: Session, user: User, new: str, *, min_length: int, ip: str) -> None:
    """Replace a one-time password during the first sign-in (the password was just checked)."""
    if verify_password(user.password_hash, new):
        raise Invalid("password", "Choisissez un mot de passe différent du mot de passe provisoire.")
    check_policy(new, user.email, min_length)
    user.password_hash = hash_password(new)
    user.password_changed_at = now()
    user.must_change_password = False
    user.password_expires_at = None
    end_all_sessions(session, user.id)
    audit.record(
        session, actor_for(user, ip), "user.password_changed", "user", user.public_id, {"first": True}
    )
    session.commit()


def admin_reset_password(session: Session, actor: Actor, public_id: str) -> str:
    """A new one-time password; sessions end. TOTP is kept: a reset never bypasses MFA."""
    user = get_user(session, actor, public_id)
    password = _give_one_time_password(user)
    user.failed_logins = 0
    user.locked_until = None
    end_all_sessions(session, user.id)
    audit.record(session, actor, "user.password_reset", "user", user.public_id)
    session.commit()
    return password


def end_own_sessions(
    session: Session,
    user: User,
    password: str,
    *,
    digest_prefixes: Sequence[str] | None,
    keep_session: str | None,
    ip: str,
) -> int:
    """End some (`digest_prefixes`) or all (None) of one's other sessions, after giving the password
    again (ASVS 7.5.2): whoever borrowed an open browser cannot throw the owner out."""
    if not verify_password(user.password_hash, password):
        raise Invalid("sessions_password", "Mot de passe incorrect : aucune session n'a été fermée.")
    if digest_prefixes is None:
        ended = end_all_sessions(session, user.id, keep_token=keep_session)
    else:
        ended = end_sessions_by_prefix(session, user.id, digest_prefixes, keep_token=keep_session)
    audit.record(
        session, actor_for(user, ip), "user.sessions_ended", "user", user.public_id, {"ended": ended}
    )
    session.commit()
    return ended


def admin_end_sessions(session: Session, actor: Actor, public_id: str) -> int:
    """An administrator signs a person out everywhere (ASVS 7.4.5), e.g. after a lost laptop;
    the account stays usable."""
    user = get_user(session, actor, public_id)
    ended = end_all_sessions(session, user.id)
    audit.record(session, actor, "user.sessions_ended", "user", user.public_id, {"ended": ended})
    session.commit()
    return ended


def admin_reset_totp(session: Session, actor: Actor, public_id: str) -> User:
    """For a lost device, after the CSIRT checked the person's identity out of band: the user
    enrols a new TOTP at their next sign-in, which still needs their password."""
    user = get_user(session, actor, public_id)
    user.totp_secret = None
    user.totp_enabled = False
    user.totp_last_step = None
    user.recovery_codes = []
    end_all_sessions(session, user.id)
    audit.record(session, actor, "user.totp_reset", "user", user.public_id)
    session.commit()
    return user


def unlock(session: Session, actor: Actor, public_id: str) -> User:
    user = get_user(session, actor, public_id)
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "user.unlocked", "user", user.public_id)
    session.commit()
    return user


def set_active(session: Session, actor: Actor, public_id: str, active: bool) -> User:
    user = get_user(session, actor, public_id)
    if not active and user.id == actor.user_id:
        raise Invalid("active", "Vous ne pouvez pas désactiver votre propre compte.")
    user.active = active
    details: dict[str, int] = {}
    if not active:
        # A disabled account loses every way in: browser sessions and API tokens (ASVS 7.4.2).
        details["sessions_ended"] = end_all_sessions(session, user.id)
        details["tokens_revoked"] = revoke_all_tokens(session, user.id)
    audit.record(
        session, actor, "user.enabled" if active else "user.disabled", "user", user.public_id, details
    )
    session.commit()
    return user


def any_admin(session: Session) -> bool:
    return session.scalars(select(User.id).where(User.role == "admin").limit(1)).first() is not None

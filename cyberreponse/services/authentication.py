"""Sign-in: password check with lock-out, TOTP (single use, ±30 s) and recovery codes."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.crypto import token_digest
from cyberreponse.logs import log_event
from cyberreponse.models import RecoveryCode, User
from cyberreponse.services.passwords import hash_password, needs_rehash, verify_password
from cyberreponse.services.sessions import end_all_sessions

logger = logging.getLogger(__name__)

TOTP_STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int
    lock_minutes: int


@dataclass(frozen=True)
class PasswordOutcome:
    user: User | None
    locked: bool = False
    # The right one-time password, but past its lifetime or already used once (ASVS 6.4.1).
    expired: bool = False


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def check_password(
    session: Session, email: str, password: str, policy: LockoutPolicy, ip: str
) -> PasswordOutcome:
    """First factor. Failures count towards a temporary lock; the answer never says which part was wrong."""
    user = find_user(session, email)
    moment = now()
    if user is not None and user.locked_until is not None and user.locked_until > moment:
        verify_password(None, password)  # same work as any other attempt
        log_event(logger, "login.refused_locked", user=user.public_id, ip=ip)
        return PasswordOutcome(None, locked=True)
    if user is None or not user.active or not verify_password(user.password_hash, password):
        if user is not None:
            _count_failure(session, user, policy, ip)
        log_event(logger, "login.failed", level=logging.WARNING, user=user.public_id if user else None, ip=ip)
        return PasswordOutcome(None)
    user.failed_logins = 0
    user.locked_until = None
    if user.password_expires_at is not None:
        if user.password_expires_at <= moment:
            session.commit()
            log_event(
                logger, "login.one_time_password_expired", level=logging.WARNING, user=user.public_id, ip=ip
            )
            return PasswordOutcome(None, expired=True)
        # Single use: this sign-in carries on (its pending stages last minutes) to the choice of a
        # new password, but the one-time password will not open another one.
        user.password_expires_at = moment
    elif needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.commit()
    return PasswordOutcome(user)


def _count_failure(session: Session, user: User, policy: LockoutPolicy, ip: str) -> None:
    user.failed_logins += 1
    if user.failed_logins >= policy.max_failures:
        user.locked_until = now() + timedelta(minutes=policy.lock_minutes)
        user.failed_logins = 0
        audit.record(
            session,
            Actor(label="system", role="admin", ip=ip),
            "user.locked",
            "user",
            user.public_id,
            {"minutes": policy.lock_minutes},
        )
    session.commit()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (now, or one step either side) whose code matches, compared in constant time."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now().timestamp()) // TOTP_STEP_SECONDS
    found = None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def verify_totp(session: Session, user: User, code: str, ip: str) -> bool:
    """Second factor: a code is accepted once, within ±30 s, and never after a later one."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        log_event(logger, "totp.failed", level=logging.WARNING, user=user.public_id, ip=ip)
        return False
    user.totp_last_step = step
    session.commit()
    return True


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def confirm_totp_enrolment(
    session: Session, user: User, secret: str, code: str, ip: str, *, action: str = "user.totp_enrolled"
) -> list[str] | None:
    """Turn TOTP on once the user proves their app has the secret; return fresh recovery codes.
    The old secret and every old recovery code stop working at once."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled = True
    user.totp_last_step = step
    codes = _replace_recovery_codes(user)
    audit.record(
        session,
        Actor(label=user.email, role=user.role, user_id=user.id, ip=ip),
        action,
        "user",
        user.public_id,
    )
    session.commit()
    return codes


def replace_totp(
    session: Session, user: User, secret: str, code: str, ip: str, *, keep_session: str | None
) -> list[str] | None:
    """A new authenticator app, after a re-authentication: the old secret, the old recovery codes
    and every other open session end (ASVS 7.4.3), as after a password change."""
    codes = confirm_totp_enrolment(session, user, secret, code, ip, action="user.totp_replaced")
    if codes is not None:
        end_all_sessions(session, user.id, keep_token=keep_session)
        session.commit()
    return codes


def reauthenticate(session: Session, user: User, password: str, code: str, ip: str) -> bool:
    """Proof that the person at the keyboard is the account's owner, asked again before the second
    factor or the recovery codes change (ASVS 7.5.1): the password, and a TOTP code not used before
    when TOTP is on. A stolen open session alone can thus not swap in the thief's authenticator."""
    if not user.active or not verify_password(user.password_hash, password):
        log_event(
            logger, "reauth.failed", level=logging.WARNING, user=user.public_id, ip=ip, reason="password"
        )
        return False
    if user.totp_enabled and not verify_totp(session, user, code, ip):
        log_event(logger, "reauth.failed", level=logging.WARNING, user=user.public_id, ip=ip, reason="totp")
        return False
    return True


# 32 unambiguous symbols (5 bits each), 5 groups of 5: 125 random bits per code. At 112 bits or more a
# plain SHA-256 is enough to store a lookup secret (ASVS 6.5.2): nobody can enumerate the codes.
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
RECOVERY_GROUPS = 5


def _replace_recovery_codes(user: User) -> list[str]:
    codes = [
        "-".join(
            "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_GROUPS))
            for _ in range(RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    user.recovery_codes = [RecoveryCode(code_digest=token_digest(code)) for code in codes]
    return codes


def use_recovery_code(session: Session, user: User, code: str, ip: str) -> bool:
    """A recovery code replaces one TOTP code, once."""
    digest = token_digest(code.strip().upper().replace(" ", ""))
    for record in user.recovery_codes:
        if record.used_at is None and hmac.compare_digest(record.code_digest, digest):
            record.used_at = now()
            audit.record(
                session,
                Actor(label=user.email, role=user.role, user_id=user.id, ip=ip),
                "user.recovery_code_used",
                "user",
                user.public_id,
                {"left": sum(1 for r in user.recovery_codes if r.used_at is None)},
            )
            session.commit()
            return True
    log_event(logger, "recovery_code.failed", level=logging.WARNING, user=user.public_id, ip=ip)
    return False


def record_login(session: Session, user: User, ip: str) -> None:
    """A completed sign-in: in the audit trail and in the log, like the failures (ASVS 16.3.1)."""
    log_event(logger, "login.succeeded", user=user.public_id, ip=ip)
    user.last_login_at = now()
    audit.record(
        session,
        Actor(label=user.email, role=user.role, user_id=user.id, ip=ip),
        "user.login",
        "user",
        user.public_id,
    )
    session.commit()

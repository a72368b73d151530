"""Server-side sessions: the browser holds a random token, the database its SHA-256.

A session ends on logout, after `security.session_idle_minutes` without a request, after
`security.session_max_hours` in all, and whenever the account is disabled or its password changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.crypto import new_token, token_digest
from cyberreponse.models import User, UserSession

# Writing last_seen on every request would turn each page view into a write.
_TOUCH_INTERVAL = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    absolute: timedelta


def start_session(session: Session, user: User, ip: str, user_agent: str) -> str:
    token = new_token()
    session.add(
        UserSession(
            user_id=user.id, token_digest=token_digest(token), ip=ip[:45], user_agent=user_agent[:200]
        )
    )
    return token


def rotate_session(session: Session, token: str, user: User, ip: str, user_agent: str) -> str:
    """A new session id once the user proved who they are again (ASVS 7.2.4); the old id ends."""
    end_session(session, token)
    fresh = start_session(session, user, ip, user_agent)
    session.commit()
    return fresh


def user_for_session(session: Session, token: str, policy: SessionPolicy) -> User | None:
    """The user of a live session, or None if it ended for any reason."""
    record = session.scalars(
        select(UserSession).where(UserSession.token_digest == token_digest(token))
    ).first()
    if record is None or record.revoked_at is not None:
        return None
    moment = now()
    if moment - record.last_seen_at > policy.idle or moment - record.created_at > policy.absolute:
        record.revoked_at = moment
        session.commit()
        return None
    user = record.user
    if not user.active:
        return None
    if moment - record.last_seen_at > _TOUCH_INTERVAL:
        record.last_seen_at = moment
        session.commit()
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(
        update(UserSession)
        .where(UserSession.token_digest == token_digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )


def end_all_sessions(session: Session, user_id: int, keep_token: str | None = None) -> int:
    """End every session of a user (but the current one, if given); return how many ended."""
    statement = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_token is not None:
        statement = statement.where(UserSession.token_digest != token_digest(keep_token))
    result = session.execute(statement.values(revoked_at=now()))
    return int(getattr(result, "rowcount", 0) or 0)


def live_sessions(session: Session, user_id: int) -> list[UserSession]:
    return list(
        session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )


def end_sessions_by_prefix(
    session: Session, user_id: int, digest_prefixes: Sequence[str], keep_token: str | None = None
) -> int:
    """End some of the user's own sessions, named in pages by the first 16 hex digits of their
    digest (never the current one); return how many ended."""
    wanted = {p for p in digest_prefixes if len(p) == 16 and all(c in "0123456789abcdef" for c in p)}
    keep = token_digest(keep_token) if keep_token else None
    ended = 0
    for record in live_sessions(session, user_id):
        if record.token_digest[:16] in wanted and record.token_digest != keep:
            record.revoked_at = now()
            ended += 1
    return ended


def purge_ended_sessions(session: Session, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete sessions revoked (or idle) for longer than `older_than`; they are of no use any more."""
    cutoff = now() - older_than
    result = session.execute(
        delete(UserSession).where((UserSession.revoked_at < cutoff) | (UserSession.last_seen_at < cutoff))
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)

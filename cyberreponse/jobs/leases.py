"""Database leases: at most one holder per name at a time, even across machines.

A lease is taken by an UPDATE that only succeeds when the lease is free, expired or already ours
(or by the INSERT of a new row, which the primary key makes exclusive), so the database decides
between two processes racing for it.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.models import JobLease


def acquire(session: Session, name: str, holder: str, ttl: timedelta) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + ttl."""
    moment = now()
    result = session.execute(
        update(JobLease)
        .where(JobLease.name == name, or_(JobLease.holder == holder, JobLease.expires_at < moment))
        .values(holder=holder, acquired_at=moment, expires_at=moment + ttl)
    )
    if getattr(result, "rowcount", 0):
        session.commit()
        return True
    session.rollback()
    try:
        session.add(JobLease(name=name, holder=holder, acquired_at=moment, expires_at=moment + ttl))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def release(session: Session, name: str, holder: str) -> None:
    session.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))
    session.commit()


def holder_of(session: Session, name: str) -> str | None:
    lease = session.get(JobLease, name)
    if lease is None or lease.expires_at < now():
        return None
    return lease.holder

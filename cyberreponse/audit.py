"""Append to and verify the hash-chained audit log.

Each row's hash covers its own content and the previous row's hash, so changing or deleting a
row breaks the chain at that point. Appends are serialised (an advisory lock on PostgreSQL;
SQLite's single writer, held before the chain's end is read) so that two transactions never chain
to the same predecessor.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import Executable, LargeBinary, Table, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.clock import as_utc, now
from cyberreponse.models import AuditEvent

GENESIS = "0" * 64
PG_CHAIN_LOCK = 0x43524155  # "CRAU": one advisory lock for the audit chain


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "at": as_utc(event.at).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "actor_user_id": event.actor_user_id,
        "ip": event.ip,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any] | None = None,
    *,
    chain_locked: bool = False,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (committed with the change it describes).
    `chain_locked`: the transaction already holds the chain's lock (PG_CHAIN_LOCK)."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and not chain_locked:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_CHAIN_LOCK})
    session.flush()
    event = AuditEvent(
        at=now(),
        actor=actor.label,
        actor_user_id=actor.user_id,
        ip=actor.ip,
        action=action,
        object_type=object_type,
        object_id=object_id,
        # Round-trip through JSON so the hashed form is exactly what the database gives back.
        details=json.loads(json.dumps(details or {}, default=str)),
        prev_hash=GENESIS,
    )
    if postgres:
        return _append_hashed_by_server(session, event)
    # SQLite: the row is written first, with a stand-in hash, so that the transaction holds the
    # database's write lock before it reads the chain's end (a transaction that had written
    # nothing yet would otherwise read it unlocked, and two could chain to the same row).
    event.hash = secrets.token_hex(32)
    session.add(event)
    session.flush()
    last = session.scalars(
        select(AuditEvent.hash).where(AuditEvent.id < event.id).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    event.prev_hash = last or GENESIS
    event.hash = compute_hash(event)
    session.flush()
    return event


_SERVER_HASHED = ("at", "actor", "actor_user_id", "ip", "action", "object_type", "object_id", "details")


def _append_hashed_by_server(session: Session, event: AuditEvent) -> AuditEvent:
    """PostgreSQL reads the chain's last hash and hashes the new row in the INSERT itself: one
    statement instead of a read then a write while the chain is locked (reports wait on that
    lock). The row's canonical form is built here, around its `prev_hash`; PostgreSQL only puts
    the previous hash in the middle and takes the SHA-256, so `compute_hash` verifies it as is."""
    # A random stand-in for the previous hash, found exactly once in the canonical form.
    event.prev_hash = secrets.token_hex(32)
    before, after = _canonical(event).split(event.prev_hash.encode())
    values = {name: getattr(event, name) for name in _SERVER_HASHED}
    parameters = {**values, "before": before, "after": after}
    stored: AuditEvent = session.scalars(_server_hashed_insert(), parameters).one()
    return stored


@cache
def _server_hashed_insert() -> Executable:
    """Built once: the statement only changes by its parameters."""
    table = cast(Table, AuditEvent.__table__)
    last = select(
        func.coalesce(
            select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery(), GENESIS
        ).label("hash")
    ).subquery("last")
    canonical = (
        bindparam("before", type_=LargeBinary)
        .op("||")(func.convert_to(last.c.hash, "UTF8"))
        .op("||")(bindparam("after", type_=LargeBinary))
    )
    values = [bindparam(name, type_=table.c[name].type) for name in _SERVER_HASHED]
    appended = (
        insert(table)
        .from_select(
            [*_SERVER_HASHED, "prev_hash", "hash"],
            select(*values, last.c.hash, func.encode(func.sha256(canonical), "hex")),
        )
        .returning(*table.c)
    )
    # Loaded as an entity of the session, like a row added the ORM way.
    return select(AuditEvent).from_statement(appended)


@dataclass(frozen=True)
class BrokenLink:
    event_id: int
    reason: str


def _events(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        for row in rows:
            session.expunge(row)


def verify_chain(session: Session) -> tuple[int, BrokenLink | None]:
    """Walk the chain; return how many rows were checked and the first broken link, if any."""
    expected_prev = GENESIS
    checked = 0
    for event in _events(session):
        if event.prev_hash != expected_prev:
            return checked, BrokenLink(event.id, "the previous row was changed or deleted")
        if compute_hash(event) != event.hash:
            return checked, BrokenLink(event.id, "this row was changed after it was written")
        expected_prev = event.hash
        checked += 1
    return checked, None


def recent_events(session: Session, before_id: int | None = None, limit: int = 100) -> list[AuditEvent]:
    """Newest first, paged by id."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    return list(session.scalars(query))

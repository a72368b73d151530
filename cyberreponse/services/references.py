"""Incident references `CR-YYYY-NNNNN`: consecutive within a year, never shared, never skipped.

The number comes from a per-year counter row incremented in the report's own transaction, so
concurrent reports wait for each other's row lock until commit, and a report rolled back gives its
number back. That wait serialises reports: the report's other rows are written before (under a
provisional reference, replaced here and never committed), and what follows the allocation is kept
to a few statements.
"""

from __future__ import annotations

import secrets
from typing import cast

from sqlalchemy import Table, Update, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.models import Incident, IncidentCounter

# PostgreSQL: the audit chain's lock (the report appends to it next), the counter's increment and
# the incident's reference in one statement, i.e. one round trip while other reports wait. The
# advisory lock is taken before the counter row's (while scanning `chain`, before the UPDATE locks
# the row), in every report alike, so two reports can never wait for each other's lock.
_ASSIGN_ON_POSTGRESQL = text(
    """
    WITH chain AS MATERIALIZED (SELECT pg_advisory_xact_lock(:chain_key)::text AS locked),
    counted AS (
        UPDATE incident_counter SET last_number = last_number + 1
        FROM chain
        WHERE incident_counter.year = :year AND chain.locked IS NOT NULL
        RETURNING incident_counter.last_number
    )
    UPDATE incident
    SET reference = 'CR-' || :year || '-' || lpad(counted.last_number::text,
                                                  greatest(5, length(counted.last_number::text)), '0')
    FROM counted
    WHERE incident.id = :incident_id
    RETURNING incident.reference
    """
)


def provisional_reference() -> str:
    """Stands for the reference until `assign_reference`, in the same transaction: unique, never
    committed, never shown (a real reference starts with `CR-`)."""
    return "~" + secrets.token_hex(7)


def assign_reference(session: Session, incident: Incident, year: int) -> str:
    """Give the flushed `incident` the year's next reference, in the caller's transaction. On
    PostgreSQL the audit chain is locked too: the caller's next `audit.record` passes
    `chain_locked=True`."""
    if session.get_bind().dialect.name == "postgresql":
        parameters = {"chain_key": audit.PG_CHAIN_LOCK, "year": year, "incident_id": incident.id}
        reference = session.execute(_ASSIGN_ON_POSTGRESQL, parameters).scalar_one_or_none()
        if reference is None:  # the year's first report: create its counter, then count
            _create_counter(session, year)
            reference = session.execute(_ASSIGN_ON_POSTGRESQL, parameters).scalar_one()
    else:
        reference = allocate_reference(session, year)
        # A statement, not an attribute change: the unit of work would take it for an edit
        # (version 2).
        incidents = cast(Table, Incident.__table__)
        session.execute(
            update(incidents)
            .where(incidents.c.id == incident.id)
            .values(reference=reference, updated_at=incident.updated_at)
        )
    return str(reference)


def allocate_reference(session: Session, year: int) -> str:
    """The year's next reference, counted in the caller's transaction."""
    number = session.execute(_next_number(year)).scalar_one_or_none()
    if number is None:
        _create_counter(session, year)
        number = session.execute(_next_number(year)).scalar_one()
    return f"CR-{year}-{number:05d}"


def _next_number(year: int) -> Update:
    return (
        update(IncidentCounter)
        .where(IncidentCounter.year == year)
        .values(last_number=IncidentCounter.last_number + 1)
        .returning(IncidentCounter.last_number)
    )


def _create_counter(session: Session, year: int) -> None:
    """Once per year, whoever comes first (a concurrent creation is not an error)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(IncidentCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )

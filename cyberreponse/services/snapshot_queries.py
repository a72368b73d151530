"""Reading score snapshots: an organisation's history, and each organisation's latest as of a moment.

The latest snapshot of each organisation is one index seek per organisation
(`ix_score_snapshot_organisation_taken`), whatever the number of snapshots kept: the correlated
subquery below runs in the database, once per organisation row, and the join reads the snapshot by
primary key. (`id IN (<subquery>)` instead let PostgreSQL scan every snapshot.)
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cyberreponse.models import Organisation, ScoreSnapshot


def latest_rows(
    session: Session, organisations: Select[Any], columns: Sequence[Any], as_of: datetime | None = None
) -> list[Any]:
    """`columns` of each organisation's latest snapshot, in one statement: for each organisation row,
    the correlated subquery finds the snapshot's id (an index seek) and the join reads it by primary
    key — on PostgreSQL and SQLite alike."""
    inner = select(ScoreSnapshot.id).where(ScoreSnapshot.organisation_id == Organisation.id)
    if as_of is not None:
        inner = inner.where(ScoreSnapshot.taken_at <= as_of)
    latest = (
        inner.order_by(ScoreSnapshot.taken_at.desc(), ScoreSnapshot.id.desc())
        .limit(1)
        .correlate(Organisation)
        .scalar_subquery()
    )
    query = (
        select(*columns)
        .select_from(Organisation)
        .join(ScoreSnapshot, ScoreSnapshot.id == latest)
        .where(Organisation.id.in_(organisations))
    )
    return list(session.execute(query).all())


def history(session: Session, organisation_id: int, since: datetime) -> list[ScoreSnapshot]:
    return list(
        session.scalars(
            select(ScoreSnapshot)
            .where(ScoreSnapshot.organisation_id == organisation_id, ScoreSnapshot.taken_at >= since)
            .order_by(ScoreSnapshot.taken_at, ScoreSnapshot.id)
        )
    )


@dataclass(frozen=True)
class RegionalMedian:
    """Only the median and whether it may be shown: never the figures it was computed from."""

    shown: bool
    maturity: float | None
    technical: float | None


def median_of(values: Sequence[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 1) if known else None


def regional_median(session: Session, minimum: int) -> RegionalMedian:
    """The median maturity and technical scores over every organisation with a score, shown only
    when at least `minimum` organisations have one (with fewer, it would reveal too much)."""
    every = select(Organisation.id).where(Organisation.active.is_(True))
    rows = latest_rows(session, every, (ScoreSnapshot.maturity_score, ScoreSnapshot.technical_score))
    maturity = [row[0] for row in rows if row[0] is not None]
    technical = [row[1] for row in rows if row[1] is not None]
    if len(maturity) < minimum:
        return RegionalMedian(False, None, None)
    return RegionalMedian(
        True, median_of(maturity), median_of(technical) if len(technical) >= minimum else None
    )

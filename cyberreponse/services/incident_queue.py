"""The incident queue: scoped, filtered and sorted, one page at a time (pages, API) or whole up
to a bound (CSV export). Only titles are decrypted; descriptions never are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from cyberreponse.actors import STAFF_ROLES, Actor
from cyberreponse.models import OPEN_STATUSES, SEVERITIES, STATUSES, Incident, Organisation, User
from cyberreponse.services.incidents import scoped_incidents

PAGE_SIZE = 50
SORTS = ("reported", "severity", "deadline", "status", "reference")


@dataclass(frozen=True)
class QueueFilters:
    status: str = "open"  # "open", "all" or one status
    severity: str = ""
    organisation: str = ""  # SIREN, or "none" for reports not matched yet
    assignee: str = ""  # a user's public id, "none", or "" for anyone
    sort: str = "reported"
    page: int = 1

    def as_dict(self) -> dict[str, str]:
        """The filters as they read in an audit entry or a URL (without the page)."""
        return {
            "status": self.status,
            "severity": self.severity,
            "organisation": self.organisation,
            "assignee": self.assignee,
            "sort": self.sort,
        }


@dataclass(frozen=True)
class QueueRow:
    reference: str
    title: str
    status: str
    severity: str | None
    situation: str
    channel: str
    organisation_name: str | None
    organisation_siren: str | None
    organisation_hint: str
    assignee_name: str | None
    next_due_at: datetime | None
    reported_at: datetime
    tlp: str
    pap: str
    rsit_class: str | None
    rsit_type: str | None
    assignee_public_id: str | None
    version: int


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


_SEVERITY_RANK = case({"critical": 4, "high": 3, "medium": 2, "low": 1}, value=Incident.severity, else_=0)


def _filtered(actor: Actor, filters: QueueFilters) -> Select[Incident]:
    query = scoped_incidents(actor)
    if filters.status == "open":
        query = query.where(Incident.status.in_(OPEN_STATUSES))
    elif filters.status in STATUSES:
        query = query.where(Incident.status == filters.status)
    if filters.severity in SEVERITIES:
        query = query.where(Incident.severity == filters.severity)
    if filters.organisation == "none":
        query = query.where(Incident.organisation_id.is_(None))
    elif filters.organisation:
        query = query.join(Organisation, Incident.organisation_id == Organisation.id).where(
            Organisation.siren == filters.organisation
        )
    if filters.assignee == "none":
        query = query.where(Incident.assignee_id.is_(None))
    elif filters.assignee:
        query = query.join(User, Incident.assignee_id == User.id).where(User.public_id == filters.assignee)
    return query


def _order(sort: str) -> tuple[Any, ...]:
    return {
        "severity": (_SEVERITY_RANK.desc(), Incident.reported_at.desc(), Incident.id.desc()),
        "deadline": (
            Incident.next_due_at.is_(None),
            Incident.next_due_at,
            Incident.reported_at.desc(),
            Incident.id.desc(),
        ),
        "status": (Incident.status, Incident.reported_at.desc(), Incident.id.desc()),
        "reference": (Incident.reference.desc(),),
    }.get(sort, (Incident.reported_at.desc(), Incident.id.desc()))


def _rows(
    session: Session, query: Select[Incident], order: tuple[Any, ...], offset: int, limit: int
) -> list[QueueRow]:
    ids = query.with_only_columns(Incident.id).order_by(*order).offset(offset).limit(limit)
    assignee = User.__table__.alias("assignee")
    organisation = Organisation.__table__.alias("org")
    rows = session.execute(
        select(
            Incident.reference,
            Incident.title,
            Incident.status,
            Incident.severity,
            Incident.reporter_situation,
            Incident.channel,
            organisation.c.name,
            organisation.c.siren,
            Incident.organisation_hint,
            func.coalesce(func.nullif(assignee.c.name, ""), assignee.c.email),
            Incident.next_due_at,
            Incident.reported_at,
            Incident.tlp,
            Incident.pap,
            Incident.rsit_class,
            Incident.rsit_type,
            assignee.c.public_id,
            Incident.version,
        )
        .outerjoin(organisation, Incident.organisation_id == organisation.c.id)
        .outerjoin(assignee, Incident.assignee_id == assignee.c.id)
        .where(Incident.id.in_(ids.scalar_subquery()))
        .order_by(*order)
    ).all()
    return [QueueRow(*row) for row in rows]


def list_incidents(
    session: Session, actor: Actor, filters: QueueFilters, *, page_size: int = PAGE_SIZE
) -> QueuePage:
    """One page of the queue (a page past the end gives the last page)."""
    query = _filtered(actor, filters)
    total = (
        session.scalar(select(func.count()).select_from(query.with_only_columns(Incident.id).subquery())) or 0
    )
    pages = max(1, -(-total // page_size))
    page = min(max(1, filters.page), pages)
    rows = _rows(session, query, _order(filters.sort), (page - 1) * page_size, page_size)
    return QueuePage(rows, total, page, pages)


def queue_rows(session: Session, actor: Actor, filters: QueueFilters, limit: int) -> list[QueueRow]:
    """Every row of the filtered queue, in its order, up to `limit` rows."""
    return _rows(session, _filtered(actor, filters), _order(filters.sort), 0, limit)


def staff_users(session: Session) -> list[User]:
    """Who can be assigned an incident."""
    return list(
        session.scalars(
            select(User)
            .where(User.role.in_(STAFF_ROLES), User.active.is_(True))
            .order_by(User.name, User.email)
        )
    )

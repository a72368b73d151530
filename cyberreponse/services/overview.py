"""The CSIRT overview: the whole region at a glance, for analysts and admins only.

Grades of every organisation (latest snapshots), the worst exposures, website certificates expiring
soon, open incidents by status, severity and RSIT class, deadlines due within 24 hours, and monthly
trends over twelve months; all filtered by kind of organisation, département (from the INSEE code)
and intercommunalité (an EPCI and the organisations whose parent it is). Each query starts from the
filtered organisations; the latest snapshot of each is one index seek (snapshot_queries.py).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import Session, contains_eager, selectinload

from cyberreponse.actors import Actor
from cyberreponse.clock import as_utc, in_paris, now
from cyberreponse.errors import Invalid
from cyberreponse.models import (
    OPEN_STATUSES,
    ORGANISATION_KINDS,
    Asset,
    CheckResultRecord,
    Finding,
    Incident,
    Obligation,
    Organisation,
    ScoreSnapshot,
)
from cyberreponse.services.alerts import CERTIFICATE_CODES, days_left
from cyberreponse.services.scoping import require_staff
from cyberreponse.services.scoring import GRADES, ScoringPolicy
from cyberreponse.services.snapshot_queries import latest_rows, median_of

DEPARTMENT = re.compile(r"^(?:\d{2}|2[AB]|97\d)$")
SIREN = re.compile(r"^\d{9}$")
EXPOSURE_LIMIT = 50
CERTIFICATE_LIMIT = 100
DEADLINE_LIMIT = 100
TREND_MONTHS = 12
DEADLINE_WINDOW = timedelta(hours=24)
WORST_SEVERITIES = ("critical", "high")


@dataclass(frozen=True)
class OverviewFilters:
    kind: str = ""
    department: str = ""
    epci: str = ""  # SIREN of the intercommunalité

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value}

    @property
    def active(self) -> bool:
        return bool(self.kind or self.department or self.epci)


def parse_filters(raw: Mapping[str, str]) -> OverviewFilters:
    """Filters from a query string or form; a value that is not allowed is refused, not ignored."""
    kind = (raw.get("kind") or "").strip()
    department = (raw.get("department") or "").strip().upper()
    epci = (raw.get("epci") or "").strip().replace(" ", "")
    errors = {}
    if kind and kind not in ORGANISATION_KINDS:
        errors["kind"] = "Type d'organisation inconnu."
    if department and not DEPARTMENT.match(department):
        errors["department"] = "Département attendu : deux chiffres (ou 2A, 2B, 971 à 976)."
    if epci and not SIREN.match(epci):
        errors["epci"] = "Intercommunalité attendue : son SIREN (9 chiffres)."
    if errors:
        raise Invalid(next(iter(errors)), "Filtre invalide.", errors)
    return OverviewFilters(kind, department, epci)


def department_of() -> Any:
    """Organisation.department in SQL: 3 characters overseas (97x), 2 elsewhere."""
    code = Organisation.insee_code
    return case((code.like("97%"), func.substr(code, 1, 3)), else_=func.substr(code, 1, 2))


def filtered_organisations(session: Session, filters: OverviewFilters) -> Select[Any]:
    """A select of the ids of the active organisations the filters keep."""
    query = select(Organisation.id).where(Organisation.active.is_(True))
    if filters.kind:
        query = query.where(Organisation.kind == filters.kind)
    if filters.department:
        query = query.where(department_of() == filters.department)
    if filters.epci:
        epci_id = session.scalar(select(Organisation.id).where(Organisation.siren == filters.epci))
        query = query.where(or_(Organisation.parent_id == epci_id, Organisation.id == epci_id))
    return query


@dataclass(frozen=True)
class Exposure:
    organisation: str
    siren: str
    asset: str
    code: str
    severity: str
    since: datetime


@dataclass(frozen=True)
class CertificateRow:
    organisation: str
    siren: str
    asset: str
    days_left: int | None
    expired: bool


@dataclass(frozen=True)
class DeadlineRow:
    reference: str
    organisation: str
    kind: str
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class TrendRow:
    month: datetime  # end of the month (or now, for the current one)
    scored: int
    median_maturity: float | None
    median_technical: float | None
    weak_share: float | None  # share of organisations graded D, E or F, out of 100


@dataclass(frozen=True)
class Overview:
    filters: OverviewFilters
    organisations: int
    grades: dict[str, int]  # A…F and "none"
    levels: dict[str, int]  # "1"…"5" and "none"
    exposures: list[Exposure]
    certificates: list[CertificateRow]
    incidents_by_status: dict[str, int]
    incidents_by_severity: dict[str, int]
    incidents_by_class: dict[str, int]
    deadlines: list[DeadlineRow]
    trends: list[TrendRow]
    epcis: list[tuple[str, str]] = field(default_factory=list)  # (SIREN, name) for the filter


def _grades(session: Session, organisations: Select[Any]) -> tuple[int, dict[str, int], dict[str, int]]:
    total = int(session.scalar(select(func.count()).select_from(organisations.subquery())) or 0)
    rows = latest_rows(session, organisations, (ScoreSnapshot.technical_grade, ScoreSnapshot.maturity_level))
    grades = Counter(row[0] or "none" for row in rows)
    levels = Counter(str(row[1]) if row[1] else "none" for row in rows)
    grades["none"] += total - len(rows)
    levels["none"] += total - len(rows)
    return (
        total,
        {grade: grades.get(grade, 0) for grade in (*GRADES, "none")},
        {level: levels.get(level, 0) for level in ("1", "2", "3", "4", "5", "none")},
    )


def _open_findings(organisations: Select[Any]) -> Select[Any]:
    return (
        select(Finding)
        .join(Finding.asset)
        .join(Asset.organisation)
        .options(contains_eager(Finding.asset).contains_eager(Asset.organisation))
        .where(Finding.resolved_at.is_(None), Asset.organisation_id.in_(organisations))
    )


def _exposures(session: Session, organisations: Select[Any]) -> list[Exposure]:
    rank = case((Finding.severity == "critical", 0), else_=1)
    query = (
        _open_findings(organisations)
        .where(Finding.check_id == "exposure.ports", Finding.severity.in_(WORST_SEVERITIES))
        .order_by(rank, Finding.first_seen, Finding.id)
        .limit(EXPOSURE_LIMIT)
    )
    return [
        Exposure(
            f.asset.organisation.name,
            f.asset.organisation.siren,
            f.asset.value,
            f.code,
            f.severity,
            f.first_seen,
        )
        for f in session.scalars(query)
    ]


def _certificates(
    session: Session, organisations: Select[Any], within_days: int, moment: datetime
) -> list[CertificateRow]:
    query = (
        _open_findings(organisations)
        .where(Finding.code.in_(CERTIFICATE_CODES))
        .options(selectinload(Finding.last_result).load_only(CheckResultRecord.problems))
    )
    rows = []
    for finding in session.scalars(query):
        left = days_left(finding, moment)
        expired = finding.code == "tls.expired"
        if expired or (left is not None and left <= within_days):
            organisation = finding.asset.organisation
            rows.append(
                CertificateRow(organisation.name, organisation.siren, finding.asset.value, left, expired)
            )
    rows.sort(key=lambda row: row.days_left if row.days_left is not None else -10_000)
    return rows[:CERTIFICATE_LIMIT]


def _incident_counts(
    session: Session, filters: OverviewFilters, organisations: Select[Any]
) -> list[dict[str, int]]:
    counts = []
    for column in (Incident.status, Incident.severity, Incident.rsit_class):
        query = (
            select(column, func.count(Incident.id)).where(Incident.status.in_(OPEN_STATUSES)).group_by(column)
        )
        if filters.active:  # incidents not matched to a member yet only show without filters
            query = query.where(Incident.organisation_id.in_(organisations))
        counts.append({str(value or "unknown"): int(count) for value, count in session.execute(query)})
    return counts


def _deadlines(
    session: Session, filters: OverviewFilters, organisations: Select[Any], moment: datetime
) -> list[DeadlineRow]:
    query = (
        select(Obligation)
        .join(Obligation.incident)
        .options(contains_eager(Obligation.incident).joinedload(Incident.organisation))
        .where(
            Obligation.done_at.is_(None),
            Obligation.due_at.is_not(None),
            Obligation.due_at <= moment + DEADLINE_WINDOW,
            Incident.status.in_(OPEN_STATUSES),
        )
        .order_by(Obligation.due_at)
        .limit(DEADLINE_LIMIT)
    )
    if filters.active:
        query = query.where(Incident.organisation_id.in_(organisations))
    rows = []
    for obligation in session.scalars(query):
        incident = obligation.incident
        due = as_utc(obligation.due_at) if obligation.due_at else moment
        name = incident.organisation.name if incident.organisation else incident.organisation_hint
        rows.append(DeadlineRow(incident.reference, name, obligation.kind, due, due < moment))
    return rows


def month_ends(moment: datetime, months: int = TREND_MONTHS) -> list[datetime]:
    """The last instant of each of the last `months` months (Paris calendar), the current one being now."""
    local = in_paris(moment)
    ends = [moment]
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        ends.append(as_utc(first) - timedelta(microseconds=1))
        previous = in_paris(as_utc(first) - timedelta(days=1))
        first = previous.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return list(reversed(ends))


# Regional trends only change when snapshots are written (each night): kept per filters, month and
# latest snapshot id, so a new snapshot or a new day invalidates them. Bounded; per process.
_TREND_CACHE: dict[tuple[Any, ...], list[TrendRow]] = {}
_TREND_CACHE_SIZE = 64


def _trends(
    session: Session, filters: OverviewFilters, organisations: Select[Any], moment: datetime
) -> list[TrendRow]:
    newest = session.scalar(select(func.max(ScoreSnapshot.id)))
    key = (filters, newest, in_paris(moment).date())
    cached = _TREND_CACHE.get(key)
    if cached is not None:
        return cached
    rows = _compute_trends(session, organisations, moment)
    if len(_TREND_CACHE) >= _TREND_CACHE_SIZE:
        _TREND_CACHE.clear()
    _TREND_CACHE[key] = rows
    return rows


def _compute_trends(session: Session, organisations: Select[Any], moment: datetime) -> list[TrendRow]:
    rows = []
    columns = (ScoreSnapshot.maturity_score, ScoreSnapshot.technical_score, ScoreSnapshot.technical_grade)
    for end in month_ends(moment):
        values = latest_rows(session, organisations, columns, end)
        graded = [v[2] for v in values if v[2]]
        weak = sum(1 for grade in graded if grade in ("D", "E", "F"))
        rows.append(
            TrendRow(
                month=end,
                scored=len(values),
                median_maturity=median_of([v[0] for v in values]),
                median_technical=median_of([v[1] for v in values]),
                weak_share=round(100 * weak / len(graded), 1) if graded else None,
            )
        )
    return rows


def _epcis(session: Session) -> list[tuple[str, str]]:
    query = (
        select(Organisation.siren, Organisation.name)
        .where(Organisation.kind == "epci")
        .order_by(Organisation.name)
    )
    return [(siren, name) for siren, name in session.execute(query.limit(500))]


def csirt_overview(
    session: Session, actor: Actor, policy: ScoringPolicy, filters: OverviewFilters
) -> Overview:
    """The region at a glance (staff only)."""
    require_staff(actor)
    moment = now()
    organisations = filtered_organisations(session, filters)
    total, grades, levels = _grades(session, organisations)
    by_status, by_severity, by_class = _incident_counts(session, filters, organisations)
    return Overview(
        filters=filters,
        organisations=total,
        grades=grades,
        levels=levels,
        exposures=_exposures(session, organisations),
        certificates=_certificates(session, organisations, policy.certificate_days, moment),
        incidents_by_status=by_status,
        incidents_by_severity=by_severity,
        incidents_by_class=by_class,
        deadlines=_deadlines(session, filters, organisations, moment),
        trends=_trends(session, filters, organisations, moment),
        epcis=_epcis(session),
    )

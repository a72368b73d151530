"""CSV export of each table of the CSIRT overview: for French Excel, like the queue's export
(services/exports.py): UTF-8 with a byte-order mark, `;` between cells, CRLF, and cells a
spreadsheet would take for a formula neutralised. Each export is audited with its filters."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import in_paris, now
from cyberreponse.errors import Invalid
from cyberreponse.incident_labels import OBLIGATION_LABELS, SEVERITY_LABELS, STATUS_LABELS
from cyberreponse.services.exports import CSV_SEPARATOR, ExportFile, neutralise_cell
from cyberreponse.services.overview import Overview, OverviewFilters, csirt_overview
from cyberreponse.services.scorecard import problem_titles
from cyberreponse.services.scoring import ScoringPolicy

Rows = tuple[Sequence[str], Iterable[Sequence[object]]]


def _when(moment: object) -> str:
    return in_paris(moment).strftime("%d/%m/%Y %H:%M") if isinstance(moment, datetime) else ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _grades(view: Overview) -> Rows:
    return ("Note", "Organisations"), [
        (grade if grade != "none" else "Sans note", n) for grade, n in view.grades.items()
    ]


def _exposures(view: Overview) -> Rows:
    titles = problem_titles()
    columns = ("Organisation", "SIREN", "Actif", "Problème", "Gravité", "Depuis")
    return columns, [
        (e.organisation, e.siren, e.asset, titles.get(e.code, e.code),
         SEVERITY_LABELS.get(e.severity, e.severity), _when(e.since))
        for e in view.exposures
    ]  # fmt: skip


def _certificates(view: Overview) -> Rows:
    return ("Organisation", "SIREN", "Nom", "Jours restants", "Expiré"), [
        (
            c.organisation,
            c.siren,
            c.asset,
            "" if c.days_left is None else c.days_left,
            "oui" if c.expired else "non",
        )
        for c in view.certificates
    ]


def _incidents(view: Overview) -> Rows:
    rows: list[Sequence[object]] = []
    rows += [("Statut", STATUS_LABELS.get(k, k), n) for k, n in view.incidents_by_status.items()]
    rows += [("Gravité", SEVERITY_LABELS.get(k, k), n) for k, n in view.incidents_by_severity.items()]
    rows += [("Classe RSIT", k, n) for k, n in view.incidents_by_class.items()]
    return ("Regroupement", "Valeur", "Incidents ouverts"), rows


def _deadlines(view: Overview) -> Rows:
    return ("Référence", "Organisation", "Échéance", "Pour le", "En retard"), [
        (
            d.reference,
            d.organisation,
            OBLIGATION_LABELS.get(d.kind, d.kind),
            _when(d.due_at),
            "oui" if d.overdue else "non",
        )
        for d in view.deadlines
    ]


def _trends(view: Overview) -> Rows:
    columns = (
        "Mois",
        "Organisations notées",
        "Médiane maturité",
        "Médiane technique",
        "Part notée D à F (%)",
    )
    return columns, [
        (in_paris(t.month).strftime("%m/%Y"), t.scored, _number(t.median_maturity),
         _number(t.median_technical), _number(t.weak_share))
        for t in view.trends
    ]  # fmt: skip


TABLES: dict[str, Callable[[Overview], Rows]] = {
    "notes": _grades,
    "expositions": _exposures,
    "certificats": _certificates,
    "incidents": _incidents,
    "echeances": _deadlines,
    "tendances": _trends,
}


def csv_document(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


def export_overview_table(
    session: Session, actor: Actor, policy: ScoringPolicy, filters: OverviewFilters, table: str
) -> ExportFile:
    """One table of the overview as CSV, audited (staff only, like the overview)."""
    if table not in TABLES:
        raise Invalid("table", "Tableau inconnu : " + ", ".join(TABLES) + ".")
    view = csirt_overview(session, actor, policy, filters)
    columns, rows = TABLES[table](view)
    rows = list(rows)
    audit.record(
        session,
        actor,
        "overview.export",
        "overview",
        table,
        {"filters": filters.as_dict(), "rows": len(rows)},
    )
    session.commit()
    stamp = in_paris(now()).strftime("%Y%m%d-%H%M")
    return ExportFile(f"vue-ensemble-{table}-{stamp}.csv", "text/csv", csv_document(columns, rows))

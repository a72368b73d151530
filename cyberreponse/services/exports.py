"""Exports: one incident as MISP or STIX 2.1, the queue as CSV. Each export is audited with its
format; a TLP:RED incident leaves only with an explicit confirmation (docs/exports.md).

The CSV is written for French Excel: UTF-8 with a byte-order mark (so Excel reads the accents),
`;` between cells (the list separator of the French locale, where `,` is the decimal mark), CRLF
line ends. A cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a
tab or a carriage return) is prefixed with `'` (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import in_paris, now
from cyberreponse.errors import Invalid
from cyberreponse.incident_labels import SEVERITY_LABELS, SITUATION_LABELS, STATUS_LABELS
from cyberreponse.services.incident_queue import QueueFilters, QueueRow, queue_rows
from cyberreponse.services.incidents import get_incident
from cyberreponse.services.misp_export import misp_event
from cyberreponse.services.shared_incident import Producer, SharedIncident, inert_json
from cyberreponse.services.stix_export import stix_bundle

FORMATS = ("misp", "stix")
CSV_MAX_ROWS = 10_000
CSV_SEPARATOR = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TLP_RED_MESSAGE = (
    "Cet incident est classé TLP:RED : ses informations ne doivent pas quitter le cercle de ceux qui "
    "les ont reçues. Confirmez explicitement l'export si vous en avez l'accord."
)


class ConfirmationRequired(Invalid):
    """An export of TLP:RED information asked for without the explicit confirmation."""

    code = "confirmation_required"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    media_type: str
    text: str
    data: dict[str, Any] | None = None


def export_incident(
    session: Session,
    actor: Actor,
    reference: str,
    export_format: str,
    producer: Producer,
    *,
    confirm_tlp_red: bool = False,
) -> ExportFile:
    """The incident as a MISP event or a STIX bundle, audited. Scoped like reading the incident."""
    incident = get_incident(session, actor, reference)
    if export_format not in FORMATS:
        raise Invalid("format", "Format d'export inconnu : misp ou stix.")
    if incident.tlp == "RED" and not confirm_tlp_red:
        raise ConfirmationRequired("confirm_tlp_red", TLP_RED_MESSAGE)
    shared = SharedIncident.of(incident)
    data = misp_event(shared, producer) if export_format == "misp" else stix_bundle(shared, producer)
    audit.record(
        session,
        actor,
        "incident.export",
        "incident",
        incident.reference,
        {"format": export_format, "tlp": incident.tlp, "observables": len(shared.observables)},
    )
    session.commit()
    return ExportFile(
        filename=f"{incident.reference}.{export_format}.json",
        media_type="application/json",
        text=inert_json(data),
        data=data,
    )


def neutralise_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


CSV_COLUMNS = (
    "Référence",
    "Résumé",
    "Statut",
    "Gravité",
    "TLP",
    "PAP",
    "Classe RSIT",
    "Type RSIT",
    "Situation décrite",
    "Organisation",
    "SIREN",
    "Analyste",
    "Prochaine échéance",
    "Signalé le",
)


def _when(moment: Any) -> str:
    return in_paris(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _csv_cells(row: QueueRow) -> list[object]:
    return [
        row.reference,
        row.title,
        STATUS_LABELS.get(row.status, row.status),
        SEVERITY_LABELS.get(row.severity or "", ""),
        row.tlp,
        row.pap,
        row.rsit_class,
        row.rsit_type,
        SITUATION_LABELS.get(row.situation, row.situation),
        row.organisation_name or row.organisation_hint,
        row.organisation_siren,
        row.assignee_name,
        _when(row.next_due_at),
        _when(row.reported_at),
    ]


def queue_csv(rows: Iterable[QueueRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in _csv_cells(row)])
    return "\ufeff" + buffer.getvalue()


def export_queue(
    session: Session, actor: Actor, filters: QueueFilters, *, confirm_tlp_red: bool = False
) -> ExportFile:
    """The filtered queue (every page, up to CSV_MAX_ROWS rows) as CSV, audited."""
    rows = queue_rows(session, actor, filters, CSV_MAX_ROWS)
    red = sum(1 for row in rows if row.tlp == "RED")
    if red and not confirm_tlp_red:
        raise ConfirmationRequired(
            "confirm_tlp_red",
            f"Cette sélection contient {red} incident(s) TLP:RED : cochez la confirmation pour les exporter, "
            "ou filtrez-les.",
        )
    audit.record(
        session,
        actor,
        "incident.export_queue",
        "incident",
        "*",
        {"format": "csv", "filters": filters.as_dict(), "rows": len(rows), "tlp_red": red},
    )
    session.commit()
    stamp = in_paris(now()).strftime("%Y%m%d-%H%M")
    return ExportFile(filename=f"incidents-{stamp}.csv", media_type="text/csv", text=queue_csv(rows))

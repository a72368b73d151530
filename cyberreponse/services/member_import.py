"""CSV import of members: all or nothing, every bad row reported with its line number.

Columns: siren,name,kind,parent_siren,nis2_status,domains (UTF-8, comma-separated, header row;
`domains` space-separated). A parent may be an existing member or a row of the same file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.errors import Invalid
from cyberreponse.models import NIS2_STATUSES, ORGANISATION_KINDS, Asset, Organisation
from cyberreponse.services.identifiers import normalise_domain, normalise_siren
from cyberreponse.services.scoping import require_staff

COLUMNS = ("siren", "name", "kind", "parent_siren", "nis2_status", "domains")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class ImportRow:
    line: int
    siren: str
    name: str
    kind: str
    parent_siren: str
    nis2_status: str
    domains: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    organisations: int
    domains: int


class ImportRejected(Invalid):
    """The file was refused; `line_errors` lists (line, reason) and nothing was written."""

    def __init__(self, line_errors: list[tuple[int, str]]) -> None:
        self.line_errors = line_errors
        errors = {f"ligne {line}": reason for line, reason in line_errors}
        super().__init__(
            "file", f"Import refusé : {len(line_errors)} erreur(s), rien n'a été enregistré.", errors
        )


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise ImportRejected([(0, f"fichier trop volumineux (plus de {MAX_BYTES // 1024 // 1024} Mo)")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportRejected([(line, "le fichier n'est pas encodé en UTF-8")]) from error


def parse_rows(text: str) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    errors: list[tuple[int, str]] = []
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != list(COLUMNS):
        return [], [(1, "en-tête attendu : " + ",".join(COLUMNS))]
    rows: list[ImportRow] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(COLUMNS):
            errors.append((line, f"{len(values)} colonnes au lieu de {len(COLUMNS)}"))
            continue
        siren, name, kind, parent, nis2, domains = (v.strip() for v in values)
        rows.append(
            ImportRow(line, siren, " ".join(name.split()), kind, parent, nis2 or "unknown", domains.split())
        )
        if len(rows) > MAX_ROWS:
            return [], [(line, f"plus de {MAX_ROWS} lignes : découpez le fichier")]
    return rows, errors


def _check_row(row: ImportRow, errors: list[tuple[int, str]]) -> None:
    try:
        row.siren = normalise_siren(row.siren)
    except Invalid as error:
        errors.append((row.line, f"SIREN « {row.siren} » : {error.message}"))
    if not row.name or len(row.name) > 200:
        errors.append((row.line, "nom manquant ou de plus de 200 caractères"))
    if row.kind not in ORGANISATION_KINDS:
        errors.append((row.line, f"type « {row.kind} » inconnu (attendu : {', '.join(ORGANISATION_KINDS)})"))
    if row.nis2_status not in NIS2_STATUSES:
        errors.append(
            (row.line, f"statut NIS2 « {row.nis2_status} » inconnu (attendu : {', '.join(NIS2_STATUSES)})")
        )
    clean_domains = []
    for raw in row.domains:
        try:
            clean_domains.append(normalise_domain(raw))
        except Invalid:
            errors.append((row.line, f"domaine « {raw} » invalide"))
    row.domains = clean_domains


def validate_rows(session: Session, rows: list[ImportRow], errors: list[tuple[int, str]]) -> None:
    for row in rows:
        _check_row(row, errors)
    seen_sirens: dict[str, int] = {}
    seen_domains: dict[str, int] = {}
    for row in rows:
        if row.siren in seen_sirens:
            errors.append((row.line, f"SIREN {row.siren} déjà présent ligne {seen_sirens[row.siren]}"))
        seen_sirens.setdefault(row.siren, row.line)
        for domain in row.domains:
            if domain in seen_domains:
                errors.append((row.line, f"domaine {domain} déjà présent ligne {seen_domains[domain]}"))
            seen_domains.setdefault(domain, row.line)
    existing_sirens = set(
        session.scalars(select(Organisation.siren).where(Organisation.siren.in_(seen_sirens)))
    )
    existing_domains = set(
        session.scalars(select(Asset.value).where(Asset.kind == "domain", Asset.value.in_(seen_domains)))
    )
    for row in rows:
        if row.siren in existing_sirens:
            errors.append((row.line, f"SIREN {row.siren} : ce membre existe déjà"))
        for domain in row.domains:
            if domain in existing_domains:
                errors.append((row.line, f"domaine {domain} déjà déclaré par un membre"))
        if row.parent_siren and row.parent_siren not in seen_sirens:
            exists = session.scalar(select(Organisation.id).where(Organisation.siren == row.parent_siren))
            if exists is None:
                errors.append((row.line, f"SIREN parent {row.parent_siren} inconnu"))
        if row.parent_siren and row.parent_siren == row.siren:
            errors.append((row.line, "une organisation ne peut être son propre parent"))


def import_members(session: Session, actor: Actor, data: bytes, source: str = "upload") -> ImportReport:
    require_staff(actor)
    rows, errors = parse_rows(_decode(data))
    validate_rows(session, rows, errors)  # every bad row is reported, not just the first kind
    if errors:
        raise ImportRejected(sorted(errors))
    if not rows:
        raise ImportRejected([(2, "aucune ligne à importer")])
    by_siren: dict[str, Organisation] = {}
    for row in rows:
        organisation = Organisation(
            siren=row.siren, name=row.name, kind=row.kind, nis2_status=row.nis2_status
        )
        organisation.assets = [Asset(kind="domain", value=domain) for domain in row.domains]
        session.add(organisation)
        by_siren[row.siren] = organisation
    session.flush()
    for row in rows:
        if row.parent_siren:
            parent = (
                by_siren.get(row.parent_siren)
                or session.scalars(select(Organisation).where(Organisation.siren == row.parent_siren)).one()
            )
            by_siren[row.siren].parent_id = parent.id
    report = ImportReport(len(rows), sum(len(row.domains) for row in rows))
    audit.record(
        session,
        actor,
        "organisation.import",
        "import",
        source,
        {"organisations": report.organisations, "domains": report.domains},
    )
    session.commit()
    return report

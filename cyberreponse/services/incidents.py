"""Incidents for analysts and members: the scoped queue, one incident, and triage.

Triage is one save of several fields, checked against the version the analyst read: if someone
else changed any of the same fields meanwhile, the save is refused with what changed (their value,
your value); nothing is overwritten silently. The status workflow is enforced here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cyberreponse import audit
from cyberreponse.actors import STAFF_ROLES, Actor
from cyberreponse.clock import in_paris
from cyberreponse.errors import Conflict, Invalid, NotFound
from cyberreponse.incident_labels import FIELD_LABELS, SEVERITY_LABELS, STATUS_LABELS
from cyberreponse.models import (
    RSIT,
    SEVERITIES,
    STATUSES,
    Incident,
    Organisation,
    TimelineEvent,
    User,
)
from cyberreponse.models.incident import PAP_LEVELS, TLP_LEVELS
from cyberreponse.services.deadlines import sync_obligations
from cyberreponse.services.intake import parse_local_datetime
from cyberreponse.services.scoping import require_staff
from cyberreponse.services.validation import bounded_text

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("triage", "rejected", "duplicate"),
    "triage": ("in_progress", "rejected", "duplicate"),
    "in_progress": ("contained", "resolved", "duplicate"),
    "contained": ("in_progress", "resolved"),
    "resolved": ("closed", "in_progress"),
    "closed": ("in_progress",),
    "rejected": ("triage",),
    "duplicate": ("triage",),
}
CONFLICT_MESSAGE = (
    "Quelqu'un a modifié cet incident pendant que vous le consultiez : vos changements n'ont pas été "
    "enregistrés. Vérifiez les différences ci-dessous puis enregistrez à nouveau."
)


def scoped_incidents(actor: Actor) -> Select[Incident]:
    """Staff see every incident; a member only those of their organisations."""
    query = select(Incident)
    if actor.is_staff:
        return query
    if not actor.is_member or not actor.organisation_ids:
        return query.where(false())
    return query.where(Incident.organisation_id.in_(actor.organisation_ids))


def get_incident(session: Session, actor: Actor, reference: str) -> Incident:
    """The incident, or NotFound — also when it exists outside the actor's scope."""
    incident = session.scalars(scoped_incidents(actor).where(Incident.reference == reference[:32])).first()
    if incident is None:
        raise NotFound("Incident introuvable.")
    return incident


@dataclass(frozen=True)
class TriageChanges:
    """The triage form as submitted (raw strings, checked by `update_incident`)."""

    organisation: str = ""  # SIREN
    rsit_class: str = ""
    rsit_type: str = ""
    severity: str = ""
    tlp: str = "AMBER"
    pap: str = "AMBER"
    assignee: str = ""  # public id
    status: str = "new"
    duplicate_of: str = ""  # reference
    significant: bool = False
    personal_data_breach: bool = False
    aware_at: str = ""  # Paris time
    resolution: str = ""


def _shown(field: str, value: object) -> str:
    """How a value reads in the timeline and in a conflict message."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return in_paris(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, Organisation):
        return f"{value.name} ({value.siren})"
    if isinstance(value, User):
        return value.name or value.email
    if isinstance(value, Incident):
        return value.reference
    if field == "status":
        return STATUS_LABELS.get(str(value), str(value))
    if field == "severity":
        return SEVERITY_LABELS.get(str(value), str(value))
    return str(value)


def _parse(
    session: Session, incident: Incident, changes: TriageChanges
) -> tuple[dict[str, object], dict[str, str]]:
    errors: dict[str, str] = {}
    new: dict[str, object] = {}
    siren = changes.organisation.strip()
    new["organisation"] = None
    if siren:
        new["organisation"] = session.scalars(select(Organisation).where(Organisation.siren == siren)).first()
        if new["organisation"] is None:
            errors["organisation"] = "Aucun membre n'a ce SIREN."
    if changes.rsit_class and changes.rsit_class not in RSIT:
        errors["rsit_class"] = "Classe RSIT inconnue."
    elif changes.rsit_type and changes.rsit_type not in RSIT.get(changes.rsit_class, ()):
        errors["rsit_type"] = "Ce type RSIT n'appartient pas à la classe choisie."
    new["rsit_class"] = changes.rsit_class or None
    new["rsit_type"] = changes.rsit_type or None
    for field, value, allowed in (
        ("severity", changes.severity, SEVERITIES),
        ("tlp", changes.tlp, TLP_LEVELS),
        ("pap", changes.pap, PAP_LEVELS),
        ("status", changes.status, STATUSES),
    ):
        if value and value not in allowed:
            errors[field] = "Valeur inconnue."
        new[field] = value or None
    new["tlp"] = new["tlp"] or incident.tlp
    new["pap"] = new["pap"] or incident.pap
    new["status"] = new["status"] or incident.status
    new["assignee"] = None
    if changes.assignee:
        new["assignee"] = session.scalars(
            select(User).where(
                User.public_id == changes.assignee, User.role.in_(STAFF_ROLES), User.active.is_(True)
            )
        ).first()
        if new["assignee"] is None:
            errors["assignee"] = "Analyste inconnu."
    new["duplicate_of"] = None
    if changes.duplicate_of.strip():
        original = session.scalars(
            select(Incident).where(Incident.reference == changes.duplicate_of.strip().upper())
        ).first()
        if original is None or original.id == incident.id:
            errors["duplicate_of"] = "Indiquez la référence d'un autre incident (CR-AAAA-NNNNN)."
        new["duplicate_of"] = original
    new["significant"] = changes.significant
    new["personal_data_breach"] = changes.personal_data_breach
    try:
        new["aware_at"] = parse_local_datetime(changes.aware_at, "aware_at") or incident.aware_at
    except Invalid as error:
        errors["aware_at"] = error.message
    try:
        new["resolution"] = (
            bounded_text(changes.resolution, "resolution", 5000, label="La résolution") or None
        )
    except Invalid as error:
        errors["resolution"] = error.message
    return new, errors


def _current(incident: Incident) -> dict[str, object]:
    return {
        "organisation": incident.organisation,
        "rsit_class": incident.rsit_class,
        "rsit_type": incident.rsit_type,
        "severity": incident.severity,
        "tlp": incident.tlp,
        "pap": incident.pap,
        "status": incident.status,
        "assignee": incident.assignee,
        "duplicate_of": incident.duplicate_of,
        "significant": incident.significant,
        "personal_data_breach": incident.personal_data_breach,
        "aware_at": incident.aware_at,
        "resolution": incident.resolution,
    }


def _check_workflow(incident: Incident, new: dict[str, object], errors: dict[str, str]) -> None:
    before, after = incident.status, str(new["status"])
    if after != before and after not in TRANSITIONS[before]:
        allowed = ", ".join(STATUS_LABELS[s] for s in TRANSITIONS[before])
        errors["status"] = (
            f"Passage impossible de « {STATUS_LABELS[before]} » à « {STATUS_LABELS[after]} » "
            f"(possibles : {allowed})."
        )
        return
    if after in ("in_progress", "contained", "resolved", "closed") and not (
        new["rsit_class"] and new["rsit_type"] and new["severity"]
    ):
        errors["status"] = "Qualifiez d'abord l'incident (classe et type RSIT, gravité)."
    if after == "duplicate" and new["duplicate_of"] is None and "duplicate_of" not in errors:
        errors["duplicate_of"] = "Indiquez la référence de l'incident dont celui-ci est le doublon."
    if after != "duplicate":
        new["duplicate_of"] = None
    if after in ("resolved", "closed", "rejected") and not new["resolution"]:
        errors["resolution"] = "Indiquez en quelques mots la résolution ou le motif."


def _conflicts(
    incident: Incident,
    expected_version: int,
    new: dict[str, object],
    fields: frozenset[str] | None = None,
) -> dict[str, tuple[object, object]]:
    """Fields someone else saved since `expected_version` (among `fields`, when the caller sends
    only some): field code → (their current value, yours), as they read."""
    touched: set[str] = set()
    for event in incident.timeline:
        if int(event.details.get("version", 0)) > expected_version:
            touched.update(event.details.get("changes", {}))
    current = _current(incident)
    return {
        field: (_shown(field, current[field]), _shown(field, new.get(field)))
        for field in FIELD_LABELS
        if field in touched and (fields is None or field in fields)
    }


def update_incident(
    session: Session,
    actor: Actor,
    reference: str,
    changes: TriageChanges,
    *,
    expected_version: int,
    fields: frozenset[str] | None = None,
) -> Incident:
    """Save the triage form. `fields` names the fields the caller means to change (the API's
    partial PATCH); only someone else's change to one of those is a conflict."""
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    new, errors = _parse(session, incident, changes)
    if errors:
        raise Invalid(next(iter(errors)), "Le formulaire contient des erreurs.", errors)
    if incident.version != expected_version:
        conflicts = _conflicts(incident, expected_version, new, fields)
        if conflicts:
            raise Conflict(CONFLICT_MESSAGE, conflicts)
        # Only other kinds of change happened meanwhile (a deadline marked done…): save on top.
    _check_workflow(incident, new, errors)
    if errors:
        raise Invalid(next(iter(errors)), "Le formulaire contient des erreurs.", errors)
    current = _current(incident)
    diff = {field: value for field, value in new.items() if current[field] != value}
    if not diff:
        return incident
    shown = {
        field: ["—", "(modifiée)"]
        if field == "resolution"
        else [_shown(field, current[field]), _shown(field, value)]
        for field, value in diff.items()
    }
    event = TimelineEvent(kind="status" if "status" in diff else "update", actor=actor.label)
    # One UPDATE of the incident row, so one version step: no flush half-way through.
    with session.no_autoflush:
        for field, value in diff.items():
            setattr(incident, field, value)
        sync_obligations(incident)
        incident.timeline.append(event)
    try:
        audit.record(session, actor, "incident.update", "incident", incident.reference, {"changes": shown})
        event.details = {"version": incident.version, "changes": shown}
        session.flush()
    except StaleDataError as error:
        # Someone committed between our read and our write: report what they changed.
        session.rollback()
        fresh = get_incident(session, actor, reference)
        raise Conflict(CONFLICT_MESSAGE, _conflicts(fresh, expected_version, new, fields)) from error
    session.commit()
    return incident


# What a partial update (API PATCH) may set: the triage form's fields.
PATCHABLE = tuple(TriageChanges.__dataclass_fields__)


def patch_incident(
    session: Session,
    actor: Actor,
    reference: str,
    values: Mapping[str, str | bool],
    *,
    expected_version: int,
) -> Incident:
    """Change some triage fields, the others keeping their current value; the same rules,
    workflow and conflict detection as the triage form (`update_incident`)."""
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    unknown = sorted(set(values) - set(PATCHABLE))
    if unknown:
        raise Invalid(unknown[0], "Champ(s) non modifiable(s) : " + ", ".join(unknown) + ".")
    current: dict[str, str | bool] = {
        "organisation": incident.organisation.siren if incident.organisation else "",
        "rsit_class": incident.rsit_class or "",
        "rsit_type": incident.rsit_type or "",
        "severity": incident.severity or "",
        # Empty means "unchanged" for these four.
        "tlp": "",
        "pap": "",
        "status": "",
        "aware_at": "",
        "assignee": incident.assignee.public_id if incident.assignee else "",
        "duplicate_of": incident.duplicate_of.reference if incident.duplicate_of else "",
        "significant": incident.significant,
        "personal_data_breach": incident.personal_data_breach,
        "resolution": incident.resolution or "",
    }
    changes = TriageChanges(**{**current, **values})  # type: ignore[arg-type]
    return update_incident(
        session, actor, reference, changes, expected_version=expected_version, fields=frozenset(values)
    )

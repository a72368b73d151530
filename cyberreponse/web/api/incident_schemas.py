"""How incidents read in the API: the OpenAPI schemas and the functions that fill them.

Public identifiers only (references, SIREN, users' public ids), never database ids or ciphertexts:
encrypted fields are given decrypted to those allowed to read them. A member never gets the
reporter's contact details, internal observables or internal comments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cyberreponse.actors import Actor
from cyberreponse.models import (
    CHANNELS,
    OBSERVABLE_KINDS,
    SEVERITIES,
    STATUSES,
    Comment,
    Incident,
    Observable,
)
from cyberreponse.models.incident import ANSWERS, PAP_LEVELS, TLP_LEVELS
from cyberreponse.services.incident_queue import QueueRow
from cyberreponse.vocabularies import OBLIGATION_KINDS, REPORTER_SITUATIONS, RSIT_TAXONOMY, RSIT_TYPES
from cyberreponse.web.api.openapi import schema

DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"anyOf": [DATETIME, {"type": "null"}]}
REFERENCE = {"type": "string", "pattern": "^CR-[0-9]{4}-[0-9]{5}$"}


def _nullable(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"anyOf": [{"type": "string", "enum": list(values)}, {"type": "null"}]}


ORGANISATION_REF = schema(
    "OrganisationRef",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["siren", "name"],
        "properties": {"siren": {"type": "string"}, "name": {"type": "string"}},
    },
)
ASSIGNEE = schema(
    "Assignee",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "id": {"type": "string", "description": "Identifiant public de l'analyste (équipe seulement)"},
        },
    },
)
_SUMMARY_PROPERTIES: dict[str, Any] = {
    "reference": REFERENCE,
    "title": {"type": "string"},
    "status": {"type": "string", "enum": list(STATUSES)},
    "severity": _nullable(SEVERITIES),
    "tlp": {"type": "string", "enum": list(TLP_LEVELS)},
    "pap": {"type": "string", "enum": list(PAP_LEVELS)},
    "rsit_class": _nullable(list(RSIT_TAXONOMY)),
    "rsit_type": _nullable(RSIT_TYPES),
    "situation": {"type": "string", "enum": list(REPORTER_SITUATIONS)},
    "channel": {"type": "string", "enum": list(CHANNELS)},
    "organisation": {"anyOf": [ORGANISATION_REF, {"type": "null"}]},
    "assignee": {"anyOf": [ASSIGNEE, {"type": "null"}]},
    "next_due_at": NULLABLE_DATETIME,
    "reported_at": DATETIME,
    "version": {"type": "integer", "minimum": 1},
}
INCIDENT_SUMMARY = schema(
    "IncidentSummary",
    {
        "type": "object",
        "additionalProperties": False,
        "required": list(_SUMMARY_PROPERTIES),
        "properties": _SUMMARY_PROPERTIES,
    },
)
INCIDENT_PAGE = schema(
    "IncidentPage",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "page", "per_page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": INCIDENT_SUMMARY},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
    },
)
OBLIGATION = schema(
    "Obligation",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "due_at", "done_at"],
        "properties": {
            "kind": {"type": "string", "enum": list(OBLIGATION_KINDS)},
            "due_at": NULLABLE_DATETIME,
            "done_at": NULLABLE_DATETIME,
        },
    },
)
REPORTER = schema(
    "Reporter",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "role", "email", "phone"],
        "properties": {k: {"type": "string"} for k in ("name", "role", "email", "phone")},
    },
)
_DETAIL_PROPERTIES: dict[str, Any] = {
    **_SUMMARY_PROPERTIES,
    "description": {"type": "string"},
    "ongoing": {"type": "string", "enum": list(ANSWERS)},
    "personal_data_reported": {"type": "string", "enum": list(ANSWERS)},
    "detected_at": NULLABLE_DATETIME,
    "aware_at": DATETIME,
    "significant": {"type": "boolean"},
    "personal_data_breach": {"type": "boolean"},
    "resolution": {"type": ["string", "null"]},
    "duplicate_of": {"anyOf": [REFERENCE, {"type": "null"}]},
    "obligations": {"type": "array", "items": OBLIGATION},
    "updated_at": DATETIME,
}
_STAFF_ONLY: dict[str, Any] = {
    "reporter": REPORTER,
    "organisation_hint": {"type": "string", "description": "Organisation telle que saisie par le déclarant"},
}
INCIDENT = schema(
    "Incident",
    {
        "type": "object",
        "additionalProperties": False,
        "required": list(_DETAIL_PROPERTIES),
        "properties": {**_DETAIL_PROPERTIES, **_STAFF_ONLY},
        "description": "`reporter` et `organisation_hint` : équipe du CSIRT seulement.",
    },
)
NEW_INCIDENT_RESPONSE = schema(
    "NewIncident",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["incident", "follow_up_url"],
        "properties": {
            "incident": INCIDENT,
            "follow_up_url": {
                "type": "string",
                "description": "Lien de suivi privé du déclarant (montré une fois, aussi envoyé par e-mail)",
            },
        },
    },
)
OBSERVABLE = schema(
    "Observable",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "kind", "value", "internal", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "enum": list(OBSERVABLE_KINDS)},
            "value": {"type": "string"},
            "internal": {"type": "boolean"},
            "created_at": DATETIME,
        },
    },
)
COMMENT = schema(
    "Comment",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["at", "author", "author_kind", "body", "shared"],
        "properties": {
            "at": DATETIME,
            "author": {"type": "string"},
            "author_kind": {"type": "string", "enum": ["staff", "reporter", "member"]},
            "body": {"type": "string"},
            "shared": {"type": "boolean"},
        },
    },
)


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def summary_json(row: QueueRow, actor: Actor) -> dict[str, Any]:
    assignee: dict[str, str] | None = None
    if row.assignee_name is not None:
        assignee = {"name": row.assignee_name}
        if actor.is_staff and row.assignee_public_id:
            assignee["id"] = row.assignee_public_id
    return {
        "reference": row.reference,
        "title": row.title,
        "status": row.status,
        "severity": row.severity,
        "tlp": row.tlp,
        "pap": row.pap,
        "rsit_class": row.rsit_class,
        "rsit_type": row.rsit_type,
        "situation": row.situation,
        "channel": row.channel,
        "organisation": (
            {"siren": row.organisation_siren, "name": row.organisation_name}
            if row.organisation_siren
            else None
        ),
        "assignee": assignee,
        "next_due_at": _when(row.next_due_at),
        "reported_at": row.reported_at.isoformat(),
        "version": row.version,
    }


def incident_json(incident: Incident, actor: Actor) -> dict[str, Any]:
    organisation = incident.organisation
    assignee: dict[str, str] | None = None
    if incident.assignee is not None:
        assignee = {"name": incident.assignee.name or incident.assignee.email}
        if actor.is_staff:
            assignee["id"] = incident.assignee.public_id
    data: dict[str, Any] = {
        "reference": incident.reference,
        "title": incident.title,
        "status": incident.status,
        "severity": incident.severity,
        "tlp": incident.tlp,
        "pap": incident.pap,
        "rsit_class": incident.rsit_class,
        "rsit_type": incident.rsit_type,
        "situation": incident.reporter_situation,
        "channel": incident.channel,
        "organisation": {"siren": organisation.siren, "name": organisation.name} if organisation else None,
        "assignee": assignee,
        "next_due_at": _when(incident.next_due_at),
        "reported_at": incident.reported_at.isoformat(),
        "version": incident.version,
        "description": incident.description,
        "ongoing": incident.ongoing,
        "personal_data_reported": incident.personal_data_reported,
        "detected_at": _when(incident.detected_at),
        "aware_at": incident.aware_at.isoformat(),
        "significant": incident.significant,
        "personal_data_breach": incident.personal_data_breach,
        "resolution": incident.resolution,
        "duplicate_of": incident.duplicate_of.reference if incident.duplicate_of else None,
        "obligations": [
            {"kind": o.kind, "due_at": _when(o.due_at), "done_at": _when(o.done_at)}
            for o in incident.obligations
        ],
        "updated_at": incident.updated_at.isoformat(),
    }
    if actor.is_staff:
        data["reporter"] = {
            "name": incident.reporter_name or "",
            "role": incident.reporter_role or "",
            "email": incident.reporter_email or "",
            "phone": incident.reporter_phone or "",
        }
        data["organisation_hint"] = incident.organisation_hint
    return data


def observable_json(observable: Observable) -> dict[str, Any]:
    return {
        "id": observable.public_id,
        "kind": observable.kind,
        "value": observable.value,
        "internal": observable.internal,
        "created_at": observable.created_at.isoformat(),
    }


def comment_json(comment: Comment) -> dict[str, Any]:
    return {
        "at": comment.at.isoformat(),
        "author": comment.author,
        "author_kind": comment.author_kind,
        "body": comment.body,
        "shared": comment.shared,
    }

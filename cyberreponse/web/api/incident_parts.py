"""Observables and comments of an incident: read in the token's scope, written by the CSIRT team
(members may post shared messages; they never see internal comments or observables)."""

from __future__ import annotations

from flask import jsonify
from flask.typing import ResponseReturnValue

from cyberreponse.errors import Invalid
from cyberreponse.models import OBSERVABLE_KINDS
from cyberreponse.services import incident_activity, incidents
from cyberreponse.web.api.blueprint import api_actor, bp
from cyberreponse.web.api.incident_schemas import COMMENT, OBSERVABLE, comment_json, observable_json
from cyberreponse.web.api.incidents import REFERENCE
from cyberreponse.web.api.inputs import boolean_field, json_object, text_field
from cyberreponse.web.api.openapi import json_body, operation, schema
from cyberreponse.web.context import db_session, settings
from cyberreponse.web.uploads import deliver_mail_after

TAG = "incidents"
MAX_VALUES = 200

OBSERVABLE_LIST = schema(
    "ObservableList",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": OBSERVABLE}},
    },
)
NEW_OBSERVABLES = schema(
    "NewObservables",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "values"],
        "properties": {
            "kind": {"type": "string", "enum": list(OBSERVABLE_KINDS)},
            "values": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_VALUES,
                "items": {"type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[^\\r\\n]*$"},
            },
            "internal": {
                "type": "boolean",
                "description": "Réservé au CSIRT : jamais montré au membre ni exporté",
            },
        },
    },
)
ADDED_OBSERVABLES = schema(
    "AddedObservables",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["added", "already_known"],
        "properties": {
            "added": {"type": "array", "items": OBSERVABLE},
            "already_known": {"type": "integer", "minimum": 0},
        },
    },
)
COMMENT_LIST = schema(
    "CommentList",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": COMMENT}},
    },
)
NEW_COMMENT = schema(
    "NewComment",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["body"],
        "properties": {
            "body": {"type": "string", "minLength": 1, "maxLength": incident_activity.COMMENT_MAX},
            "shared": {
                "type": "boolean",
                "description": (
                    "Équipe : false (défaut) pour une note interne, true pour partager avec le déclarant "
                    "et le membre. Membre : toujours partagé (false est refusé)."
                ),
            },
        },
    },
)


@bp.get("/incidents/<reference>/observables")
@operation(
    summary="Observables d'un incident (un membre ne voit pas les internes)",
    tag=TAG,
    parameters=[REFERENCE],
    responses={200: ("Les observables", OBSERVABLE_LIST)},
    errors=(404,),
)
def list_observables(reference: str) -> ResponseReturnValue:
    actor = api_actor()
    incident = incidents.get_incident(db_session(), actor, reference)
    items = incident_activity.visible_observables(incident, actor)
    return jsonify({"items": [observable_json(o) for o in items]})


@bp.post("/incidents/<reference>/observables")
@operation(
    summary="Ajouter des observables (équipe du CSIRT)",
    tag=TAG,
    description="Valeurs validées et normalisées (URL et adresses « désarmées » acceptées) ; tout ou rien.",
    parameters=[REFERENCE],
    request_body=json_body(NEW_OBSERVABLES),
    responses={201: ("Les observables ajoutés et le nombre de valeurs déjà connues", ADDED_OBSERVABLES)},
    errors=(403, 404),
)
def add_observables(reference: str) -> ResponseReturnValue:
    actor = api_actor()
    incidents.get_incident(db_session(), actor, reference)  # 404 before anything else
    body = json_object(allowed=("kind", "values", "internal"), required=("kind", "values"))
    kind = text_field(body, "kind", 16)
    values = body["values"]
    if not isinstance(values, list) or not 1 <= len(values) <= MAX_VALUES:
        raise Invalid("values", f"« values » doit être une liste de 1 à {MAX_VALUES} chaînes.")
    lines = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or "\n" in value or "\r" in value:
            raise Invalid("values", "Chaque valeur est une chaîne non vide, sur une seule ligne.")
        lines.append(value)
    internal = boolean_field(body, "internal") if "internal" in body else False
    added, known = incident_activity.add_observables(
        db_session(), actor, reference, kind, "\n".join(lines), internal=internal
    )
    return jsonify({"added": [observable_json(o) for o in added], "already_known": known}), 201


@bp.get("/incidents/<reference>/comments")
@operation(
    summary="Messages d'un incident (un membre ne voit que les messages partagés)",
    tag=TAG,
    parameters=[REFERENCE],
    responses={200: ("Les messages, du plus ancien au plus récent", COMMENT_LIST)},
    errors=(404,),
)
def list_comments(reference: str) -> ResponseReturnValue:
    actor = api_actor()
    incident = incidents.get_incident(db_session(), actor, reference)
    return jsonify({"items": [comment_json(c) for c in incident_activity.visible_comments(incident, actor)]})


@bp.post("/incidents/<reference>/comments")
@operation(
    summary="Écrire un message",
    tag=TAG,
    description=(
        "Équipe : note interne ou message partagé (le déclarant est prévenu par e-mail). Membre : message "
        "toujours partagé, lu par le CSIRT (prévenu par e-mail), l'organisation et le déclarant."
    ),
    parameters=[REFERENCE],
    request_body=json_body(NEW_COMMENT),
    responses={201: ("Le message enregistré", COMMENT)},
    errors=(403, 404),
)
def add_comment(reference: str) -> ResponseReturnValue:
    actor = api_actor()
    incidents.get_incident(db_session(), actor, reference)
    body = json_object(allowed=("body", "shared"), required=("body",))
    text = text_field(body, "body", incident_activity.COMMENT_MAX)
    if actor.is_member:
        if "shared" in body and boolean_field(body, "shared") is not True:
            raise Invalid(
                "shared", "Les messages d'un membre sont toujours partagés avec le CSIRT et le déclarant."
            )
        comment = incident_activity.add_member_message(db_session(), actor, reference, text, settings())
    else:
        shared = boolean_field(body, "shared") if "shared" in body else False
        comment = incident_activity.add_comment(
            db_session(), actor, reference, text, shared=shared, settings=settings()
        )
    response = jsonify(comment_json(comment))
    response.status_code = 201
    return deliver_mail_after(response)

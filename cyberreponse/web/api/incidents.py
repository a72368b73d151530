"""`/api/v1/incidents`: the scoped queue, reporting, reading, triage (PATCH) and sharing exports."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.typing import ResponseReturnValue

from cyberreponse.clock import in_paris
from cyberreponse.errors import Invalid
from cyberreponse.models import SEVERITIES, STATUSES
from cyberreponse.models.incident import PAP_LEVELS, TLP_LEVELS
from cyberreponse.services import exports, incident_queue, incidents, intake
from cyberreponse.services.scoping import require_staff
from cyberreponse.services.shared_incident import Producer
from cyberreponse.vocabularies import REPORTER_SITUATIONS, RSIT_TAXONOMY, RSIT_TYPES
from cyberreponse.web.api.blueprint import api_actor, bp
from cyberreponse.web.api.incident_schemas import (
    INCIDENT,
    INCIDENT_PAGE,
    NEW_INCIDENT_RESPONSE,
    incident_json,
    summary_json,
)
from cyberreponse.web.api.inputs import (
    boolean_field,
    datetime_field,
    integer_field,
    json_object,
    nullable_text,
    query_choice,
    query_flag,
    query_int,
    query_text,
    text_field,
)
from cyberreponse.web.api.openapi import (
    json_body,
    operation,
    optional_choice,
    path_parameter,
    query_parameter,
    schema,
)
from cyberreponse.web.context import db_session, settings
from cyberreponse.web.uploads import deliver_mail_after

TAG = "incidents"
REFERENCE = path_parameter("reference", "Référence de l'incident (CR-AAAA-NNNNN)", maxLength=32)
_ANSWER = {"type": "string", "enum": list(intake.ANSWERS)}
_TEXT = {"type": "string"}


def _nullable(values: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {"anyOf": [{"type": "string", "enum": list(values)}, {"type": "null"}]}


NEW_INCIDENT = schema(
    "NewIncidentReport",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "situation", "description"],
        "properties": {
            "organisation": {**_TEXT, "maxLength": 200, "description": "SIREN, code INSEE ou nom du membre"},
            "name": {**_TEXT, "maxLength": 200},
            "role": {**_TEXT, "maxLength": 200},
            "email": {
                **_TEXT,
                "maxLength": 254,
                "description": "E-mail ou téléphone : au moins l'un des deux",
            },
            "phone": {**_TEXT, "maxLength": 25},
            "situation": {"type": "string", "enum": list(REPORTER_SITUATIONS)},
            "noticed_at": {"type": "string", "format": "date-time"},
            "ongoing": _ANSWER,
            "personal_data": _ANSWER,
            "title": {**_TEXT, "maxLength": intake.TITLE_MAX},
            "description": {**_TEXT, "minLength": 1, "maxLength": intake.DESCRIPTION_MAX},
        },
    },
)
INCIDENT_CHANGES = schema(
    "IncidentChanges",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": {
            "version": {"type": "integer", "description": "La version lue (`version` de l'incident)"},
            "organisation": {"type": ["string", "null"], "maxLength": 9, "description": "SIREN du membre"},
            "rsit_class": _nullable(list(RSIT_TAXONOMY)),
            "rsit_type": _nullable(RSIT_TYPES),
            "severity": _nullable(SEVERITIES),
            "tlp": {"type": "string", "enum": list(TLP_LEVELS)},
            "pap": {"type": "string", "enum": list(PAP_LEVELS)},
            "assignee": {"type": ["string", "null"], "maxLength": 32, "description": "Identifiant public"},
            "status": {"type": "string", "enum": list(STATUSES)},
            "duplicate_of": {"type": ["string", "null"], "maxLength": 16},
            "significant": {"type": "boolean"},
            "personal_data_breach": {"type": "boolean"},
            "aware_at": {"type": "string", "format": "date-time"},
            "resolution": {"type": ["string", "null"], "maxLength": 5000},
        },
    },
)
_TEXT_CHANGES = {
    "organisation": 9,
    "rsit_class": 48,
    "rsit_type": 48,
    "severity": 16,
    "assignee": 32,
    "duplicate_of": 16,
    "resolution": 5000,
}


@bp.get("/incidents")
@operation(
    summary="File des incidents du périmètre du jeton, filtrée, triée et paginée",
    tag=TAG,
    parameters=[
        query_parameter(
            "status",
            "`open` (défaut), `all` ou un statut",
            optional_choice(["open", "all", *STATUSES]),
        ),
        query_parameter("severity", "Gravité", optional_choice(SEVERITIES)),
        query_parameter(
            "organisation",
            "SIREN du membre, ou `none` (pas encore rattaché)",
            {"type": "string", "maxLength": 9},
        ),
        query_parameter(
            "assignee", "Identifiant public de l'analyste, ou `none`", {"type": "string", "maxLength": 32}
        ),
        query_parameter("sort", "Tri", optional_choice(incident_queue.SORTS)),
        query_parameter("page", "Page (à partir de 1)", {"type": "integer", "minimum": 1, "maximum": 100000}),
        query_parameter("per_page", "Taille de page", {"type": "integer", "minimum": 1, "maximum": 200}),
    ],
    responses={200: ("Une page d'incidents", INCIDENT_PAGE)},
)
def list_incidents() -> ResponseReturnValue:
    actor = api_actor()
    per_page = query_int("per_page", incident_queue.PAGE_SIZE, 1, settings().get_int("api.max_page_size"))
    filters = incident_queue.QueueFilters(
        status=query_choice("status", ("open", "all", *STATUSES)) or "open",
        severity=query_choice("severity", SEVERITIES),
        organisation=query_text("organisation", 9),
        assignee=query_text("assignee", 32),
        sort=query_choice("sort", incident_queue.SORTS) or "reported",
        page=query_int("page", 1, 1, 100_000),
    )
    page = incident_queue.list_incidents(db_session(), actor, filters, page_size=per_page)
    return jsonify(
        {
            "items": [summary_json(row, actor) for row in page.rows],
            "page": page.page,
            "per_page": per_page,
            "pages": page.pages,
            "total": page.total,
        }
    )


def _report_form(body: dict[str, Any]) -> intake.ReportForm:
    noticed = datetime_field(body, "noticed_at")
    texts = {
        name: text_field(body, name, limit) if name in body else ""
        for name, limit in (
            ("organisation", 200),
            ("name", 200),
            ("role", 200),
            ("email", 254),
            ("phone", 25),
            ("situation", 32),
            ("title", intake.TITLE_MAX),
            ("description", intake.DESCRIPTION_MAX),
        )
    }
    return intake.ReportForm(
        **texts,
        noticed_at=in_paris(noticed).strftime("%Y-%m-%dT%H:%M") if noticed else "",
        ongoing=text_field(body, "ongoing", 8) if "ongoing" in body else "unknown",
        personal_data=text_field(body, "personal_data", 8) if "personal_data" in body else "unknown",
    )


@bp.post("/incidents")
@operation(
    summary="Signaler un incident (mêmes règles que le formulaire public)",
    tag=TAG,
    description=(
        "Corps JSON seulement : les pièces jointes se déposent par le formulaire web ou le lien de suivi. "
        "Un compte membre signale pour une de ses organisations (celle qu'il nomme, ou la seule qu'il a). "
        "Les délais légaux partent de `noticed_at` (ou de maintenant)."
    ),
    request_body=json_body(NEW_INCIDENT),
    responses={201: ("L'incident enregistré et le lien de suivi du déclarant", NEW_INCIDENT_RESPONSE)},
    errors=(403,),
)
def create_incident() -> ResponseReturnValue:
    body = json_object(
        allowed=tuple(intake.ReportForm.__dataclass_fields__), required=("name", "situation", "description")
    )
    actor = api_actor()
    result = intake.submit_api_report(db_session(), actor, _report_form(body), settings())
    link = f"{settings().get_str('app.base_url')}/suivi/{result.follow_up_token}"
    response = jsonify({"incident": incident_json(result.incident, actor), "follow_up_url": link})
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/incidents/{result.incident.reference}"
    return deliver_mail_after(response)


@bp.get("/incidents/<reference>")
@operation(
    summary="Un incident",
    tag=TAG,
    parameters=[REFERENCE],
    responses={200: ("L'incident", INCIDENT)},
    errors=(404,),
)
def get_incident(reference: str) -> ResponseReturnValue:
    actor = api_actor()
    return jsonify(incident_json(incidents.get_incident(db_session(), actor, reference), actor))


@bp.patch("/incidents/<reference>")
@operation(
    summary="Qualifier ou faire avancer un incident (équipe du CSIRT)",
    tag=TAG,
    description=(
        "Seuls les champs envoyés changent ; `version` (celle lue) est obligatoire. Si quelqu'un a modifié "
        "un de ces champs depuis : 409 avec `changes` (valeur actuelle, valeur demandée). Le cycle de vie "
        "est celui de l'interface (pas de `new` → `closed`). Un compte membre reçoit 403 : aucun champ "
        "d'un incident ne lui est modifiable."
    ),
    parameters=[REFERENCE],
    request_body=json_body(INCIDENT_CHANGES),
    responses={200: ("L'incident modifié", INCIDENT)},
    errors=(403, 404, 409),
)
def patch_incident(reference: str) -> ResponseReturnValue:
    actor = api_actor()
    incident = incidents.get_incident(db_session(), actor, reference)  # 404 before 403
    require_staff(actor)
    body = json_object(allowed=("version", *incidents.PATCHABLE), required=("version",))
    version = integer_field(body, "version")
    values: dict[str, str | bool] = {}
    for name in body:
        if name in _TEXT_CHANGES:
            values[name] = nullable_text(body, name, _TEXT_CHANGES[name])
        elif name in ("tlp", "pap", "status"):
            # Empty would read as "unchanged" in the triage form: here it is a wrong value.
            values[name] = text_field(body, name, 16) or "?"
        elif name in ("significant", "personal_data_breach"):
            values[name] = boolean_field(body, name)
        elif name == "aware_at":
            moment = datetime_field(body, name)
            if moment is None:
                raise Invalid(name, "« aware_at » ne peut être vide.")
            values[name] = in_paris(moment).strftime("%Y-%m-%dT%H:%M")
    incident = incidents.patch_incident(
        db_session(), actor, incident.reference, values, expected_version=version
    )
    return jsonify(incident_json(incident, actor))


@bp.get("/incidents/<reference>/export")
@operation(
    summary="Exporter un incident : événement MISP ou bundle STIX 2.1",
    tag=TAG,
    description=(
        "Audité. Un incident TLP:RED n'est exporté qu'avec `confirm_tlp_red=true` (sinon 400 "
        "`confirmation_required`). Seuls la référence, le résumé, la classification, TLP/PAP et les "
        "observables non internes sont exportés (docs/exports.md)."
    ),
    parameters=[
        REFERENCE,
        {
            "name": "format",
            "in": "query",
            "required": True,
            "description": "`misp` ou `stix`",
            "schema": {"type": "string", "enum": list(exports.FORMATS)},
        },
        query_parameter("confirm_tlp_red", "Confirmer l'export d'un incident TLP:RED", {"type": "boolean"}),
    ],
    responses={200: ("L'événement MISP ou le bundle STIX", {"type": "object"})},
    errors=(404,),
)
def export_incident(reference: str) -> ResponseReturnValue:
    export_format = query_choice("format", exports.FORMATS)
    if not export_format:
        raise Invalid("format", "« format » est obligatoire : misp ou stix.")
    export = exports.export_incident(
        db_session(),
        api_actor(),
        reference,
        export_format,
        Producer.from_settings(settings()),
        confirm_tlp_red=query_flag("confirm_tlp_red"),
    )
    return Response(export.text, mimetype="application/json")

"""`/api/v1/organisations`: members in the token's scope, and their assets (written by staff)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask.typing import ResponseReturnValue

from cyberreponse.models import ASSET_KINDS, NIS2_STATUSES, ORGANISATION_KINDS, Asset, Organisation
from cyberreponse.services import members
from cyberreponse.web.api.blueprint import api_actor, bp
from cyberreponse.web.api.inputs import json_object, query_choice, query_int, query_text, text_field
from cyberreponse.web.api.openapi import (
    json_body,
    operation,
    optional_choice,
    path_parameter,
    query_parameter,
    schema,
)
from cyberreponse.web.context import db_session, settings

TAG = "organisations"
_DATETIME = {"type": "string", "format": "date-time"}
_SIREN = path_parameter("siren", "SIREN de l'organisation (9 chiffres)")

ORGANISATION = schema(
    "Organisation",
    {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "siren",
            "name",
            "kind",
            "nis2_status",
            "insee_code",
            "population",
            "parent_siren",
            "active",
            "scan_consent",
            "scan_consent_at",
        ],
        "properties": {
            "siren": {"type": "string", "pattern": "^[0-9]{9}$"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": list(ORGANISATION_KINDS)},
            "nis2_status": {"type": "string", "enum": list(NIS2_STATUSES)},
            "insee_code": {"type": ["string", "null"]},
            "population": {"type": ["integer", "null"]},
            "parent_siren": {"type": ["string", "null"]},
            "active": {"type": "boolean"},
            "scan_consent": {"type": "boolean"},
            "scan_consent_at": {"anyOf": [_DATETIME, {"type": "null"}]},
        },
    },
)
ORGANISATION_PAGE = schema(
    "OrganisationPage",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "page", "per_page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": ORGANISATION},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
    },
)
ASSET = schema(
    "Asset",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "value", "scan_enabled", "created_at"],
        "properties": {
            "kind": {"type": "string", "enum": list(ASSET_KINDS)},
            "value": {"type": "string"},
            "scan_enabled": {"type": "boolean"},
            "created_at": _DATETIME,
        },
    },
)
ASSET_LIST = schema(
    "AssetList",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ASSET}},
    },
)
NEW_ASSET = schema(
    "NewAsset",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", "value"],
        "properties": {
            "kind": {"type": "string", "enum": list(ASSET_KINDS)},
            "value": {"type": "string", "minLength": 1, "maxLength": 253},
        },
    },
)


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    """What the API shows of a member: public identifiers only, never internal ids."""
    return {
        "siren": organisation.siren,
        "name": organisation.name,
        "kind": organisation.kind,
        "nis2_status": organisation.nis2_status,
        "insee_code": organisation.insee_code,
        "population": organisation.population,
        "parent_siren": organisation.parent.siren if organisation.parent else None,
        "active": organisation.active,
        "scan_consent": organisation.has_scan_consent,
        "scan_consent_at": organisation.scan_consent_at.isoformat() if organisation.scan_consent_at else None,
    }


def asset_json(asset: Asset) -> dict[str, Any]:
    return {
        "kind": asset.kind,
        "value": asset.value,
        "scan_enabled": asset.scan_enabled,
        "created_at": asset.created_at.isoformat(),
    }


@bp.get("/organisations")
@operation(
    summary="Organisations du périmètre du jeton, paginées",
    tag=TAG,
    parameters=[
        query_parameter(
            "q", "Recherche dans le nom, le SIREN ou le code INSEE", {"type": "string", "maxLength": 200}
        ),
        query_parameter("kind", "Type d'organisation", optional_choice(ORGANISATION_KINDS)),
        query_parameter("page", "Page (à partir de 1)", {"type": "integer", "minimum": 1, "maximum": 100000}),
        query_parameter("per_page", "Taille de page", {"type": "integer", "minimum": 1, "maximum": 200}),
    ],
    responses={200: ("Une page d'organisations", ORGANISATION_PAGE)},
)
def list_organisations() -> ResponseReturnValue:
    per_page = query_int("per_page", members.PAGE_SIZE, 1, settings().get_int("api.max_page_size"))
    page = members.search_organisations(
        db_session(),
        api_actor(),
        query_text("q", 200),
        query_choice("kind", ORGANISATION_KINDS),
        query_int("page", 1, 1, 100_000),
        page_size=per_page,
    )
    return jsonify(
        {
            "items": [organisation_json(o) for o in page.items],
            "page": page.page,
            "per_page": per_page,
            "pages": page.pages,
            "total": page.total,
        }
    )


@bp.get("/organisations/<siren>")
@operation(
    summary="Une organisation",
    tag=TAG,
    parameters=[_SIREN],
    responses={200: ("L'organisation", ORGANISATION)},
    errors=(404,),
)
def get_organisation(siren: str) -> ResponseReturnValue:
    return jsonify(organisation_json(members.get_organisation(db_session(), api_actor(), siren)))


@bp.get("/organisations/<siren>/assets")
@operation(
    summary="Actifs déclarés d'une organisation",
    tag=TAG,
    parameters=[_SIREN],
    responses={200: ("Les actifs", ASSET_LIST)},
    errors=(404,),
)
def list_assets(siren: str) -> ResponseReturnValue:
    organisation = members.get_organisation(db_session(), api_actor(), siren)
    return jsonify({"items": [asset_json(a) for a in organisation.assets]})


@bp.post("/organisations/<siren>/assets")
@operation(
    summary="Déclarer un actif (équipe du CSIRT)",
    tag=TAG,
    parameters=[_SIREN],
    request_body=json_body(NEW_ASSET),
    responses={201: ("L'actif créé", ASSET)},
    errors=(403, 404, 409),
)
def add_asset(siren: str) -> ResponseReturnValue:
    body = json_object(allowed=("kind", "value"), required=("kind", "value"))
    asset = members.add_asset(
        db_session(), api_actor(), siren, text_field(body, "kind", 16), text_field(body, "value", 253)
    )
    return jsonify(asset_json(asset)), 201


@bp.delete("/organisations/<siren>/assets/<kind>/<path:value>")
@operation(
    summary="Retirer un actif (équipe du CSIRT)",
    tag=TAG,
    parameters=[
        _SIREN,
        path_parameter("kind", "Type d'actif", enum=list(ASSET_KINDS)),
        path_parameter("value", "Valeur de l'actif (nom de domaine, adresse IP, réseau CIDR)"),
    ],
    responses={204: ("Actif retiré", None)},
    errors=(403, 404),
)
def remove_asset(siren: str, kind: str, value: str) -> ResponseReturnValue:
    members.remove_asset(db_session(), api_actor(), siren, kind, value)
    return Response(status=204)

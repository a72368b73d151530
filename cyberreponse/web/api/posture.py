"""`/api/v1/organisations/<siren>/findings` (scoped) and `/api/v1/campaigns` (staff)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from cyberreponse.models import ASSET_KINDS, CAMPAIGN_KINDS, Campaign
from cyberreponse.services import campaigns, posture
from cyberreponse.services.posture import FindingView
from cyberreponse.web.api.blueprint import api_actor, bp
from cyberreponse.web.api.inputs import query_int
from cyberreponse.web.api.openapi import operation, path_parameter, query_parameter, schema
from cyberreponse.web.context import db_session, settings

_DATETIME = {"type": "string", "format": "date-time"}
_OPTIONAL_DATETIME = {"anyOf": [_DATETIME, {"type": "null"}]}
_SEVERITIES = ["info", "low", "medium", "high", "critical"]

FINDING = schema(
    "Finding",
    {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "asset",
            "check",
            "code",
            "severity",
            "title",
            "explanation",
            "first_seen",
            "last_seen",
            "details",
        ],
        "properties": {
            "id": {"type": "string"},
            "asset": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind", "value"],
                "properties": {
                    "kind": {"type": "string", "enum": list(ASSET_KINDS)},
                    "value": {"type": "string"},
                },
            },
            "check": {"type": "string"},
            "code": {"type": "string"},
            "severity": {"type": "string", "enum": _SEVERITIES},
            "title": {"type": "string", "description": "Titre en français"},
            "explanation": {"type": "string", "description": "Le risque et comment le corriger, en français"},
            "first_seen": _DATETIME,
            "last_seen": _DATETIME,
            "details": {"type": "object"},
        },
    },
)
FINDING_LIST = schema(
    "FindingList",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": FINDING}},
    },
)
CAMPAIGN = schema(
    "Campaign",
    {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "kind",
            "status",
            "organisation_siren",
            "requested_by",
            "started_at",
            "finished_at",
            "units",
            "results_written",
            "findings_opened",
            "findings_resolved",
        ],
        "properties": {
            "id": {"type": "string"},
            "kind": {"type": "string", "enum": list(CAMPAIGN_KINDS)},
            "status": {"type": "string", "enum": ["running", "done"]},
            "organisation_siren": {"type": ["string", "null"]},
            "requested_by": {"type": "string"},
            "started_at": _OPTIONAL_DATETIME,
            "finished_at": _OPTIONAL_DATETIME,
            "units": {
                "type": "object",
                "additionalProperties": False,
                "required": ["total", "done", "failed", "skipped"],
                "properties": {
                    k: {"type": "integer", "minimum": 0} for k in ("total", "done", "failed", "skipped")
                },
            },
            "results_written": {"type": "integer", "minimum": 0},
            "findings_opened": {"type": "integer", "minimum": 0},
            "findings_resolved": {"type": "integer", "minimum": 0},
        },
    },
)
CAMPAIGN_PAGE = schema(
    "CampaignPage",
    {
        "type": "object",
        "additionalProperties": False,
        "required": ["items", "page", "pages", "total"],
        "properties": {
            "items": {"type": "array", "items": CAMPAIGN},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
        },
    },
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def finding_json(view: FindingView) -> dict[str, Any]:
    finding = view.finding
    details: dict[str, Any] = {}
    if finding.last_result is not None:
        details = next(
            (p.get("details") or {} for p in finding.last_result.problems if p.get("code") == finding.code),
            {},
        )
    return {
        "id": finding.public_id,
        "asset": {"kind": view.asset.kind, "value": view.asset.value},
        "check": finding.check_id,
        "code": finding.code,
        "severity": finding.severity,
        "title": view.title,
        "explanation": view.explanation,
        "first_seen": finding.first_seen.isoformat(),
        "last_seen": finding.last_seen.isoformat(),
        "details": details,
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.public_id,
        "kind": campaign.kind,
        "status": campaign.status,
        "organisation_siren": campaign.organisation.siren if campaign.organisation else None,
        "requested_by": campaign.requested_by,
        "started_at": _iso(campaign.started_at),
        "finished_at": _iso(campaign.finished_at),
        "units": {
            "total": campaign.units_total,
            "done": campaign.units_done,
            "failed": campaign.units_failed,
            "skipped": campaign.units_skipped,
        },
        "results_written": campaign.results_written,
        "findings_opened": campaign.findings_opened,
        "findings_resolved": campaign.findings_resolved,
    }


@bp.get("/organisations/<siren>/findings")
@operation(
    summary="Constats ouverts d'une organisation (les plus graves d'abord)",
    tag="posture",
    parameters=[path_parameter("siren", "SIREN de l'organisation (9 chiffres)")],
    responses={200: ("Les constats ouverts", FINDING_LIST)},
    errors=(404,),
)
def list_findings(siren: str) -> ResponseReturnValue:
    _organisation, views = posture.organisation_findings(db_session(), api_actor(), siren)
    return jsonify({"items": [finding_json(v) for v in views]})


@bp.get("/campaigns")
@operation(
    summary="Campagnes d'analyse, les plus récentes d'abord (équipe du CSIRT)",
    tag="posture",
    parameters=[
        query_parameter("page", "Page (à partir de 1)", {"type": "integer", "minimum": 1, "maximum": 100000}),
        query_parameter("per_page", "Taille de page", {"type": "integer", "minimum": 1, "maximum": 200}),
    ],
    responses={200: ("Une page de campagnes", CAMPAIGN_PAGE)},
    errors=(403,),
)
def list_campaigns() -> ResponseReturnValue:
    per_page = query_int("per_page", campaigns.PAGE_SIZE, 1, settings().get_int("api.max_page_size"))
    page = campaigns.list_campaigns(
        db_session(), api_actor(), query_int("page", 1, 1, 100_000), page_size=per_page
    )
    return jsonify(
        {
            "items": [campaign_json(c) for c in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
        }
    )

"""JSON API v1: see blueprint.py (authentication, errors), openapi.py (the document) and one
module per resource. A resource module registers its routes on `bp` when imported here."""

from __future__ import annotations

from flask import Flask, current_app, jsonify
from flask.typing import ResponseReturnValue

from cyberreponse.web.api import incident_parts, incidents, organisations, posture
from cyberreponse.web.api.blueprint import bp, init_app
from cyberreponse.web.api.openapi import build_document, operation

RESOURCES = (organisations, incidents, incident_parts, posture)


@bp.get("/openapi.json")
@operation(
    summary="Ce document OpenAPI",
    tag="meta",
    responses={200: ("Le document OpenAPI 3.1 de l'API", {"type": "object"})},
)
def openapi_document() -> ResponseReturnValue:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return jsonify(build_document(app))


__all__ = ["RESOURCES", "bp", "init_app"]

"""The OpenAPI document describes every API route, and the API keeps to it under schemathesis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.extensions import limiter
from cyberreponse.models import Comment, Incident, Observable, Organisation
from cyberreponse.web.api.openapi import build_document, undocumented_routes
from tests.factories import make_asset, make_finding, make_incident, make_organisation, make_user
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db


def negative_data_refused(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis' rejection check, counting 413 as a refusal too: a body over the API's size limit
    (documented for every operation) is turned away before it is parsed, which is the point."""
    if response.status_code == 413:
        return True
    result: bool | None = negative_data_rejection(ctx, response, case)
    return result


CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 25


@pytest.fixture
def unthrottled_app(settings: Settings, db: Database) -> Flask:
    """The app with rate limits high enough for a few hundred generated calls."""
    app = create_app(
        settings=settings.with_overrides(
            {"api.rate_limit": "100000 per minute", "api.ip_rate_limit": "100000 per minute"}
        ),
        database=db,
    )
    with app.app_context():
        limiter.reset()
    return app


def test_every_api_route_is_documented(app: Flask) -> None:
    assert undocumented_routes(app) == []
    document = build_document(app)
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/openapi.json",
        "/api/v1/organisations",
        "/api/v1/organisations/{siren}",
        "/api/v1/organisations/{siren}/assets",
        "/api/v1/organisations/{siren}/assets/{kind}/{value}",
        "/api/v1/incidents",
        "/api/v1/incidents/{reference}",
        "/api/v1/incidents/{reference}/export",
        "/api/v1/incidents/{reference}/observables",
        "/api/v1/incidents/{reference}/comments",
        "/api/v1/organisations/{siren}/findings",
        "/api/v1/campaigns",
    }
    assert set(document["paths"]["/api/v1/organisations/{siren}/assets"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/incidents"]) == {"get", "post"}
    assert set(document["paths"]["/api/v1/incidents/{reference}"]) == {"get", "patch"}
    assert "attachments" not in str(document["paths"]["/api/v1/incidents"]["post"]["requestBody"])
    assert "pièces jointes" in document["paths"]["/api/v1/incidents"]["post"]["description"]


def test_openapi_document_needs_a_token(app: Flask, session: Session) -> None:
    client = app.test_client()
    assert client.get("/api/v1/openapi.json").status_code == 401
    secret = issue(session, make_user(session, "member", [make_organisation(session)]))
    response = client.get("/api/v1/openapi.json", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json()["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def incident_with_parts(session: Session, organisation: Organisation) -> Incident:
    incident = make_incident(session, organisation, tlp="RED", title="<b>Schéma</b>")
    incident.observables.append(Observable(kind="ipv4", value="203.0.113.9", created_by="t"))
    incident.observables.append(
        Observable(kind="domain", value="interne.test", internal=True, created_by="t")
    )
    incident.comments.append(Comment(author="t", author_kind="staff", body="Note interne", shared=False))
    incident.comments.append(Comment(author="t", author_kind="staff", body="Partagé", shared=True))
    session.commit()
    return incident


MEMBER_FORBIDDEN = {"PATCH /api/v1/incidents/{reference}", "POST /api/v1/incidents/{reference}/observables"}


def real_cases(reference: str) -> dict[str, dict[str, Any]]:
    return {
        "GET /api/v1/incidents/{reference}": {"path_parameters": {"reference": reference}},
        "PATCH /api/v1/incidents/{reference}": {
            "path_parameters": {"reference": reference},
            "body": {"version": 1, "status": "triage", "severity": "medium"},
            "media_type": "application/json",
        },
        "GET /api/v1/incidents/{reference}/export": {
            "path_parameters": {"reference": reference},
            "query": {"format": "stix", "confirm_tlp_red": "true"},
        },
        "GET /api/v1/incidents/{reference}/observables": {"path_parameters": {"reference": reference}},
        "POST /api/v1/incidents/{reference}/observables": {
            "path_parameters": {"reference": reference},
            "body": {"kind": "domain", "values": ["mechant[.]example.test"]},
            "media_type": "application/json",
        },
        "GET /api/v1/incidents/{reference}/comments": {"path_parameters": {"reference": reference}},
        "POST /api/v1/incidents/{reference}/comments": {
            "path_parameters": {"reference": reference},
            "body": {"body": "Message", "shared": True},
            "media_type": "application/json",
        },
        "POST /api/v1/incidents": {
            "body": {
                "name": "Claire Martin",
                "email": "claire@mairie.example.test",
                "situation": "ransomware",
                "description": "Fichiers chiffrés.",
            },
            "media_type": "application/json",
        },
    }


def run_operation(strategy: Any, call: Callable[[Any], None]) -> None:
    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        call(case)

    check()


@pytest.mark.slow
@pytest.mark.parametrize("role", ["analyst", "member"])
def test_api_keeps_to_its_openapi_document(unthrottled_app: Flask, session: Session, role: str) -> None:
    organisation = make_organisation(session)
    make_finding(session, make_asset(session, organisation, "mairie-schema.test"))
    make_incident(session, make_organisation(session))  # out of a member's scope
    user = make_user(session, role, [organisation] if role == "member" else None)
    incident = incident_with_parts(session, organisation)
    headers = bearer(issue(session, user))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", unthrottled_app, headers=headers)
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert {op.label for op in operations} >= {
        "GET /api/v1/organisations",
        "GET /api/v1/organisations/{siren}",
        "GET /api/v1/organisations/{siren}/assets",
        "POST /api/v1/organisations/{siren}/assets",
        "DELETE /api/v1/organisations/{siren}/assets/{kind}/{value}",
        "GET /api/v1/incidents",
        "POST /api/v1/incidents",
        "GET /api/v1/incidents/{reference}",
        "PATCH /api/v1/incidents/{reference}",
        "GET /api/v1/incidents/{reference}/export",
        "GET /api/v1/incidents/{reference}/observables",
        "POST /api/v1/incidents/{reference}/observables",
        "GET /api/v1/incidents/{reference}/comments",
        "POST /api/v1/incidents/{reference}/comments",
        "GET /api/v1/organisations/{siren}/findings",
        "GET /api/v1/campaigns",
    }
    by_label = {op.label: op for op in operations}
    cases = {
        **real_cases(incident.reference),
        "GET /api/v1/organisations/{siren}/findings": {"path_parameters": {"siren": organisation.siren}},
    }
    for label, case in cases.items():
        # Generated references almost never exist: these cases walk the paths of a real incident.
        response = by_label[label].Case(**case).call_and_validate(headers=headers, checks=CONFORMANCE)
        member_refused = role == "member" and label in MEMBER_FORBIDDEN
        assert response.status_code == (
            403 if member_refused else 201 if label.startswith("POST") else 200
        ), (
            label,
            response.text,
        )
    for operation in operations:
        run_operation(
            operation.as_strategy(),
            lambda case: case.call_and_validate(headers=headers, checks=CONFORMANCE),
        )
        run_operation(
            operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE),
            lambda case: case.call_and_validate(
                headers=headers, checks=[*CONFORMANCE, negative_data_refused]
            ),
        )

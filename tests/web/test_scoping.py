"""Walk every route of the app as a member of commune A (DESIGN §8, ASVS 8.2.2).

For each URL rule and method, the URL is built twice: with commune A's identifiers (what the member
may reach) and with commune B's. Every answer for B must be 403 or 404 and never show B's data.
A new route whose parameter has no builder below makes this test fail until one is added.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cyberreponse.crypto import new_token
from cyberreponse.models import Attachment, Incident, Observable, Organisation, ReportArchive
from tests.conftest import csrf_token, login
from tests.factories import make_asset, make_finding, make_incident, make_organisation, make_user

pytestmark = pytest.mark.db

# How to build, for a given organisation, a value of each URL parameter that belongs to it.
ParamBuilder = Callable[[Session, Organisation], str]


def _incident_of(session: Session, org: Organisation) -> Incident:
    """One incident per organisation, with an attachment and an observable, shared by the builders
    so that nested URLs (reference + attachment_id) point inside the same incident."""
    cache = session.info.setdefault("scoping_incidents", {})
    if org.id not in cache:
        incident = make_incident(session, org, title=f"Incident de {org.name}")
        incident.attachments.append(
            Attachment(
                uploaded_by="t",
                source="reporter",
                display_name="preuve.txt",
                sniffed_type="text",
                size=5,
                sha256="0" * 64,
                content=b"trace",
            )
        )
        incident.observables.append(Observable(kind="domain", value=f"{org.siren}.test", created_by="t"))
        session.flush()
        cache[org.id] = incident
    incident: Incident = cache[org.id]
    return incident


def _archive_of(session: Session, org: Organisation) -> str:
    """An archived readiness report of the organisation (its content is never a real PDF here)."""
    archive = ReportArchive(
        organisation=org, generated_by="t", filename=f"rapport-{org.siren}.pdf", sha256="0" * 64, size=4,
        content=b"%PDF",
    )  # fmt: skip
    session.add(archive)
    session.flush()
    return archive.public_id


PARAM_BUILDERS: dict[str, ParamBuilder] = {
    "siren": lambda session, org: org.siren,
    "reference": lambda session, org: _incident_of(session, org).reference,
    "attachment_id": lambda session, org: _incident_of(session, org).attachments[0].public_id,
    "observable_id": lambda session, org: _incident_of(session, org).observables[0].public_id,
    # A follow-up link is a capability held by the reporter alone, outside account scoping: what
    # another member can do is guess one.
    "token": lambda session, org: new_token(32),
    "public_id": lambda session, org: make_user(session, "member", [org], totp=False).public_id,
    "digest": lambda session, org: "0" * 16,
    "kind": lambda session, org: org.assets[0].kind,
    "value": lambda session, org: org.assets[0].value,
    "playbook_id": lambda session, org: "ransomware",  # staff pages, the same for every member
    "step_id": lambda session, org: "disconnect-network",  # a step of the ransomware checklist (staff only)
    "archive_id": _archive_of,
}
# Routes not about any organisation's data (public pages, sign-in steps, static files).
NOT_ORGANISATION_DATA = {"static", "intake.first_actions_page"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _url(app: Flask, rule: object, values: dict[str, str]) -> str:
    path = str(rule.rule)  # type: ignore[attr-defined]
    for name in rule.arguments:  # type: ignore[attr-defined]
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", values[name], path)
    return path


def _request(client: FlaskClient, method: str, url: str, token: str) -> tuple[int, str]:
    data = {"csrf_token": token} if method != "GET" else None
    response = client.open(url, method=method, data=data)
    return response.status_code, response.get_data().decode("utf-8", "replace")  # PDFs are binary


def test_member_of_commune_a_gets_404_or_403_for_every_route_of_commune_b(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    commune_a = make_organisation(session, "Commune Alpha")
    commune_b = make_organisation(session, "Commune Bêta Secrète")
    make_asset(session, commune_a, "alpha.test")
    make_finding(session, make_asset(session, commune_b, "beta-secrete.test"))
    member = make_user(session, "member", [commune_a])
    session.commit()

    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in NOT_ORGANISATION_DATA]
    missing = {name for r in rules for name in r.arguments} - set(PARAM_BUILDERS)
    assert not missing, f"add a builder in PARAM_BUILDERS for URL parameter(s): {sorted(missing)}"
    values_a = {name: build(session, commune_a) for name, build in PARAM_BUILDERS.items()}
    values_b = {name: build(session, commune_b) for name, build in PARAM_BUILDERS.items()}
    session.commit()

    login(client, member)
    token = csrf_token(client, "/compte")
    reachable, checked = [], 0
    for rule in rules:
        if not rule.arguments:
            continue
        for method in sorted(set(rule.methods or ()) & set(METHODS)):
            status_a, _ = _request(client, method, _url(app, rule, values_a), token)
            if method == "GET" and status_a == 200:
                reachable.append(rule.rule)
            status_b, body_b = _request(client, method, _url(app, rule, values_b), token)
            checked += 1
            # The API ignores browser sessions (401 without a token); tests/web/test_api_* use tokens.
            allowed = (401, 403, 404, 405) if rule.rule.startswith("/api/") else (403, 404, 405)
            assert status_b in allowed, f"{method} {rule.rule} for commune B answered {status_b}"
            assert commune_b.name not in body_b and "beta-secrete.test" not in body_b
            assert client.get("/espace").status_code == 200, (
                f"{method} {rule.rule} ended the member's session"
            )
    assert "/organisations/<siren>" in reachable  # the walk reached the member's own pages
    assert "/incidents/<reference>" in reachable
    assert "/organisations/<siren>/constats" in reachable
    assert "/incidents/<reference>/pieces-jointes/<attachment_id>" in reachable
    assert "/espace/<siren>" in reachable  # the RSSI dashboard, the report and its archive
    assert "/organisations/<siren>/rapport-nis2" in reachable
    assert "/organisations/<siren>/rapport-nis2/archives/<archive_id>" in reachable
    assert checked >= 15

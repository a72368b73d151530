"""Security events in the logs (ASVS 16.2.1, 16.2.5, 16.3.1–16.3.4, 16.4.1): refusals and failures
carry when (UTC), who, from where and which route; nothing an attacker types can forge a line; no
password, code, token or incident content is ever written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.logs import JsonFormatter
from tests.conftest import csrf_token, login, totp_code
from tests.factories import PASSWORD, make_incident, make_organisation, make_user
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db


@dataclass
class Logs:
    stream: io.StringIO

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def events(self, name: str) -> list[dict[str, Any]]:
        lines = [json.loads(line) for line in self.text.splitlines()]  # every line is one JSON object
        return [line for line in lines if line["event"] == name]


@pytest.fixture
def logs() -> Iterator[Logs]:
    """The application's log lines as production writes them (JSON, one event a line)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield Logs(stream)
    root.removeHandler(handler)
    root.setLevel(level)


def test_member_asking_for_another_communes_incident_is_logged_with_time_user_address_and_route(
    client: FlaskClient, session: Session, logs: Logs
) -> None:
    commune_a, commune_b = make_organisation(session), make_organisation(session)
    theirs = make_incident(session, commune_b, title="Rançongiciel à Bêta", description="Détail confidentiel")
    member = make_user(session, "member", [commune_a])
    session.commit()
    login(client, member)
    assert client.get(f"/incidents/{theirs.reference}").status_code == 404
    [denial] = logs.events("access.denied")
    assert denial["at"].endswith("+00:00")  # UTC
    assert (denial["status"], denial["user"], denial["ip"]) == (404, member.public_id, "127.0.0.1")
    assert (denial["method"], denial["route"]) == ("GET", "/incidents/<reference>")
    assert "Rançongiciel" not in logs.text and "confidentiel" not in logs.text
    assert member.email not in logs.text


def test_member_on_an_admin_route_is_logged_as_a_role_refusal(
    client: FlaskClient, session: Session, logs: Logs
) -> None:
    member = make_user(session, "member", [make_organisation(session)])
    session.commit()
    login(client, member)
    assert client.get("/admin/utilisateurs").status_code == 403
    [denial] = logs.events("access.denied")
    assert (denial["status"], denial["reason"], denial["user"]) == (403, "role", member.public_id)
    assert denial["route"] == "/admin/utilisateurs"


def test_api_refusals_are_logged_with_the_tokens_user_but_never_the_token(
    client: FlaskClient, session: Session, logs: Logs
) -> None:
    commune = make_organisation(session)
    incident = make_incident(session, commune)
    member = make_user(session, "member", [commune])
    secret = issue(session, member)
    session.commit()
    assert client.get("/api/v1/incidents").status_code == 401
    assert client.get("/api/v1/incidents", headers=bearer(secret[:-4] + "AAAA")).status_code == 401
    path = f"/api/v1/incidents/{incident.reference}"
    assert (
        client.patch(path, json={"version": 1, "status": "closed"}, headers=bearer(secret)).status_code == 403
    )
    refusals = logs.events("access.denied")
    assert [(r["status"], r["reason"], r["user"]) for r in refusals] == [
        (401, "no_token", None),
        (401, "invalid_token", None),
        (403, "forbidden", member.public_id),
    ]
    assert refusals[2]["route"] == "/api/v1/incidents/<reference>"
    assert secret not in logs.text and secret[:-4] not in logs.text


def test_a_newline_in_the_url_cannot_forge_a_log_line(
    client: FlaskClient, session: Session, logs: Logs
) -> None:
    member = make_user(session, "member", [make_organisation(session)])
    session.commit()
    login(client, member)
    forged = '\n{"event": "login.ok", "user": "admin"}'
    assert client.get("/incidents/CR-2026-00001" + forged.replace("\n", "%0A")).status_code == 404
    [denial] = logs.events("access.denied")  # parsing every line as JSON would fail on a forged one
    assert denial["path"] == "/incidents/CR-2026-00001" + forged
    assert logs.events("login.ok") == []


def test_sign_ins_are_logged_without_passwords_codes_or_tokens(
    client: FlaskClient, session: Session, logs: Logs
) -> None:
    user = make_user(session, email="claire.martin@mairie.example.test")
    session.commit()
    wrong = "Mauvais mot de passe 123"
    token = csrf_token(client, "/connexion")
    client.post("/connexion", data={"email": user.email, "password": wrong, "csrf_token": token})
    token = csrf_token(client, "/connexion")
    client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    bad_code = "000000" if totp_code(user) != "000000" else "111111"
    token = csrf_token(client, "/connexion/verification")
    client.post("/connexion/verification", data={"code": bad_code, "csrf_token": token})
    good_code = totp_code(user)
    token = csrf_token(client, "/connexion/verification")
    assert (
        client.post("/connexion/verification", data={"code": good_code, "csrf_token": token}).status_code
        == 302
    )
    secret = issue(session, user)
    session.commit()
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200

    [failed_password] = logs.events("login.failed")
    [failed_code] = logs.events("totp.failed")
    [succeeded] = logs.events("login.succeeded")
    for event in (failed_password, failed_code, succeeded):
        assert (event["user"], event["ip"]) == (user.public_id, "127.0.0.1") and event["at"].endswith(
            "+00:00"
        )
    for never_logged in (wrong, PASSWORD, bad_code, good_code, secret, user.email, user.totp_secret):
        assert never_logged and never_logged not in logs.text


def test_form_without_csrf_token_is_logged_as_a_bypass_attempt(
    client: FlaskClient, session: Session, logs: Logs
) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    assert client.post("/compte/mot-de-passe", data={"current_password": PASSWORD}).status_code == 400
    [refusal] = logs.events("csrf.rejected")
    assert (refusal["user"], refusal["route"]) == (user.public_id, "/compte/mot-de-passe")


def test_unexpected_error_is_logged_with_route_and_user_and_answered_generically(
    app: Flask, session: Session, logs: Logs
) -> None:
    def explode() -> str:
        raise RuntimeError("boom in the view")

    app.add_url_rule("/test-explode", view_func=explode)
    app.add_url_rule("/api/v1-test/explode", endpoint="api_explode", view_func=explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    user = make_user(session)
    session.commit()
    login(client, user)
    page = client.get("/test-explode")
    assert page.status_code == 500 and "Traceback" not in page.get_data(as_text=True)
    api = client.get("/api/v1-test/explode")
    assert api.status_code == 500
    assert api.get_json() == {
        "error": {
            "code": "server_error",
            "message": "Une erreur interne est survenue. L'équipe a été prévenue.",
        }
    }
    failures = logs.events("request.failed")
    assert [(f["route"], f["user"]) for f in failures] == [
        ("/test-explode", user.public_id),
        ("/api/v1-test/explode", None),
    ]
    assert "RuntimeError: boom in the view" in failures[0]["exception"]  # the details are in the log only


@pytest.mark.parametrize(("proxies", "logged"), [(0, "127.0.0.1"), (1, "198.51.100.7")])
def test_forwarded_for_sets_the_logged_address_only_behind_a_configured_proxy(
    settings: Settings, db: Database, logs: Logs, proxies: int, logged: str
) -> None:
    """ASVS 4.1.3: without `server.trusted_proxies`, anyone could claim any address in the logs."""
    app = create_app(settings=settings.with_overrides({"server.trusted_proxies": proxies}), database=db)
    response = app.test_client().get("/api/v1/incidents", headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 401
    [denial] = logs.events("access.denied")
    assert denial["ip"] == logged


def test_a_wrong_follow_up_link_is_logged_without_the_token(client: FlaskClient, logs: Logs) -> None:
    """Guessing follow-up links shows in the logs, but no link, right or wrong, is ever written there."""
    guess = "x" * 43
    assert client.get(f"/suivi/{guess}").status_code == 404
    [denial] = logs.events("access.denied")
    assert (denial["route"], denial["path"], denial["status"]) == ("/suivi/<token>", "/suivi/<token>", 404)
    assert guess not in logs.text

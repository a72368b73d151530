"""API authentication and errors: bearer tokens only, JSON errors with the right status."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.models import ApiToken
from cyberreponse.services import accounts, api_tokens
from tests.conftest import login
from tests.factories import make_organisation, make_user
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db

ORGS = "/api/v1/organisations"


def assert_json_error(response: object, status: int, code: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.mimetype == "application/json"  # type: ignore[attr-defined]
    assert response.get_json()["error"]["code"] == code  # type: ignore[attr-defined]
    assert response.get_json()["error"]["message"]  # type: ignore[attr-defined]


def test_valid_token_is_accepted(client: FlaskClient, session: Session) -> None:
    secret = issue(session, make_user(session, "analyst"))
    response = client.get(ORGS, headers=bearer(secret))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_missing_token_gets_401_with_a_bearer_challenge(client: FlaskClient) -> None:
    response = client.get(ORGS)
    assert_json_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Basic dXNlcjpwYXNz", "Bearer ", "token abc"])
def test_unknown_or_malformed_token_gets_401(client: FlaskClient, header: str) -> None:
    assert_json_error(client.get(ORGS, headers={"Authorization": header}), 401, "unauthorized")


def test_expired_token_gets_401(client: FlaskClient, session: Session) -> None:
    secret = issue(session, make_user(session, "analyst"), days=1)
    with time_machine.travel(now() + timedelta(days=1, minutes=1), tick=False):
        assert_json_error(client.get(ORGS, headers=bearer(secret)), 401, "unauthorized")


def test_revoked_token_gets_401(client: FlaskClient, session: Session) -> None:
    user = make_user(session, "analyst")
    secret = issue(session, user)
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    api_tokens.revoke_own_token(session, accounts.actor_for(user), user, token.public_id)
    assert_json_error(client.get(ORGS, headers=bearer(secret)), 401, "unauthorized")


def test_disabling_a_user_revokes_their_tokens(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, "admin")
    analyst = make_user(session, "analyst")
    secrets = [issue(session, analyst, name="a"), issue(session, analyst, name="b")]
    accounts.set_active(session, accounts.actor_for(admin), analyst.public_id, False)
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == analyst.id)).all()
    assert all(t.revoked_at is not None for t in tokens)
    for secret in secrets:
        assert_json_error(client.get(ORGS, headers=bearer(secret)), 401, "unauthorized")
    accounts.set_active(session, accounts.actor_for(admin), analyst.public_id, True)
    assert client.get(ORGS, headers=bearer(secrets[0])).status_code == 401  # re-enabling does not revive them


def test_token_of_an_inactive_user_gets_401_even_if_not_revoked(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session, "analyst")
    secret = issue(session, user)
    user.active = False
    session.commit()
    assert client.get(ORGS, headers=bearer(secret)).status_code == 401


def test_token_in_the_query_string_is_refused_and_never_logged(
    client: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    secret = issue(session, make_user(session, "analyst"))
    caplog.set_level(logging.DEBUG)
    for name in ("access_token", "token", "api_key"):
        response = client.get(f"{ORGS}?{name}={secret}", headers=bearer(secret))
        assert_json_error(response, 400, "token_in_url")
    assert caplog.records, "the refusal is logged"
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in str(vars(record))


def test_browser_session_cookie_does_not_authenticate_the_api(client: FlaskClient, session: Session) -> None:
    user = make_user(session, "analyst")
    login(client, user)
    assert client.get("/organisations").status_code == 200  # the browser session works for pages
    response = client.get(ORGS)
    assert_json_error(response, 401, "unauthorized")
    assert "Set-Cookie" not in response.headers


def test_api_writes_need_no_csrf_token(client: FlaskClient, session: Session) -> None:
    organisation = make_organisation(session)
    secret = issue(session, make_user(session, "analyst"))
    response = client.post(
        f"{ORGS}/{organisation.siren}/assets",
        json={"kind": "domain", "value": "mairie-csrf.test"},
        headers=bearer(secret),
    )
    assert response.status_code == 201


def test_foreign_origin_is_not_echoed(client: FlaskClient, session: Session) -> None:
    secret = issue(session, make_user(session, "analyst"))
    response = client.get(ORGS, headers={**bearer(secret), "Origin": "https://evil.test"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        ORGS, headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "GET"}
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_unknown_api_path_gets_json_404(client: FlaskClient) -> None:
    assert_json_error(client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_gets_json_405_with_allow(client: FlaskClient, session: Session) -> None:
    secret = issue(session, make_user(session, "analyst"))
    response = client.put(ORGS, headers=bearer(secret))
    assert_json_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_server_error_under_api_is_json_without_details(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/api/v1-test/broken", view_func=broken)
    response = app.test_client().get("/api/v1-test/broken")
    assert_json_error(response, 500, "server_error")
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_rate_limit_is_per_token(settings: Settings, db: object, session: Session) -> None:
    from cyberreponse import create_app
    from cyberreponse.extensions import limiter

    app = create_app(settings=settings.with_overrides({"api.rate_limit": "3 per minute"}), database=db)  # type: ignore[arg-type]
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    first = issue(session, make_user(session, "analyst"))
    second = issue(session, make_user(session, "analyst"))
    for _ in range(3):
        assert client.get(ORGS, headers=bearer(first)).status_code == 200
    assert_json_error(client.get(ORGS, headers=bearer(first)), 429, "rate_limited")
    assert client.get(ORGS, headers=bearer(second)).status_code == 200


def test_cli_issues_tokens_only_for_known_accounts(session: Session) -> None:
    policy = api_tokens.TokenPolicy(90, 365)
    from cyberreponse.errors import NotFound

    with pytest.raises(NotFound):
        api_tokens.issue_token_for_email(
            session, system_actor("cli"), "nobody@example.test", "x", None, policy
        )

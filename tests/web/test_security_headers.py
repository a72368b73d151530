"""Headers, CSRF, error pages and what must not be exposed (ASVS 3.4, 3.5, 13.4, 16.5)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.models import Organisation
from tests.conftest import login
from tests.factories import make_user, valid_siren

pytestmark = pytest.mark.db


def _assert_security_headers(headers: object) -> None:
    csp = headers["Content-Security-Policy"]  # type: ignore[index]
    for directive in (
        "default-src 'none'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert headers["Referrer-Policy"] == "same-origin"  # type: ignore[index]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"  # type: ignore[index]


@pytest.mark.parametrize("path", ["/", "/connexion", "/healthz", "/nope", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    _assert_security_headers(client.get(path).headers)


def test_html_and_json_declare_their_charset(client: FlaskClient) -> None:
    assert client.get("/").headers["Content-Type"] == "text/html; charset=utf-8"
    assert client.get("/healthz").headers["Content-Type"] == "application/json"


def test_pages_are_never_cached(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    assert client.get("/organisations").headers["Cache-Control"] == "no-store"


def test_pages_hold_no_inline_script_or_style(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "onclick" not in page
    assert "https://" not in page.split("<body>")[0]  # every asset is local: no CDN


def test_post_without_csrf_token_is_refused_and_stores_nothing(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    response = client.post(
        "/organisations/nouvelle", data={"siren": valid_siren(), "name": "X", "kind": "commune"}
    )
    assert response.status_code == 400
    assert "expiré" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_state_changing_routes_refuse_get(client: FlaskClient) -> None:
    assert client.get("/deconnexion").status_code == 405
    assert client.get("/langue").status_code == 405


@pytest.mark.parametrize("path", ["/.git/HEAD", "/.env", "/apidocs", "/console", "/instance/secrets.toml"])
def test_nothing_internal_is_served(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_trace_is_not_allowed(client: FlaskClient) -> None:
    assert client.open("/", method="TRACE").status_code == 405


def test_unexpected_error_shows_a_generic_page_without_traceback(app: Flask) -> None:
    def explode() -> str:
        raise RuntimeError("secret detail: password=hunter2")

    app.add_url_rule("/test-explode", view_func=explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/test-explode")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "erreur interne" in page
    assert "Traceback" not in page and "hunter2" not in page and "Werkzeug" not in page
    assert app.debug is False


def test_cross_origin_requests_get_no_cors_grant(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"Origin": "https://evil.tld"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    from tests.conftest import csrf_token

    statuses = []
    for n in range(12):
        token = csrf_token(client, "/connexion")
        statuses.append(
            client.post(
                "/connexion",
                data={"email": user.email, "password": "wrong password!", "csrf_token": token},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            ).status_code
        )
    assert 429 in statuses  # a new fake address per attempt does not escape the limit

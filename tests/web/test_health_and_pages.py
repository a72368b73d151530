"""Health check, public pages and languages."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from cyberreponse import create_app
from cyberreponse.config import Settings
from cyberreponse.db import Database
from tests.conftest import csrf_token

pytestmark = pytest.mark.db


def test_healthz_answers_200_when_the_database_is_reachable(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_healthz_answers_503_when_the_database_is_not(settings: Settings) -> None:
    # Port 9 on loopback: nothing listens there, the connection is refused at once.
    unreachable = Database.from_url("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2")
    app = create_app(settings=settings, database=unreachable)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_home_page_is_in_french_with_the_reporting_link(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert "Signaler un incident" in page
    assert 'href="#contenu"' in page and '<main id="contenu"' in page


def test_login_page_has_labelled_fields(client: FlaskClient) -> None:
    page = client.get("/connexion").get_data(as_text=True)
    assert '<label for="f-email">' in page and 'id="f-email"' in page
    assert '<label for="f-password">' in page


def test_english_is_available_on_request(client: FlaskClient) -> None:
    token = csrf_token(client, "/")
    client.post("/langue", data={"lang": "en", "next": "/", "csrf_token": token})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Report an incident" in page
    assert "Signaler un incident" not in page


def test_unknown_page_is_a_french_404(client: FlaskClient) -> None:
    response = client.get("/nexiste-pas")
    assert response.status_code == 404
    assert "Cette page n'existe pas." in html.unescape(response.get_data(as_text=True))

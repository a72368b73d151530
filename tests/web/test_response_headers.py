"""Headers on every kind of response, not only pages: HTML, JSON, API errors, downloads, error pages
(ASVS 3.4, 4.1.1); sensitive responses never cached (14.2.2, 14.3.2); nothing internal exposed (13.4);
no third-party script and nothing kept in the browser (14.2.3, 14.3.1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from cyberreponse.models import Attachment, Incident
from tests.conftest import login
from tests.factories import make_follow_up_link, make_incident, make_user
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db
STATIC = Path(__file__).resolve().parents[2] / "cyberreponse" / "static"
TEMPLATES = STATIC.parent / "templates"


def with_attachment(session: Session) -> tuple[Incident, Attachment]:
    incident = make_incident(session, None)
    attachment = Attachment(
        uploaded_by="x",
        source="reporter",
        display_name="journal.txt",
        sniffed_type="text",
        size=7,
        sha256="b" * 64,
        content=b"journal",
    )
    incident.attachments.append(attachment)
    session.commit()
    return incident, attachment


def assert_hardened(response: TestResponse) -> None:
    headers = response.headers
    hsts = re.fullmatch(r"max-age=(\d+); includeSubDomains", headers["Strict-Transport-Security"])
    assert hsts and int(hsts.group(1)) >= 365 * 24 * 3600
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, (response.request.path, csp)
    assert "unsafe-inline" not in csp
    content_type = headers["Content-Type"]
    if content_type.startswith("text/"):
        assert content_type.endswith("; charset=utf-8")
    elif content_type.startswith("application/json"):
        response.get_data().decode("utf-8")  # JSON is UTF-8 by definition (RFC 8259): no charset parameter


def test_html_json_api_errors_downloads_and_error_pages_all_carry_the_security_headers(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    analyst = make_user(session, "analyst")
    incident, attachment = with_attachment(session)
    token = bearer(issue(session, analyst))
    session.commit()

    def explode() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/test-explode", view_func=explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    anonymous = [
        client.get("/"),  # HTML
        client.get("/signaler"),
        client.get("/healthz"),  # JSON
        client.get("/api/v1/incidents"),  # JSON 401
        client.get("/api/v1/nope", headers=token),  # JSON 404
        client.get("/nope"),  # HTML 404
        client.get("/test-explode"),  # HTML 500
        client.post("/signaler", data={"name": "x"}),  # CSRF refusal
        client.get("/static/css/app.css"),
    ]
    api = client.get(f"/api/v1/incidents/{incident.reference}", headers=token)
    assert api.status_code == 200
    login(client, analyst)
    download = client.get(f"/incidents/{incident.reference}/pieces-jointes/{attachment.public_id}")
    assert download.status_code == 200 and download.mimetype == "application/octet-stream"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    for response in [*anonymous, api, download, client.get(f"/incidents/{incident.reference}")]:
        assert_hardened(response)


def test_incident_pages_the_api_downloads_and_the_follow_up_page_are_never_cached(
    client: FlaskClient, session: Session
) -> None:
    analyst = make_user(session, "analyst")
    incident, attachment = with_attachment(session)
    follow_up = make_follow_up_link(session, incident)
    token = bearer(issue(session, analyst))
    session.commit()
    responses = [
        client.get(f"/suivi/{follow_up}"),
        client.get("/api/v1/incidents", headers=token),
        client.get(f"/api/v1/incidents/{incident.reference}", headers=token),
    ]
    login(client, analyst)
    responses += [
        client.get("/incidents"),
        client.get(f"/incidents/{incident.reference}"),
        client.get(f"/incidents/{incident.reference}/pieces-jointes/{attachment.public_id}"),
    ]
    for response in responses:
        assert response.status_code == 200, response.request.path
        assert response.headers["Cache-Control"] == "no-store", response.request.path


@pytest.mark.parametrize(
    "path",
    [
        "/static/",
        "/static/js/",
        "/.git/config",
        "/.git/HEAD",
        "/apidocs",
        "/swagger-ui",
        "/api/docs",
        "/config.toml",
    ],
)
def test_no_listing_repository_or_documentation_ui_is_served(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_trace_and_track_are_refused_on_pages_and_the_api(client: FlaskClient) -> None:
    for path in ("/", "/signaler", "/api/v1/incidents"):
        for method in ("TRACE", "TRACK"):
            assert client.open(path, method=method).status_code in (404, 405)


def test_every_script_comes_from_the_app_and_none_keeps_data_in_the_browser(client: FlaskClient) -> None:
    sources: list[str] = []
    for template in TEMPLATES.rglob("*.html"):
        markup = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", markup):
            assert "src=" in tag and "url_for('static'" in tag, f"{template.name}: {tag}"
        sources += re.findall(r"<(?:link|img|iframe)\b[^>]*(?:src|href)=\"(https?:)?//", markup)
    assert sources == [], "a template loads something from another site"
    for script in STATIC.rglob("*.js"):
        code = script.read_text(encoding="utf-8")
        for storage in ("localStorage", "sessionStorage", "indexedDB", "document.cookie", 'fetch("http'):
            assert storage not in code, f"{script.name} uses {storage}"
    page = client.get("/signaler").get_data(as_text=True)
    assert re.findall(r'<script src="([^"]+)"', page) == ["/static/js/report.js"]

"""The NIS2 readiness report: what it says, the PDF a mayor downloads, its archive, and that the PDF
renderer fetches nothing but the app's own static files (ASVS 13.2.4)."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.models import AuditEvent, Contact, ReportArchive
from cyberreponse.services.nis2_report import build_report
from cyberreponse.services.report_archive import REPORT_ORIGIN, RefusedFetch, StaticOnlyFetcher, render_pdf
from cyberreponse.services.scoring import ScoringPolicy
from tests.conftest import csrf_token, login
from tests.factories import make_organisation, make_user
from tests.posture.conftest import Commune

pytestmark = pytest.mark.db
STATIC = Path(__file__).resolve().parents[2] / "cyberreponse" / "static"
STAFF = Actor("analyste", "analyst")


def pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def test_the_action_plan_puts_what_caps_the_grade_first_in_plain_french(
    session: Session, commune: Commune
) -> None:
    report = build_report(session, STAFF, commune.organisation.siren, ScoringPolicy())
    titles = [action.title for action in report.actions]
    assert titles[:2] == ["Service exposé : Partage de fichiers Windows (SMB, NetBIOS)", "Certificat expiré"]
    assert all(action.urgent for action in report.actions[:2])
    assert report.actions[0].assets == ("192.0.2.10",)
    assert "pare-feu" in report.actions[0].detail
    assert len(report.actions) <= 6


def test_each_measure_merges_answers_and_scans(session: Session, commune: Commune) -> None:
    report = build_report(session, STAFF, commune.organisation.siren, ScoringPolicy())
    measures = {m.letter: m for m in report.measures}
    # No self-assessment yet: (h) is judged from the scans alone — SPF 8 + DMARC 2 + DNSSEC 2 + expired
    # certificate 0 + HTTPS 8 out of 40 = 50, partial; (c) backups has no scan evidence at all.
    assert measures["h"].answers_status == "unknown"
    assert (measures["h"].scan.score, measures["h"].scan.status, measures["h"].status) == (
        50.0,
        "partial",
        "partial",
    )
    assert measures["c"].status == "unknown"
    assert any("Certificat expiré" in reason.message for reason in measures["h"].reasons)


def test_incident_readiness_needs_an_alert_contact_and_someone_in_charge(
    session: Session, commune: Commune
) -> None:
    report = build_report(session, STAFF, commune.organisation.siren, ScoringPolicy())
    assert report.readiness.verdict == "not_ready"
    commune.organisation.contacts.append(
        Contact(name="Claire Martin", role="RSSI", email="rssi@saint-exemple.test", phone="0299000000")
    )
    session.flush()
    report = build_report(session, STAFF, commune.organisation.siren, ScoringPolicy())
    points = {point.key: point.ok for point in report.readiness.points}
    assert points == {
        "alert_contact": True, "phone": True, "security_officer": True,
        "declarations": None, "past_incidents": None,
    }  # fmt: skip
    assert report.readiness.verdict == "partly_ready"  # the self-assessment does not say who declares what


def test_the_pdf_says_what_the_page_says_and_is_archived_unchanged(
    app: Flask, client: FlaskClient, session: Session, commune: Commune
) -> None:
    member = make_user(session, "member", [commune.organisation])
    session.commit()
    login(client, member)
    path = f"/organisations/{commune.organisation.siren}/rapport-nis2"
    page = client.get(path).get_data(as_text=True)
    response = client.post(path + "/pdf", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''rapport-nis2-")
    text = pdf_text(response.data)
    for expected in (
        "Rapport de préparation NIS2",
        "Commune de Saint-Exemple",
        "Entité importante",
        "Les six actions prioritaires",
        "Partage de fichiers Windows",
        "Pas prête",
        "Annexe : preuves des analyses",
        "saint-exemple.test",
    ):
        assert expected in text, expected
        assert expected in page, expected
    archive = session.scalars(select(ReportArchive)).one()
    assert archive.sha256 == hashlib.sha256(response.data).hexdigest() and archive.size == len(response.data)
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "report.archive")).one()
    assert audit.object_id == archive.public_id and audit.details["sha256"] == archive.sha256
    again = client.get(f"{path}/archives/{archive.public_id}")
    assert again.data == response.data
    assert again.headers["Content-Disposition"] == response.headers["Content-Disposition"]
    assert archive.public_id in client.get(path + "/archives").get_data(as_text=True)


def test_markup_in_an_organisation_name_is_text_in_the_page_and_the_pdf(
    client: FlaskClient, session: Session
) -> None:
    organisation = make_organisation(session, "<script>alert(1)</script> {{7*7}}")
    member = make_user(session, "member", [organisation])
    session.commit()
    login(client, member)
    path = f"/organisations/{organisation.siren}/rapport-nis2"
    page = client.get(path).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; {{7*7}}" in page
    response = client.post(path + "/pdf", data={"csrf_token": csrf_token(client, path)})
    assert "<script>alert(1)</script> {{7*7}}" in pdf_text(response.data)


def test_a_member_of_another_commune_gets_404_for_the_report_its_pdf_and_archives(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    other = make_organisation(session, "Commune Voisine")
    member = make_user(session, "member", [other])
    session.commit()
    login(client, member)
    path = f"/organisations/{commune.organisation.siren}/rapport-nis2"
    token = csrf_token(client, f"/organisations/{other.siren}/rapport-nis2")
    assert client.get(path).status_code == 404
    assert client.post(path + "/pdf", data={"csrf_token": token}).status_code == 404
    assert client.get(path + "/archives").status_code == 404
    assert session.scalars(select(ReportArchive)).first() is None


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []  # noqa: RUF012 - shared with the test on purpose

    def do_GET(self) -> None:
        CountingHandler.hits.append(self.path)
        body = b"body { color: red }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    CountingHandler.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.test/static/css/app.css",
        f"{REPORT_ORIGIN}/static/../../config.toml",
        f"{REPORT_ORIGIN}/static/%2e%2e/%2e%2e/config.toml",
        f"{REPORT_ORIGIN}/etc/passwd",
        f"{REPORT_ORIGIN}/static/css/app.css?x=1",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_the_apps_static_files(url: str) -> None:
    with pytest.raises(RefusedFetch):
        StaticOnlyFetcher(STATIC).fetch(url)


def test_the_pdf_fetcher_serves_the_apps_stylesheet() -> None:
    response = StaticOnlyFetcher(STATIC).fetch(f"{REPORT_ORIGIN}/static/css/report.css")
    assert b"@page" in response.read()


def test_rendering_html_that_points_outside_fetches_nothing(local_server: str) -> None:
    fetcher = StaticOnlyFetcher(STATIC)
    html = f"""<html><head><link rel="stylesheet" href="{local_server}/evil.css">
      <link rel="stylesheet" href="/static/css/report.css"></head>
      <body><p>Bonjour</p><img src="file:///etc/passwd"><img src="{local_server}/pixel.png">
      <iframe src="{local_server}/frame"></iframe></body></html>"""
    content = render_pdf(html, STATIC, fetcher)
    assert content.startswith(b"%PDF") and "Bonjour" in pdf_text(content)
    assert CountingHandler.hits == []
    assert f"{local_server}/evil.css" in fetcher.refused and "file:///etc/passwd" in fetcher.refused
    assert fetcher.served == [f"{REPORT_ORIGIN}/static/css/report.css"]

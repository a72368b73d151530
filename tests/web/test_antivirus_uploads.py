"""Uploads scanned by a real clamd before they are accepted (ASVS 5.4.3), failing closed (16.5.3)."""

from __future__ import annotations

import io
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.extensions import limiter
from cyberreponse.models import Attachment, AuditEvent, Comment, Incident, IncidentCounter, OutboxMail
from tests.conftest import csrf_token, login
from tests.factories import make_follow_up_link, make_incident, make_user
from tests.peers.clamd import EICAR, REPORTED_NAME, ClamdPeer, unused_tcp_address
from tests.web.reporting import PNG, submit, text_of

pytestmark = pytest.mark.db


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def app_with(settings: Settings, db: Database, overrides: dict[str, object]) -> Flask:
    app = create_app(settings=settings.with_overrides(overrides), database=db)
    app.config["TESTING"] = True
    with app.app_context():
        limiter.reset()
    return app


@pytest.fixture
def scanned(settings: Settings, db: Database, clamd_peer: ClamdPeer) -> FlaskClient:
    """The app with uploads scanned by the session's clamd."""
    return app_with(settings, db, clamd_peer.settings_overrides()).test_client()


@pytest.fixture
def clamd_down(settings: Settings, db: Database) -> FlaskClient:
    """The app configured for clamd, with nothing listening at its address."""
    overrides = {"uploads.antivirus": "clamd", "uploads.clamd_address": unused_tcp_address()}
    return app_with(settings, db, overrides).test_client()


def test_eicar_on_the_report_form_is_refused_next_to_the_field_and_the_report_is_kept_on_screen(
    scanned: FlaskClient, session: Session
) -> None:
    description = "Une pièce jointe bizarre est arrivée ce matin dans la boîte de la mairie."
    response = submit(
        scanned,
        files=[("capture.png", PNG), ("facture.txt", b"Facture\r\n" + EICAR)],
        description=description,
    )
    assert response.status_code == 400
    page = text_of(response)
    error = re.search(r'<p class="error" id="e-attachments">([^<]*)</p>', page)
    assert error and "« facture.txt » contient un virus" in error.group(1)
    assert REPORTED_NAME in error.group(1) and "n'a pas été conservé" in error.group(1)
    assert f"{description}</textarea>" in page and 'value="Claire Martin"' in page
    assert "choisissez à nouveau vos pièces jointes" in page
    assert count(session, Incident) == 0 and count(session, Attachment) == 0
    assert count(session, OutboxMail) == 0


def test_a_detected_virus_is_audited_and_logged_with_its_signature_and_never_stored(
    scanned: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        submit(scanned, files=[("facture.txt", EICAR)])
    logged = [r for r in caplog.records if r.getMessage() == "upload.virus_detected"]
    assert [getattr(r, "signature", None) for r in logged] == [REPORTED_NAME]
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "upload.virus_detected")).one()
    assert event.details["signature"] == REPORTED_NAME
    assert event.details["where"] == "report_form" and event.details["size"] == len(EICAR)
    assert event.actor == "anonymous" and event.ip == "127.0.0.1"
    # The content is kept nowhere: neither as an attachment nor in the audit entry.
    assert count(session, Attachment) == 0
    assert "ANTIVIRUS-TEST-FILE" not in str(event.details)


def test_an_infected_file_inside_a_zip_is_found(scanned: FlaskClient, session: Session) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("documents/note.txt", EICAR)
    response = submit(scanned, files=[("pieces.zip", buffer.getvalue())])
    assert response.status_code == 400 and "« pieces.zip » contient un virus" in text_of(response)
    assert count(session, Incident) == 0


def test_clean_files_are_accepted_when_the_antivirus_is_on(scanned: FlaskClient, session: Session) -> None:
    response = submit(scanned, files=[("capture.png", PNG), ("journal.txt", b"connexion refusee\n" * 1000)])
    assert response.status_code == 303
    stored = session.scalars(select(Attachment.display_name).order_by(Attachment.display_name)).all()
    assert stored == ["capture.png", "journal.txt"]
    assert (
        session.scalars(select(AuditEvent).where(AuditEvent.action == "upload.virus_detected")).first()
        is None
    )


def test_clamd_down_fails_closed_with_the_csirt_phone_number_and_stores_nothing(
    clamd_down: FlaskClient, session: Session
) -> None:
    response = submit(clamd_down, files=[("capture.png", PNG)], description="Écran noir depuis ce matin")
    assert response.status_code == 503
    page = text_of(response)
    assert "L'antivirus n'a pas pu vérifier vos fichiers" in page and "01 23 45 67 89" in page
    assert "Écran noir depuis ce matin</textarea>" in page
    assert count(session, Incident) == 0 and count(session, Attachment) == 0
    assert count(session, IncidentCounter) == 0 and count(session, OutboxMail) == 0


def test_clamd_down_still_lets_a_report_without_files_through(
    clamd_down: FlaskClient, session: Session
) -> None:
    assert submit(clamd_down).status_code == 303
    assert count(session, Incident) == 1


def test_eicar_on_the_follow_up_page_is_refused_and_not_listed(
    scanned: FlaskClient, session: Session
) -> None:
    incident = make_incident(session, None)
    token = make_follow_up_link(session, incident)
    session.commit()
    response = scanned.post(
        f"/suivi/{token}",
        data={
            "body": "Voici le fichier reçu",
            "attachments": [(io.BytesIO(EICAR), "recu.txt")],
            "csrf_token": csrf_token(scanned, f"/suivi/{token}"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = text_of(response)
    assert "« recu.txt » contient un virus" in page and "Voici le fichier reçu" in page
    assert count(session, Comment) == 0 and count(session, Attachment) == 0
    assert "recu.txt" not in text_of(scanned.get(f"/suivi/{token}"))
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "upload.virus_detected")).one()
    assert event.details["where"] == "follow_up"


def test_eicar_uploaded_by_an_analyst_is_refused_and_never_served(
    scanned: FlaskClient, session: Session
) -> None:
    analyst = make_user(session, "analyst")
    incident = make_incident(session, None)
    session.commit()
    login(scanned, analyst)
    response = scanned.post(
        f"/incidents/{incident.reference}/pieces-jointes",
        data={
            "attachments": [(io.BytesIO(EICAR), "echantillon.txt")],
            "csrf_token": csrf_token(scanned, f"/incidents/{incident.reference}"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "« echantillon.txt » contient un virus" in text_of(response)
    assert count(session, Attachment) == 0
    assert "echantillon.txt" not in text_of(scanned.get(f"/incidents/{incident.reference}"))


def test_an_analyst_upload_fails_closed_when_clamd_is_down(clamd_down: FlaskClient, session: Session) -> None:
    analyst = make_user(session, "analyst")
    incident = make_incident(session, None)
    session.commit()
    login(clamd_down, analyst)
    response = clamd_down.post(
        f"/incidents/{incident.reference}/pieces-jointes",
        data={
            "attachments": [(io.BytesIO(PNG), "ecran.png")],
            "csrf_token": csrf_token(clamd_down, f"/incidents/{incident.reference}"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 503 and "L'antivirus n'a pas pu vérifier" in text_of(response)
    assert count(session, Attachment) == 0

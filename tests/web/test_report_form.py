"""The public reporting form: success, re-display on errors, anti-abuse, never half-stored."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.config import Settings
from cyberreponse.crypto import token_digest
from cyberreponse.db import Database
from cyberreponse.extensions import limiter
from cyberreponse.models import Attachment, FollowUpToken, Incident, IncidentCounter, OutboxMail
from tests.factories import make_organisation
from tests.peers.smtp import SmtpServer
from tests.web.reporting import PNG, follow_up_link, report_data, submit, text_of

pytestmark = pytest.mark.db


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_form_page_works_without_an_account_and_is_never_cached(client: FlaskClient) -> None:
    response = client.get("/signaler")
    assert response.status_code == 200
    page = text_of(response)
    assert "Je ne sais pas" in page and 'name="csrf_token"' in page
    assert response.headers["Cache-Control"] == "no-store"


def test_a_report_with_an_attachment_gets_a_reference_a_follow_up_link_and_first_actions(
    client: FlaskClient, session: Session
) -> None:
    response = submit(client, files=[("capture écran.png", PNG)])
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    reference = re.search(r"CR-\d{4}-\d{5}", page)
    assert reference
    assert "/suivi/" in follow_up_link(page)
    assert "Débranchez le câble réseau" in page  # the ransomware first actions
    incident = session.scalars(select(Incident).where(Incident.reference == reference.group(0))).one()
    assert incident.channel == "web_form" and incident.status == "new"
    assert [a.display_name for a in incident.attachments] == ["capture écran.png"]
    assert incident.attachments[0].sniffed_type == "png"


def test_report_text_contact_and_files_are_encrypted_and_the_link_stored_hashed(
    client: FlaskClient, session: Session, connection: Connection
) -> None:
    page = client.get(
        submit(client, files=[("note.txt", b"mot-de-passe-vole")]).headers["Location"]
    ).get_data(as_text=True)
    token = follow_up_link(page).rsplit("/", 1)[1]
    row = connection.execute(text("SELECT description, reporter_email, title FROM incident")).one()
    assert "rançon" not in row[0] and "claire" not in row[1] and row[0].startswith("gAAAA")
    blob = connection.execute(text("SELECT content FROM attachment")).scalar_one()
    assert b"mot-de-passe-vole" not in bytes(blob)
    stored = session.scalars(select(FollowUpToken)).one()
    assert stored.token_digest == token_digest(token) and token not in stored.token_digest


def test_acknowledgement_and_csirt_notification_are_mailed(
    settings: Settings, db: Database, session: Session, smtp_server: SmtpServer
) -> None:
    app = create_app(settings=settings.with_overrides(smtp_server.settings_overrides()), database=db)
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    assert submit(client).status_code == 303
    mails = {tuple(m.recipients): m for m in smtp_server.wait_for(2)}
    reference = session.scalars(select(Incident.reference)).one()
    ack = mails[("claire.martin@mairie.example.test",)]
    assert reference in ack.subject and "/suivi/" in ack.part("plain")
    assert reference in mails[("csirt@example.test",)].subject
    assert all(m.sent_at is not None for m in session.scalars(select(OutboxMail)))


def test_report_is_saved_even_when_the_mail_server_is_down(
    settings: Settings, db: Database, session: Session
) -> None:
    from tests.peers.smtp import closed_port

    app = create_app(
        settings=settings.with_overrides({"mail.enabled": True, "mail.smtp_port": closed_port()}), database=db
    )
    response = submit(app.test_client())
    assert response.status_code == 303
    assert count(session, Incident) == 1
    queued = session.scalars(select(OutboxMail)).all()
    assert len(queued) == 2 and all(m.sent_at is None and m.attempts == 1 for m in queued)


def test_every_field_is_redisplayed_as_typed_with_french_messages(
    client: FlaskClient, session: Session
) -> None:
    response = submit(
        client, name="", email="pas-une-adresse", situation="", description="Texte <gardé> tel quel"
    )
    assert response.status_code == 400
    page = text_of(response)
    raw = response.get_data(as_text=True)
    assert "Votre nom est obligatoire." in page
    assert "Adresse e-mail invalide." in page
    assert "Choisissez ce qui ressemble le plus à votre situation" in page
    assert 'value="pas-une-adresse"' in raw
    assert "Texte &lt;gardé&gt; tel quel</textarea>" in raw
    assert count(session, Incident) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 10_000, "Le résumé ne peut dépasser 200 caractères."),
        ("situation", "hacker", "Choisissez ce qui ressemble le plus"),
        ("ongoing", "peut-être", "Répondez par oui, non ou je ne sais pas."),
        ("email", "victime@example.test\r\nBcc: autre@example.test", "Adresse e-mail invalide."),
        ("noticed_at", "2999-01-01T10:00", "Cette date est dans le futur."),
        ("description", "", "La description est obligatoire."),
    ],
)
def test_forged_or_malformed_fields_get_400_and_nothing_is_stored(
    client: FlaskClient, session: Session, field: str, value: str, message: str
) -> None:
    response = submit(client, **{field: value})
    assert response.status_code == 400
    assert message in text_of(response)
    assert count(session, Incident) == 0 and count(session, OutboxMail) == 0


def test_a_post_without_csrf_token_is_refused(client: FlaskClient, session: Session) -> None:
    response = client.post("/signaler", data=report_data())
    assert response.status_code == 400
    assert count(session, Incident) == 0


def test_a_filled_honeypot_stores_nothing_and_tells_a_human_to_call(
    client: FlaskClient, session: Session
) -> None:
    response = submit(client, site_web="http://spam.test")
    assert response.status_code == 400
    assert "Appelez le CSIRT" in text_of(response)
    assert count(session, Incident) == 0


def test_anonymous_reports_are_rate_limited_per_address(client: FlaskClient) -> None:
    statuses = [submit(client, name="").status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]


def test_a_30_mb_upload_gets_413_before_anything_is_stored(client: FlaskClient, session: Session) -> None:
    response = submit(client, files=[("gros.png", PNG + bytes(30 * 1024 * 1024))])
    assert response.status_code == 413
    assert count(session, Incident) == 0 and count(session, Attachment) == 0


def test_too_many_or_too_large_files_get_a_french_error_and_nothing_is_stored(
    client: FlaskClient, session: Session
) -> None:
    six = [(f"capture{i}.png", PNG) for i in range(6)]
    assert "au plus 5 fichiers" in text_of(submit(client, files=six))
    large = submit(client, files=[("photo.png", PNG + bytes(11 * 1024 * 1024))])
    assert large.status_code == 400 and "dépasse 10 Mo" in text_of(large)
    assert count(session, Incident) == 0


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.txt", bytes(60 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("facture.png", b"MZ\x90\x00" + bytes(100), "est un programme"),
        ("outil.exe", b"MZ\x90\x00" + bytes(100), "est un programme"),
        ("devis.pdf", b"<html><script>alert(1)</script></html>", "ne correspond pas à son extension"),
        ("page.html", b"<html></html>", "n'est pas accepté"),
        ("archive.zip", _zip_bomb(), "bombe de décompression"),
    ],
)
def test_executables_unknown_types_disguised_files_and_zip_bombs_are_refused(
    client: FlaskClient, session: Session, name: str, content: bytes, message: str
) -> None:
    response = submit(client, files=[(name, content)])
    assert response.status_code == 400
    assert message in text_of(response)
    assert count(session, Incident) == 0 and count(session, Attachment) == 0


def test_a_path_in_the_file_name_is_dropped(client: FlaskClient, session: Session) -> None:
    assert submit(client, files=[("../../etc/rapport.txt", b"journal")]).status_code == 303
    assert session.scalars(select(Attachment.display_name)).one() == "rapport.txt"


def test_when_storing_fails_nothing_partial_is_kept_and_the_phone_number_is_shown(
    client: FlaskClient, session: Session, connection: Connection
) -> None:
    # A real failure half-way: the attachment table is gone when the report is written.
    connection.execute(text("ALTER TABLE attachment RENAME TO attachment_hidden"))
    response = submit(client, files=[("capture.png", PNG)], description="Écran noir depuis ce matin")
    assert response.status_code == 503
    page = text_of(response)
    assert "n'a pas pu être enregistré" in page and "01 23 45 67 89" in page
    assert "Écran noir depuis ce matin</textarea>" in page
    assert count(session, Incident) == 0 and count(session, OutboxMail) == 0
    assert count(session, IncidentCounter) == 0


def test_organisation_named_by_siren_is_matched_to_the_member(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune de Montlouis", insee_code="37156")
    session.commit()
    submit(client, organisation=f"Commune de Montlouis ({commune.siren})")
    submit(client, organisation="37156")
    submit(client, organisation="Une mairie qui n'est pas membre")
    matched = [i.organisation_id for i in session.scalars(select(Incident).order_by(Incident.id))]
    assert matched == [commune.id, commune.id, None]


def test_organisation_suggestions_list_active_members(client: FlaskClient, session: Session) -> None:
    make_organisation(session, "Commune de Chinon")
    make_organisation(session, "Syndicat du Chinonais", active=False)
    session.commit()
    names = [item["name"] for item in client.get("/signaler/organisations?q=chinon").get_json()]
    assert names == ["Commune de Chinon"]


def test_references_follow_each_other_within_the_year(client: FlaskClient, session: Session) -> None:
    for _ in range(3):
        submit(client)
    references = list(session.scalars(select(Incident.reference).order_by(Incident.id)))
    year = references[0][3:7]
    assert references == [f"CR-{year}-00001", f"CR-{year}-00002", f"CR-{year}-00003"]


@pytest.mark.parametrize(
    "situation",
    [
        "ransomware",
        "mailbox_compromised",
        "payment_fraud",
        "website_defaced",
        "suspicious_message",
        "strange_computer",
        "data_exposed",
        "service_unavailable",
        "unknown",
    ],
)
def test_each_situation_has_a_first_actions_page(client: FlaskClient, situation: str) -> None:
    response = client.get(f"/premiers-gestes/{situation}")
    assert response.status_code == 200 and "À ne pas faire" in text_of(response)


def test_unknown_situation_page_is_404(client: FlaskClient) -> None:
    assert client.get("/premiers-gestes/inconnue").status_code == 404


def test_app_fixture_is_usable(app: Flask) -> None:
    assert app.config["MAX_CONTENT_LENGTH"] == 26 * 1024 * 1024

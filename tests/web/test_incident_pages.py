"""Analysts' queue and incident page: triage, workflow, conflicts, messages, observables,
evidence, deadlines; what members may and may not see."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.models import Attachment, AuditEvent, Incident, Observable, User
from cyberreponse.services.incident_activity import add_comment
from tests.conftest import csrf_token, login
from tests.factories import make_follow_up_link, make_incident, make_organisation, make_user
from tests.peers.smtp import SmtpServer
from tests.web.reporting import PNG, text_of

pytestmark = pytest.mark.db


@pytest.fixture
def analyst(session: Session) -> User:
    return make_user(session, "analyst", email="analyste@example.test")


def triage_form(client: FlaskClient, incident: Incident, **changes: str) -> dict[str, str]:
    """The triage form as the page shows it, with some fields changed."""
    page = client.get(f"/incidents/{incident.reference}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="triage-form".*?</form>', page, re.S)
    assert form, "no triage form"
    values: dict[str, str] = {}
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', form.group(0)):
        values[name] = value
    for name in re.findall(r'<input[^>]*type="checkbox"[^>]*name="(\w+)"[^>]*checked', form.group(0)):
        values[name] = "on"
    for name, body in re.findall(r'<select[^>]*name="(\w+)">(.*?)</select>', form.group(0), re.S):
        selected = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = selected.group(1) if selected else ""
    values["resolution"] = ""
    values.update(changes)
    return values


def post_triage(client: FlaskClient, incident: Incident, form: dict[str, str]) -> tuple[int, str]:
    response = client.post(f"/incidents/{incident.reference}/triage", data=form)
    return response.status_code, text_of(response)


def test_staff_land_on_the_queue_after_signing_in(client: FlaskClient, analyst: User) -> None:
    response = client.post(
        "/connexion",
        data={"email": analyst.email, "password": "x", "csrf_token": csrf_token(client, "/connexion")},
    )
    login(client, analyst)
    assert client.get("/connexion").headers["Location"].endswith("/tableau-de-bord")
    assert response.status_code == 200


def test_queue_filters_sorts_and_pages(client: FlaskClient, session: Session, analyst: User) -> None:
    commune = make_organisation(session, "Commune de Loches")
    urgent = make_incident(
        session, commune, severity="critical", assignee=analyst, status="triage", title="Urgent"
    )
    make_incident(session, None, severity="low", title="Mineur")
    make_incident(session, commune, status="closed", title="Ancien")
    for number in range(55):
        make_incident(session, None, title=f"Courant {number}")
    session.commit()
    login(client, analyst)
    page = text_of(client.get("/incidents"))
    assert "(57)" in page and "Page 1 sur 2" in page and "Ancien" not in page
    assert urgent.reference in text_of(client.get("/incidents?severity=critical"))
    by_org = text_of(client.get(f"/incidents?organisation={commune.siren}&status=all"))
    assert "Urgent" in by_org and "Ancien" in by_org and "Mineur" not in by_org
    mine = text_of(client.get(f"/incidents?assignee={analyst.public_id}"))
    assert "(1)" in mine
    first_row = re.search(
        r"<tbody>\s*<tr>\s*<td><a[^>]*>([^<]+)</a>",
        client.get("/incidents?sort=severity").get_data(as_text=True),
    )
    assert first_row and first_row.group(1) == urgent.reference


def test_queue_sorts_by_next_deadline(client: FlaskClient, session: Session, analyst: User) -> None:
    essential = make_organisation(session, nis2_status="essential")
    later = make_incident(session, None, personal_data_breach=True)
    sooner = make_incident(session, essential, significant=True)
    session.commit()
    login(client, analyst)
    html = client.get("/incidents?sort=deadline").get_data(as_text=True)
    assert html.index(sooner.reference) < html.index(later.reference)


def test_triage_saves_fields_records_timeline_and_audit(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    commune = make_organisation(session, "Commune d'Amboise", nis2_status="important")
    incident = make_incident(session, None)
    session.commit()
    login(client, analyst)
    form = triage_form(
        client,
        incident,
        status="triage",
        organisation=commune.siren,
        rsit_class="malicious-code",
        rsit_type="infected-system",
        severity="high",
        assignee=analyst.public_id,
        significant="on",
    )
    status, _ = post_triage(client, incident, form)
    assert status == 303
    session.refresh(incident)
    assert (incident.status, incident.severity, incident.organisation_id) == ("triage", "high", commune.id)
    assert incident.version == 2
    assert {o.kind for o in incident.obligations} >= {"nis2_early_warning", "nis2_notification"}
    page = text_of(client.get(f"/incidents/{incident.reference}"))
    assert "Statut : Nouveau → En cours de qualification" in page
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.update")).one()
    assert audit.object_id == incident.reference and "severity" in audit.details["changes"]


@pytest.mark.parametrize(
    ("start", "changes", "message"),
    [
        ("new", {"status": "in_progress"}, "Passage impossible de « Nouveau » à « En traitement »"),
        ("triage", {"status": "in_progress"}, "Qualifiez d'abord l'incident"),
        ("new", {"status": "duplicate"}, "Indiquez la référence de l'incident dont celui-ci est le doublon."),
        ("new", {"status": "closed"}, "Passage impossible"),
        ("new", {"severity": "apocalyptic"}, "Valeur inconnue."),
        ("new", {"assignee": "nobody"}, "Analyste inconnu."),
        ("new", {"rsit_class": "fraud", "rsit_type": "ddos"}, "n'appartient pas à la classe"),
    ],
)
def test_workflow_and_forged_values_are_refused_and_nothing_changes(
    client: FlaskClient, session: Session, analyst: User, start: str, changes: dict[str, str], message: str
) -> None:
    incident = make_incident(session, None, status=start)
    session.commit()
    login(client, analyst)
    status, page = post_triage(client, incident, triage_form(client, incident, **changes))
    assert status == 400 and message in page
    session.refresh(incident)
    assert incident.status == start and incident.version == 1


def test_duplicate_keeps_the_reference_of_the_original(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    original, copy = make_incident(session, None), make_incident(session, None)
    session.commit()
    login(client, analyst)
    status, _ = post_triage(
        client, copy, triage_form(client, copy, status="duplicate", duplicate_of=original.reference)
    )
    assert status == 303
    session.refresh(copy)
    assert copy.status == "duplicate" and copy.duplicate_of_id == original.id


def test_second_of_two_concurrent_saves_is_refused_with_what_changed(
    app: Flask, session: Session, analyst: User
) -> None:
    other = make_user(session, "analyst", email="collegue@example.test")
    incident = make_incident(session, None)
    session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, analyst)
    login(second, other)
    form_first = triage_form(first, incident, status="triage", severity="high")
    form_second = triage_form(second, incident, status="triage", severity="low")
    assert post_triage(first, incident, form_first)[0] == 303
    status, page = post_triage(second, incident, form_second)
    assert status == 409
    assert "Quelqu'un a modifié cet incident" in page
    row = re.search(r"<td>Gravité</td><td>([^<]+)</td><td>([^<]+)</td>", page)
    assert row and row.groups() == ("Élevée", "Faible")
    session.refresh(incident)
    assert incident.severity == "high"


def test_xss_payloads_are_shown_escaped_in_queue_and_incident_page(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    payload = "<script>alert(1)</script>{{7*7}}"
    incident = make_incident(session, None, title=payload, description=payload, reporter_name=payload)
    session.commit()
    login(client, analyst)
    for url in ("/incidents", f"/incidents/{incident.reference}"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store"  # ASVS 14.2.2
        html = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in html


def test_shared_comment_reaches_the_reporter_internal_note_does_not(
    settings: Settings, db: Database, session: Session, analyst: User, smtp_server: SmtpServer
) -> None:
    app = create_app(settings=settings.with_overrides(smtp_server.settings_overrides()), database=db)
    client = app.test_client()
    incident = make_incident(session, None)
    token = make_follow_up_link(session, incident)
    session.commit()
    login(client, analyst)
    url = f"/incidents/{incident.reference}/commentaires"
    client.post(
        url,
        data={
            "body": "Note interne : piste RDP",
            "visibility": "internal",
            "csrf_token": csrf_token(client, f"/incidents/{incident.reference}"),
        },
    )
    client.post(
        url,
        data={
            "body": "Merci, nous vous rappelons.",
            "visibility": "shared",
            "csrf_token": csrf_token(client, f"/incidents/{incident.reference}"),
        },
        buffered=True,
    )
    page = text_of(app.test_client().get(f"/suivi/{token}"))
    assert "Merci, nous vous rappelons." in page and "piste RDP" not in page
    [mail] = smtp_server.wait_for(1)
    assert mail.recipients == ["claire.martin@mairie.example.test"]
    assert "Merci, nous vous rappelons." in mail.part("plain")


def test_observables_are_normalised_deduplicated_and_shown_defanged(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None)
    session.commit()
    login(client, analyst)
    url = f"/incidents/{incident.reference}/observables"
    token = csrf_token(client, f"/incidents/{incident.reference}")
    response = client.post(
        url,
        data={"kind": "domain", "value": "Evil.Example.TEST\nevil[.]example[.]test\n", "csrf_token": token},
    )
    assert response.status_code == 303
    assert [o.value for o in session.scalars(select(Observable))] == ["evil.example.test"]
    page = text_of(client.get(f"/incidents/{incident.reference}"))
    assert "evil[.]example[.]test" in page
    bad = client.post(url, data={"kind": "ipv4", "value": "192.0.2.1\n999.1.1.1", "csrf_token": token})
    assert bad.status_code == 400 and "Ligne 2 : Adresse IP invalide" in text_of(bad)
    assert session.scalars(select(Observable).where(Observable.kind == "ipv4")).first() is None


def test_attachments_are_always_downloaded_never_rendered(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None)
    incident.attachments.append(
        Attachment(
            uploaded_by="x",
            source="reporter",
            display_name="page piégée.txt",
            sniffed_type="text",
            size=40,
            sha256="a" * 64,
            content=b"<html><script>alert(1)</script></html>",
        )
    )
    session.commit()
    login(client, analyst)
    attachment = incident.attachments[0]
    response = client.get(f"/incidents/{incident.reference}/pieces-jointes/{attachment.public_id}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"] == "attachment; filename*=UTF-8''" + quote(
        "page piégée.txt", safe=""
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == b"<html><script>alert(1)</script></html>"


def test_staff_upload_is_checked_and_hashed(client: FlaskClient, session: Session, analyst: User) -> None:
    incident = make_incident(session, None)
    session.commit()
    login(client, analyst)
    token = csrf_token(client, f"/incidents/{incident.reference}")
    url = f"/incidents/{incident.reference}/pieces-jointes"
    import hashlib
    import io

    ok = client.post(
        url,
        data={"attachments": [(io.BytesIO(PNG), "écran.png")], "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 303
    stored = session.scalars(select(Attachment)).one()
    assert stored.sha256 == hashlib.sha256(PNG).hexdigest() and stored.source == "staff"
    assert stored.sha256 in text_of(client.get(f"/incidents/{incident.reference}"))
    bad = client.post(
        url,
        data={"attachments": [(io.BytesIO(b"MZ" + bytes(50)), "outil.png")], "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and len(session.scalars(select(Attachment)).all()) == 1


def test_member_reads_own_incident_without_internal_items_and_cannot_write(
    client: FlaskClient, session: Session, settings: Settings
) -> None:
    commune = make_organisation(session, "Commune de Tours")
    member = make_user(session, "member", [commune])
    incident = make_incident(session, commune)
    incident.observables.append(Observable(kind="ipv4", value="192.0.2.7", internal=True, created_by="a"))
    incident.observables.append(Observable(kind="ipv4", value="198.51.100.9", internal=False, created_by="a"))
    incident.attachments.append(
        Attachment(
            uploaded_by="a",
            source="staff",
            internal=True,
            display_name="analyse.txt",
            sniffed_type="text",
            size=3,
            sha256="b" * 64,
            content=b"abc",
        )
    )
    session.commit()
    add_comment(
        session, system_actor("test"), incident.reference, "Piste interne", shared=False, settings=settings
    )
    add_comment(
        session, system_actor("test"), incident.reference, "Message partagé", shared=True, settings=settings
    )
    login(client, member)
    page = text_of(client.get(f"/incidents/{incident.reference}"))
    assert "Message partagé" in page and "Piste interne" not in page
    assert "198[.]51[.]100[.]9" in page and "192[.]0[.]2[.]7" not in page
    assert "analyse.txt" not in page and "claire.martin" not in page
    assert 'id="triage-form"' not in page
    hidden = incident.attachments[0].public_id
    assert client.get(f"/incidents/{incident.reference}/pieces-jointes/{hidden}").status_code == 404
    token = csrf_token(client, "/compte")
    assert (
        client.post(
            f"/incidents/{incident.reference}/triage", data={"csrf_token": token, "version": "1"}
        ).status_code
        == 403
    )
    assert incident.reference in text_of(client.get("/incidents?status=all"))


def test_marking_an_obligation_done_records_who_and_when(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None, personal_data_breach=True)
    session.commit()
    login(client, analyst)
    token = csrf_token(client, f"/incidents/{incident.reference}")
    client.post(
        f"/incidents/{incident.reference}/obligations",
        data={"kind": "cnil_notification", "csrf_token": token},
    )
    page = text_of(client.get(f"/incidents/{incident.reference}"))
    assert "Fait le" in page and analyst.email in page
    assert (
        client.post(
            f"/incidents/{incident.reference}/obligations", data={"kind": "forged", "csrf_token": token}
        ).status_code
        == 303
    )
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.obligation_done")).one()


def test_overdue_deadlines_are_highlighted_with_time_remaining(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None, personal_data_breach=True)
    session.commit()
    login(client, analyst)
    assert "Reste 71 h" in text_of(client.get(f"/incidents/{incident.reference}"))
    with time_machine.travel(now() + timedelta(hours=80)):
        login(client, analyst)
        html = client.get(f"/incidents/{incident.reference}").get_data(as_text=True)
    assert 'class="overdue"' in html and "En retard de 8 h" in html


def test_phone_intake_creates_an_incident_assigned_to_the_analyst(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    login(client, analyst)
    data = {
        "organisation": "",
        "name": "M. le Maire",
        "role": "Maire",
        "email": "",
        "phone": "06 00 00 00 00",
        "situation": "payment_fraud",
        "noticed_at": "",
        "ongoing": "no",
        "personal_data": "no",
        "title": "",
        "description": "Demande de changement de RIB d'un fournisseur.",
        "csrf_token": csrf_token(client, "/incidents/appel"),
    }
    response = client.post("/incidents/appel", data=data)
    assert response.status_code == 303
    incident = session.scalars(select(Incident)).one()
    assert (incident.channel, incident.assignee_id, incident.reporter_phone) == (
        "phone",
        analyst.id,
        "06 00 00 00 00",
    )


def test_members_and_anonymous_cannot_use_the_phone_sheet(client: FlaskClient, session: Session) -> None:
    assert client.get("/incidents/appel").status_code == 302
    member = make_user(session, "member", [make_organisation(session)])
    session.commit()
    login(client, member)
    assert client.get("/incidents/appel").status_code == 403

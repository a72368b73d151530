"""Checklists on the incident page and the reporter's follow-up page; export forms."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import PROJECT_ROOT
from cyberreponse.models import AuditEvent, Incident, Observable, User
from cyberreponse.services import checklists
from cyberreponse.services.playbook_catalogue import load_catalogue
from tests.conftest import csrf_token, login
from tests.factories import make_follow_up_link, make_incident, make_organisation, make_user
from tests.web.reporting import text_of

pytestmark = pytest.mark.db

CATALOGUE = load_catalogue(PROJECT_ROOT / "playbooks")


@pytest.fixture
def analyst(session: Session) -> User:
    return make_user(session, "analyst", email="analyste@example.test")


def start(session: Session, incident: Incident, playbook_id: str = "ransomware") -> None:
    checklists.start_checklist(session, system_actor("test"), incident.reference, playbook_id, CATALOGUE)


def post(client: FlaskClient, path: str, page: str, **data: str) -> tuple[int, str]:
    response = client.post(path, data={"csrf_token": csrf_token(client, page), **data})
    return response.status_code, text_of(response)


def test_analyst_sees_ranked_suggestions_with_why_and_starts_one(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None, rsit_class="malicious-code", rsit_type="infected-system")
    session.commit()
    login(client, analyst)
    page = text_of(client.get(f"/incidents/{incident.reference}"))
    suggestions = page[page.index('id="suggestions"') :]
    ransomware = suggestions.index("Rançongiciel")
    malware = suggestions.index("Logiciel malveillant sur un poste de travail")
    assert ransomware < malware
    both = "correspond à la classification (infected-system) et à la situation décrite par le déclarant"
    assert ransomware < suggestions.index(both) < malware
    assert suggestions.index("correspond à la classification (infected-system)</span>") > malware
    assert "Aucune checklist commencée." in page

    status, _ = post(
        client,
        f"/incidents/{incident.reference}/checklists",
        f"/incidents/{incident.reference}",
        playbook="ransomware",
    )
    assert status == 303
    page = text_of(client.get(f"/incidents/{incident.reference}"))
    assert 'id="checklist-ransomware"' in page and "(empreinte " in page  # which file version it froze
    assert "Débrancher du réseau les ordinateurs touchés, sans les éteindre" in page
    total = len(CATALOGUE.get("ransomware").steps)  # type: ignore[union-attr]
    assert f'<progress max="{total}" value="0" aria-labelledby="progress-label-ransomware">' in page
    assert f"0 étape(s) traitée(s) sur {total} (0 %)" in page
    assert ' style="' not in page  # strict CSP: no inline style


def test_ticking_a_step_on_the_page_updates_the_progress(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None)
    start(session, incident)
    login(client, analyst)
    path = f"/incidents/{incident.reference}"
    status, _ = post(
        client,
        f"{path}/checklists/ransomware/alert-csirt",
        path,
        action="done",
        note="Appel au 01 23 45 67 89",
    )
    assert status == 303
    page = text_of(client.get(path))
    total = len(CATALOGUE.get("ransomware").steps)  # type: ignore[union-attr]
    assert f"1 étape(s) traitée(s) sur {total} (" in page
    step = page[page.index('id="step-ransomware-alert-csirt"') :]
    step = step[: step.index("</li>")]
    assert "Fait le" in step and "analyste@example.test" in step and "Appel au 01 23 45 67 89" in step
    assert "Remettre à faire" in step


def test_skipping_without_reason_shows_the_error_at_the_step(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None)
    start(session, incident)
    login(client, analyst)
    path = f"/incidents/{incident.reference}"
    status, page = post(
        client, f"{path}/checklists/ransomware/insurer-notice", path, action="skipped", note=""
    )
    assert status == 400
    step = page[page.index('id="step-ransomware-insurer-notice"') :]
    assert "La raison est obligatoire." in step[: step.index("</li>")]


def test_overdue_steps_are_highlighted(client: FlaskClient, session: Session, analyst: User) -> None:
    incident = make_incident(session, None, aware_at=now() - timedelta(hours=3))
    start(session, incident)
    login(client, analyst)
    html = client.get(f"/incidents/{incident.reference}").get_data(as_text=True)
    assert re.search(r'<li class="step step-todo overdue" id="step-ransomware-disconnect-network">', html)
    assert re.search(r'<li class="step step-todo" id="step-ransomware-lessons-learned">', html)
    assert "3 en retard" in html


def test_a_member_reads_the_checklist_without_notes_or_forms(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    commune = make_organisation(session)
    member = make_user(session, "member", [commune])
    incident = make_incident(session, commune)
    start(session, incident)
    checklists.record_step(
        session,
        system_actor("test"),
        incident.reference,
        "ransomware",
        "alert-csirt",
        "done",
        "Note de travail",
    )
    login(client, member)
    path = f"/incidents/{incident.reference}"
    page = text_of(client.get(path))
    assert 'id="checklist-ransomware"' in page and "Fait le" in page
    assert "Note de travail" not in page
    assert "/checklists/ransomware/" not in page and "Playbooks suggérés" not in page
    assert "Commencée le" in page and "(empreinte " not in page  # the file's fingerprint is for analysts
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/checklists/ransomware/call-provider", data={"csrf_token": token, "action": "done"}
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"{path}/checklists", data={"csrf_token": token, "playbook": "phishing-campaign"}
        ).status_code
        == 403
    )


def test_the_follow_up_page_shows_the_organisations_steps_in_plain_french(
    client: FlaskClient, session: Session
) -> None:
    incident = make_incident(session, None, aware_at=now() - timedelta(hours=1))
    token = make_follow_up_link(session, incident)
    start(session, incident)
    checklists.record_step(
        session,
        system_actor("test"),
        incident.reference,
        "ransomware",
        "alert-csirt",
        "done",
        "Note du CSIRT",
    )
    checklists.record_step(
        session,
        system_actor("test"),
        incident.reference,
        "ransomware",
        "insurer-notice",
        "skipped",
        "pas assurée",
    )
    page = text_of(client.get(f"/suivi/{token}"))
    assert "Ce que votre organisation doit faire" in page
    assert "Fait le" in page and "Pas nécessaire dans votre cas" in page
    assert "À faire au plus vite (prévu avant le" in page  # disconnect-network, 30 minutes
    assert "À faire avant le" in page
    playbook = CATALOGUE.get("ransomware")
    assert playbook is not None
    for step in playbook.steps:
        assert (step.title in page) == (step.actor == "member"), step.id
    assert "Note du CSIRT" not in page and "pas assurée" not in page


def test_exporting_from_the_incident_page_downloads_an_audited_file(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None, title="<script>alert(1)</script>")
    incident.observables.append(Observable(kind="domain", value="mechant.example.test", created_by="t"))
    session.commit()
    login(client, analyst)
    path = f"/incidents/{incident.reference}"
    response = client.post(f"{path}/export", data={"csrf_token": csrf_token(client, path), "format": "misp"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert (
        response.headers["Content-Disposition"]
        == f"attachment; filename*=UTF-8''{incident.reference}.misp.json"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    body = response.get_data(as_text=True)
    assert "<script>" not in body
    assert json.loads(body)["Event"]["info"].endswith("<script>alert(1)</script>")
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.export")).one()
    assert audit.details["format"] == "misp" and audit.actor == "analyste@example.test"


def test_a_tlp_red_export_from_the_page_needs_the_box_ticked(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    incident = make_incident(session, None, tlp="RED")
    session.commit()
    login(client, analyst)
    path = f"/incidents/{incident.reference}"
    response = client.post(f"{path}/export", data={"csrf_token": csrf_token(client, path), "format": "stix"})
    assert response.status_code == 400
    assert "Cet incident est classé TLP:RED" in text_of(response)
    response = client.post(
        f"{path}/export",
        data={"csrf_token": csrf_token(client, path), "format": "stix", "confirm_tlp_red": "on"},
    )
    assert response.status_code == 200 and response.get_json()["type"] == "bundle"


def test_queue_csv_export_keeps_the_filters_and_confirms_tlp_red(
    client: FlaskClient, session: Session, analyst: User
) -> None:
    commune = make_organisation(session, "Commune de Saumur")
    make_incident(session, commune, title="Visible", severity="high")
    make_incident(session, commune, title="Autre gravité", severity="low")
    make_incident(session, commune, title="Rouge", severity="high", tlp="RED")
    session.commit()
    login(client, analyst)
    page = client.get(f"/incidents?severity=high&organisation={commune.siren}").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="csv-export".*?</form>', page, re.S)
    assert form
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(0)))
    assert data["severity"] == "high" and data["organisation"] == commune.siren
    refused = client.post("/incidents/export", data=data)
    assert refused.status_code == 400
    assert "Cette sélection contient 1 incident(s) TLP:RED" in text_of(refused)
    response = client.post("/incidents/export", data={**data, "confirm_tlp_red": "on"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=UTF-8''incidents-")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[1] for row in rows[1:]) == ["Rouge", "Visible"]

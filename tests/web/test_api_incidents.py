"""`/api/v1/incidents`: the authorisation matrix, field-level rules, the version check, the
workflow, reporting with the public form's rules, exports, observables and comments."""

from __future__ import annotations

import json

import pytest
import stix2
from flask import Flask
from flask.testing import FlaskClient
from pymisp import MISPEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.models import AuditEvent, Comment, Incident, Observable, Organisation
from tests.factories import make_incident, make_organisation, make_user
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db


@pytest.fixture
def api(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def commune_a(session: Session) -> Organisation:
    return make_organisation(session, "Commune Alpha")


@pytest.fixture
def commune_b(session: Session) -> Organisation:
    return make_organisation(session, "Commune Bêta")


def incident_of(session: Session, organisation: Organisation | None, **fields: object) -> Incident:
    incident = make_incident(session, organisation, **fields)
    incident.observables.append(Observable(kind="ipv4", value="203.0.113.5", created_by="t"))
    incident.observables.append(
        Observable(kind="domain", value="secret-interne.test", internal=True, created_by="t")
    )
    incident.comments.append(
        Comment(author="a@x.test", author_kind="staff", body="Note interne", shared=False)
    )
    incident.comments.append(
        Comment(author="a@x.test", author_kind="staff", body="Message partagé", shared=True)
    )
    session.flush()
    return incident


def token_for(session: Session, role: str, organisations: list[Organisation] | None = None) -> dict[str, str]:
    user = make_user(session, role, organisations)
    return bearer(issue(session, user))


PATHS = ("", "/observables", "/comments", "/export?format=misp", "/export?format=stix")


def test_a_member_token_never_reaches_another_organisations_incident(
    api: FlaskClient, session: Session, commune_a: Organisation, commune_b: Organisation
) -> None:
    theirs = incident_of(session, commune_b, title="Secret de Bêta")
    unmatched = incident_of(session, None, title="Pas encore rattaché")
    member = token_for(session, "member", [commune_a])
    session.commit()
    for incident in (theirs, unmatched):
        for suffix in PATHS:
            response = api.get(f"/api/v1/incidents/{incident.reference}{suffix}", headers=member)
            assert response.status_code == 404, suffix
            assert "Bêta" not in response.get_data(as_text=True)
        for method, suffix, body in (
            ("PATCH", "", {"version": 1, "severity": "low"}),
            ("POST", "/observables", {"kind": "domain", "values": ["x.test"]}),
            ("POST", "/comments", {"body": "Coucou"}),
        ):
            response = api.open(
                f"/api/v1/incidents/{incident.reference}{suffix}", method=method, json=body, headers=member
            )
            assert response.status_code == 404, (method, suffix)
    listed = api.get("/api/v1/incidents?status=all", headers=member).get_json()
    assert listed["total"] == 0 and listed["items"] == []
    assert (
        api.get(f"/api/v1/incidents?organisation={commune_b.siren}", headers=member).get_json()["total"] == 0
    )


def test_an_analyst_token_reaches_every_incident(
    api: FlaskClient, session: Session, commune_a: Organisation, commune_b: Organisation
) -> None:
    incident = incident_of(session, commune_b, title="Secret de Bêta")
    analyst = token_for(session, "analyst")
    session.commit()
    for suffix in PATHS:
        response = api.get(f"/api/v1/incidents/{incident.reference}{suffix}", headers=analyst)
        assert response.status_code == 200, suffix
    body = api.get(f"/api/v1/incidents/{incident.reference}", headers=analyst).get_json()
    assert body["organisation"] == {"siren": commune_b.siren, "name": "Commune Bêta"}
    assert body["reporter"]["email"] == "claire.martin@mairie.example.test"
    observables = api.get(f"/api/v1/incidents/{incident.reference}/observables", headers=analyst).get_json()
    assert {o["value"] for o in observables["items"]} == {"203.0.113.5", "secret-interne.test"}
    comments = api.get(f"/api/v1/incidents/{incident.reference}/comments", headers=analyst).get_json()
    assert [c["body"] for c in comments["items"]] == ["Note interne", "Message partagé"]


def test_a_member_reads_their_own_incident_without_internal_items(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    incident = incident_of(session, commune_a, assignee=make_user(session, "analyst"))
    member = token_for(session, "member", [commune_a])
    session.commit()
    body = api.get(f"/api/v1/incidents/{incident.reference}", headers=member).get_json()
    assert body["description"] == "Un message demande une rançon."
    assert "reporter" not in body and "organisation_hint" not in body
    assert set(body["assignee"]) == {"name"}  # no user identifier for members
    text = json.dumps(body)
    for secret in ('id": ' + str(incident.id), "gAAAA", "totp", "password"):
        assert secret not in text
    observables = api.get(f"/api/v1/incidents/{incident.reference}/observables", headers=member).get_json()
    assert [o["value"] for o in observables["items"]] == ["203.0.113.5"]
    comments = api.get(f"/api/v1/incidents/{incident.reference}/comments", headers=member).get_json()
    assert [c["body"] for c in comments["items"]] == ["Message partagé"]
    listed = api.get("/api/v1/incidents", headers=member).get_json()
    assert [item["reference"] for item in listed["items"]] == [incident.reference]


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "status": "closed"},
        {"version": 1, "organisation": "000000000"},
        {"version": 1, "assignee": None},
        {"version": 1, "severity": "critical"},
        {"version": 1},
    ],
)
def test_a_member_cannot_patch_triage_fields(
    api: FlaskClient, session: Session, commune_a: Organisation, body: dict[str, object]
) -> None:
    incident = incident_of(session, commune_a)
    member = token_for(session, "member", [commune_a])
    session.commit()
    response = api.patch(f"/api/v1/incidents/{incident.reference}", json=body, headers=member)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    session.refresh(incident)
    assert (incident.status, incident.severity, incident.version) == ("new", None, 1)


def test_unknown_or_forbidden_fields_are_refused_not_ignored(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    incident = incident_of(session, commune_a)
    analyst = token_for(session, "analyst")
    session.commit()
    for field in ("role", "organisation_id", "id", "description", "reporter_email", "totp_secret"):
        response = api.patch(
            f"/api/v1/incidents/{incident.reference}", json={"version": 1, field: "x"}, headers=analyst
        )
        assert response.status_code == 400, field
        assert response.get_json()["error"]["fields"] == {field: "Champ inconnu."}
    assert (
        api.patch(
            f"/api/v1/incidents/{incident.reference}", json={"severity": "low"}, headers=analyst
        ).status_code
        == 400
    )
    session.refresh(incident)
    assert incident.version == 1


def test_analyst_patches_some_fields_and_the_others_keep_their_value(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    analyst_user = make_user(session, "analyst", email="analyste@example.test")
    incident = incident_of(session, None, tlp="GREEN", significant=True)
    headers = bearer(issue(session, analyst_user))
    session.commit()
    response = api.patch(
        f"/api/v1/incidents/{incident.reference}",
        json={
            "version": 1,
            "status": "triage",
            "organisation": commune_a.siren,
            "rsit_class": "malicious-code",
            "rsit_type": "infected-system",
            "severity": "high",
            "assignee": analyst_user.public_id,
        },
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "triage" and body["severity"] == "high" and body["version"] == 2
    assert body["tlp"] == "GREEN" and body["significant"] is True  # untouched
    assert body["assignee"] == {"name": "Test analyst", "id": analyst_user.public_id}
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.update")).one()
    assert audit.actor == "analyste@example.test" and "severity" in audit.details["changes"]


def test_a_stale_version_gets_409_with_what_changed(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    incident = incident_of(session, commune_a)
    first, second = token_for(session, "analyst"), token_for(session, "analyst")
    session.commit()
    path = f"/api/v1/incidents/{incident.reference}"
    assert api.patch(path, json={"version": 1, "severity": "high"}, headers=first).status_code == 200
    response = api.patch(path, json={"version": 1, "severity": "low"}, headers=second)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and "Quelqu'un a modifié cet incident" in error["message"]
    assert error["changes"] == {"severity": {"current": "Élevée", "requested": "Faible"}}
    assert api.get(path, headers=first).get_json()["severity"] == "high"
    # With the version just read, the change goes through.
    assert api.patch(path, json={"version": 2, "severity": "low"}, headers=second).status_code == 200


def test_the_workflow_is_enforced_through_the_api(api: FlaskClient, session: Session) -> None:
    incident = incident_of(session, None)
    analyst = token_for(session, "analyst")
    session.commit()
    path = f"/api/v1/incidents/{incident.reference}"
    response = api.patch(path, json={"version": 1, "status": "closed", "resolution": "Rien"}, headers=analyst)
    assert response.status_code == 400
    assert "Passage impossible de « Nouveau » à « Clos »" in response.get_json()["error"]["fields"]["status"]
    response = api.patch(path, json={"version": 1, "status": "triage", "tlp": ""}, headers=analyst)
    assert response.status_code == 400
    assert api.get(path, headers=analyst).get_json()["status"] == "new"


def valid_report(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "name": "Claire Martin",
        "email": "claire.martin@mairie.example.test",
        "situation": "ransomware",
        "description": "Les fichiers du serveur sont chiffrés.",
        "noticed_at": "2020-03-02T08:30:00+01:00",
        "ongoing": "yes",
    }
    body.update(changes)
    return body


def test_a_member_reports_for_their_organisation_with_the_public_forms_rules(
    api: FlaskClient, session: Session, commune_a: Organisation, commune_b: Organisation
) -> None:
    member = token_for(session, "member", [commune_a])
    session.commit()
    response = api.post("/api/v1/incidents", json=valid_report(), headers=member)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["follow_up_url"].startswith("http://") and "/suivi/" in body["follow_up_url"]
    created = body["incident"]
    assert created["organisation"]["siren"] == commune_a.siren and created["channel"] == "api"
    assert created["aware_at"] == "2020-03-02T07:30:00+00:00"
    kinds = {o["kind"] for o in created["obligations"]}
    assert {"police_complaint", "insurer_notice"} <= kinds
    assert response.headers["Location"] == f"/api/v1/incidents/{created['reference']}"
    assert api.get(response.headers["Location"], headers=member).status_code == 200

    other = api.post("/api/v1/incidents", json=valid_report(organisation=commune_b.siren), headers=member)
    assert other.status_code == 400
    assert "organisation" in other.get_json()["error"]["fields"]
    bad = api.post(
        "/api/v1/incidents",
        json=valid_report(email="", situation="piratage", description=""),
        headers=member,
    )
    fields = bad.get_json()["error"]["fields"]
    assert bad.status_code == 400 and {"email", "situation", "description"} <= set(fields)
    assert api.post("/api/v1/incidents", json=valid_report(attachments=[]), headers=member).status_code == 400
    assert api.post("/api/v1/incidents", data="name=x", headers=member).status_code == 400


def test_exports_through_the_api_load_in_pymisp_and_stix2_and_are_audited(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    incident = incident_of(session, commune_a, title="<script>alert(1)</script>", tlp="RED")
    analyst = token_for(session, "analyst")
    session.commit()
    path = f"/api/v1/incidents/{incident.reference}/export"
    refused = api.get(f"{path}?format=misp", headers=analyst)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "confirmation_required"
    misp = api.get(f"{path}?format=misp&confirm_tlp_red=true", headers=analyst)
    assert misp.status_code == 200 and b"<script>" not in misp.get_data()
    event = MISPEvent()
    event.load(misp.get_data(as_text=True))
    assert event.info.endswith("<script>alert(1)</script>")
    assert [a.value for a in event.attributes if a.type == "ip-dst"] == ["203.0.113.5"]
    stix = api.get(f"{path}?format=stix&confirm_tlp_red=true", headers=analyst)
    bundle = stix2.parse(stix.get_data(as_text=True), allow_custom=False)
    assert any(o.type == "indicator" for o in bundle.objects)
    assert "secret-interne.test" not in stix.get_data(as_text=True)
    formats = [
        e.details["format"]
        for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.export"))
    ]
    assert formats == ["misp", "stix"]
    assert api.get(f"{path}?format=pdf", headers=analyst).status_code == 400
    assert api.get(path, headers=analyst).status_code == 400
    assert api.get(f"{path}?format=misp&confirm_tlp_red=yes", headers=analyst).status_code == 400


def test_observables_are_added_by_staff_only_and_validated(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    incident = incident_of(session, commune_a)
    analyst = token_for(session, "analyst")
    member = token_for(session, "member", [commune_a])
    session.commit()
    path = f"/api/v1/incidents/{incident.reference}/observables"
    response = api.post(
        path,
        json={"kind": "domain", "values": ["Mechant[.]Example.test", "mechant.example.test"]},
        headers=analyst,
    )
    assert response.status_code == 201
    assert [o["value"] for o in response.get_json()["added"]] == ["mechant.example.test"]
    again = api.post(path, json={"kind": "ipv4", "values": ["203.0.113.5"]}, headers=analyst).get_json()
    assert again == {"added": [], "already_known": 1}
    bad = api.post(path, json={"kind": "ipv4", "values": ["1.2.3.4", "999.1.1.1"]}, headers=analyst)
    assert bad.status_code == 400 and "Ligne 2" in bad.get_json()["error"]["message"]
    assert (
        api.post(path, json={"kind": "domain", "values": ["a.test\nb.test"]}, headers=analyst).status_code
        == 400
    )
    assert api.post(path, json={"kind": "domain", "values": ["x.test"]}, headers=member).status_code == 403
    assert len(api.get(path, headers=analyst).get_json()["items"]) == 3


def test_comments_staff_internal_or_shared_members_always_shared(
    api: FlaskClient, session: Session, commune_a: Organisation
) -> None:
    incident = incident_of(session, commune_a)
    analyst = token_for(session, "analyst")
    member_user = make_user(session, "member", [commune_a], email="rssi@alpha.test")
    member = bearer(issue(session, member_user))
    session.commit()
    path = f"/api/v1/incidents/{incident.reference}/comments"
    internal = api.post(path, json={"body": "Piste : VPN"}, headers=analyst)
    assert internal.status_code == 201 and internal.get_json()["shared"] is False
    refused = api.post(path, json={"body": "Note à moi", "shared": False}, headers=member)
    assert refused.status_code == 400 and "toujours partagés" in refused.get_json()["error"]["message"]
    posted = api.post(path, json={"body": "Nous avons débranché le serveur."}, headers=member)
    assert posted.status_code == 201
    assert posted.get_json() | {"at": ""} == {
        "at": "",
        "author": "rssi@alpha.test",
        "author_kind": "member",
        "body": "Nous avons débranché le serveur.",
        "shared": True,
    }
    seen_by_member = [c["body"] for c in api.get(path, headers=member).get_json()["items"]]
    assert "Piste : VPN" not in seen_by_member and "Note interne" not in seen_by_member
    assert "Nous avons débranché le serveur." in seen_by_member
    assert api.post(path, json={"body": ""}, headers=member).status_code == 400


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:00+00:00", "0001-01-01T00:00:00+14:00", "2026-11-28T09:30:00", "demain"]
)
def test_dates_out_of_range_or_without_offset_are_a_400(
    api: FlaskClient, session: Session, moment: str
) -> None:
    incident = incident_of(session, None)
    analyst = token_for(session, "analyst")
    session.commit()
    response = api.patch(
        f"/api/v1/incidents/{incident.reference}", json={"version": 1, "aware_at": moment}, headers=analyst
    )
    assert response.status_code == 400 and "aware_at" in response.get_json()["error"]["fields"]
    response = api.post("/api/v1/incidents", json=valid_report(noticed_at=moment), headers=analyst)
    assert response.status_code == 400 and "noticed_at" in response.get_json()["error"]["fields"]

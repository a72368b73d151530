"""Posture pages and API: findings (scoped), "scan now" (staff, rate limited, audited), campaigns,
and the public page that explains the scans."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.extensions import limiter
from cyberreponse.models import AuditEvent, Campaign, CheckResultRecord
from tests.campaigns.conftest import GOOD_MAIL, scan_overrides
from tests.conftest import csrf_token, login
from tests.factories import make_asset, make_finding, make_organisation, make_user
from tests.peers.dns_server import DnsPeer
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db


@pytest.fixture
def dns_peer() -> Iterator[DnsPeer]:
    peer = DnsPeer().start()
    yield peer
    peer.stop()


@pytest.fixture
def scan_app(settings: Settings, db: Database, dns_peer: DnsPeer) -> Flask:
    app = create_app(settings=settings.with_overrides(scan_overrides(dns_peer)), database=db)
    app.config["TESTING"] = True
    with app.app_context():
        limiter.reset()
    return app


def _wait_for_background_campaigns() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("campaign-"):
            thread.join(30)


def test_member_reads_findings_with_the_french_explanation_and_history(
    client: FlaskClient, session: Session
) -> None:
    commune = make_organisation(session, "Commune Lisible", scan_consent_at=now())
    finding = make_finding(session, make_asset(session, commune, "lisible.test"))
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    page = client.get(f"/organisations/{commune.siren}/constats")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Problèmes à corriger (1)" in text
    assert "SPF" in text and "lisible.test" in text and "élevée" in text
    assert "Constaté pour la première fois" in text
    assert "SPF : expéditeurs autorisés" in text  # the history table names the check
    assert "mail.spf" not in text and "spf.permissive_all" not in text  # identifiers are for staff
    assert "Analyser maintenant" not in text  # staff only
    assert finding.public_id  # the finding exists and is shown through its organisation


def test_member_gets_404_for_another_organisations_findings(client: FlaskClient, session: Session) -> None:
    mine = make_organisation(session, "Commune Mienne", scan_consent_at=now())
    other = make_organisation(session, "Commune Voisine Secrète", scan_consent_at=now())
    make_finding(session, make_asset(session, other, "voisine.test"))
    member = make_user(session, "member", [mine])
    session.commit()
    login(client, member)
    response = client.get(f"/organisations/{other.siren}/constats")
    assert response.status_code == 404
    assert "voisine.test" not in response.get_data(as_text=True)


def test_analyst_scan_now_runs_in_the_background_is_audited_and_rate_limited(
    scan_app: Flask, session: Session, dns_peer: DnsPeer
) -> None:
    dns_peer.add_zone("maintenant.test", GOOD_MAIL.format(name="maintenant.test"))
    commune = make_organisation(session, "Commune Maintenant", scan_consent_at=now())
    make_asset(session, commune, "maintenant.test")
    analyst = make_user(session, "analyst")
    session.commit()
    client = scan_app.test_client()
    login(client, analyst)
    url = f"/organisations/{commune.siren}/analyse"
    token = csrf_token(client, f"/organisations/{commune.siren}/constats")

    first = client.post(url, data={"csrf_token": token})
    _wait_for_background_campaigns()

    assert first.status_code == 302
    campaign = session.scalars(select(Campaign).where(Campaign.organisation_id == commune.id)).one()
    session.refresh(campaign)
    assert (campaign.kind, campaign.status, campaign.units_done) == ("on_demand", "done", 2)
    assert session.scalars(
        select(CheckResultRecord).where(CheckResultRecord.campaign_id == campaign.id)
    ).all()
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == commune.siren)).all()
    assert "organisation.scan_requested" in actions
    assert client.post(url, data={"csrf_token": token}).status_code == 302
    _wait_for_background_campaigns()
    third = client.post(url, data={"csrf_token": token})  # "2 per hour" per organisation
    assert third.status_code == 429
    assert "analyses demandées récemment" in third.get_data(as_text=True)
    assert len(session.scalars(select(Campaign)).all()) == 2


def test_member_cannot_start_a_scan(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune Membre", scan_consent_at=now())
    make_asset(session, commune, "membre.test")
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)
    token = csrf_token(client, f"/organisations/{commune.siren}/constats")
    assert (
        client.post(f"/organisations/{commune.siren}/analyse", data={"csrf_token": token}).status_code == 403
    )
    assert session.scalars(select(Campaign)).all() == []


def test_campaign_list_shows_progress_to_staff_only(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune Campagne", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "campagne.test"))
    session.add(
        Campaign(
            kind="nightly",
            slot="nightly:2026-01-01",
            requested_by="scheduler",
            started_at=now(),
            units_total=10,
            units_done=4,
            units_failed=1,
        )
    )
    analyst = make_user(session, "analyst")
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)
    assert client.get("/campagnes").status_code == 403
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    login(client, analyst)
    page = client.get("/campagnes").get_data(as_text=True)
    assert "nocturne" in page and "5 / 10 vérifications" in page and "1 en échec" in page


def test_public_page_explains_the_scans_without_signing_in(client: FlaskClient) -> None:
    page = client.get("/analyses")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Qui analyse" in text and "retirer son accord" in text and "csirt@example.test" in text


def test_api_findings_are_scoped_and_campaigns_are_for_staff(client: FlaskClient, session: Session) -> None:
    mine = make_organisation(session, "Commune API", scan_consent_at=now())
    other = make_organisation(session, "Commune API Voisine", scan_consent_at=now())
    make_finding(session, make_asset(session, mine, "api-mienne.test"), "exposure.smb")
    make_finding(session, make_asset(session, other, "api-voisine.test"))
    member = make_user(session, "member", [mine])
    analyst = make_user(session, "analyst")
    member_headers, analyst_headers = bearer(issue(session, member)), bearer(issue(session, analyst))
    session.commit()

    response = client.get(f"/api/v1/organisations/{mine.siren}/findings", headers=member_headers)
    [item] = response.get_json()["items"]
    assert (item["code"], item["severity"], item["asset"]["value"]) == (
        "exposure.smb",
        "critical",
        "api-mienne.test",
    )
    assert "pare-feu" in item["explanation"]
    assert (
        client.get(f"/api/v1/organisations/{other.siren}/findings", headers=member_headers).status_code == 404
    )
    assert client.get("/api/v1/campaigns", headers=member_headers).status_code == 403
    campaigns = client.get("/api/v1/campaigns", headers=analyst_headers).get_json()
    assert campaigns["total"] == 2 and campaigns["items"][0]["units"]["total"] == 0

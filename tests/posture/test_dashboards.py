"""The RSSI dashboard and the CSIRT overview: what each shows, to whom, and what they never reveal."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.clock import in_paris, now
from cyberreponse.models import AuditEvent, Organisation, ScoreSnapshot
from tests.conftest import csrf_token, login
from tests.factories import make_asset, make_incident, make_organisation, make_user
from tests.posture.conftest import Commune
from tests.posture.data import result, scan

pytestmark = pytest.mark.db


def snapshot(
    session: Session,
    organisation: Organisation,
    maturity: float,
    technical: float,
    days_ago: int = 0,
    grade: str = "C",
) -> None:
    session.add(
        ScoreSnapshot(
            organisation=organisation, taken_at=now() - timedelta(days=days_ago), source="manual",
            technical_score=technical, technical_grade=grade, maturity_score=maturity, maturity_level=3,
            categories={}, caps=[],
        )
    )  # fmt: skip
    session.flush()


def test_the_member_dashboard_shows_grade_level_findings_certificates_and_a_trend(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    for days_ago, value in ((200, 30.0), (100, 35.0), (1, 37.5)):
        snapshot(session, commune.organisation, value, value, days_ago)
    member = make_user(session, "member", [commune.organisation])
    session.commit()
    login(client, member)
    page = client.get("/espace").get_data(as_text=True)
    assert "Commune de Saint-Exemple" in page
    assert 'class="grade grade-F"' in page and "Fragile" in page
    assert "Partage de fichiers Windows" in page and "Le filtrer immédiatement au pare-feu" in page
    assert 'saint-exemple.test — <span class="overdue">expiré</span>' in page
    assert '<svg class="chart-svg" id="chart-trend"' in page and "<polyline" in page
    assert (
        "Pas encore assez d&#39;organisations évaluées" in page or "Pas encore assez d'organisations" in page
    )


def test_the_regional_median_stays_hidden_with_too_few_organisations(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    other = make_organisation(session, "Commune Voisine")
    snapshot(session, commune.organisation, 20.0, 20.0)
    snapshot(session, other, 87.6, 91.2)
    member = make_user(session, "member", [commune.organisation])
    session.commit()
    login(client, member)
    page = client.get("/espace").get_data(as_text=True)
    # With two organisations, any median would give the neighbour's score away.
    for secret in ("87,6", "91,2", "53,8", "55,6", "Commune Voisine"):
        assert secret not in page
    assert "Médiane régionale" not in page


def test_the_regional_median_is_shown_alone_once_five_organisations_have_a_score(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    snapshot(session, commune.organisation, 10.0, 10.0)
    for index, value in enumerate((31.5, 44.4, 62.2, 97.3)):
        snapshot(session, make_organisation(session, f"Commune {index}"), value, value)
    member = make_user(session, "member", [commune.organisation])
    session.commit()
    login(client, member)
    page = client.get("/espace").get_data(as_text=True)
    assert "Médiane régionale de maturité : 44,4 / 100" in page
    for secret in ("31,5", "62,2", "97,3"):
        assert secret not in page


def test_staff_land_on_the_overview_with_grades_exposures_certificates_and_deadlines(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    snapshot(session, commune.organisation, 37.5, 37.5, grade="F")
    make_incident(session, commune.organisation, significant=True, severity="high",
                  rsit_class="malicious-code", rsit_type="infected-system")  # fmt: skip
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    assert client.get("/connexion").headers["Location"].endswith("/tableau-de-bord")
    page = client.get("/tableau-de-bord").get_data(as_text=True)
    assert '<svg class="chart-svg" id="chart-grades"' in page
    assert "Partage de fichiers Windows" in page and "192.0.2.10" in page
    assert "saint-exemple.test" in page  # its certificate has expired
    assert "Logiciel malveillant" in page and "malicious-code" in page  # the RSIT class, named and coded


def test_overview_filters_keep_only_the_chosen_departement_kind_and_intercommunalite(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    epci = make_organisation(session, "Communauté de Test", kind="epci", insee_code="29019")
    elsewhere = make_organisation(session, "Commune du Finistère", insee_code="29019", parent_id=epci.id)
    scan(
        session,
        make_asset(session, elsewhere, "198.51.100.7", kind="ip"),
        [result("exposure.ports", "exposure.rdp")],
    )
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    in_35 = client.get("/tableau-de-bord?department=35").get_data(as_text=True)
    assert "192.0.2.10" in in_35 and "198.51.100.7" not in in_35
    in_epci = client.get(f"/tableau-de-bord?epci={epci.siren}").get_data(as_text=True)
    assert "198.51.100.7" in in_epci and "192.0.2.10" not in in_epci
    epcis_only = client.get("/tableau-de-bord?kind=epci").get_data(as_text=True)
    assert "198.51.100.7" not in epcis_only and "192.0.2.10" not in epcis_only
    bad = client.get("/tableau-de-bord?department=35%27%20OR%201=1")
    assert bad.status_code == 400 and "Département attendu" in bad.get_data(as_text=True)


def test_each_overview_table_exports_as_csv_for_french_excel_and_is_audited(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    commune.organisation.name = '=HYPERLINK("http://evil.test")'
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    token = csrf_token(client, "/tableau-de-bord")
    response = client.post(
        "/tableau-de-bord/export", data={"csrf_token": token, "table": "expositions", "department": "35"}
    )
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment;")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Organisation", "SIREN", "Actif"]
    assert rows[1][0] == '\'=HYPERLINK("http://evil.test")' and rows[1][2] == "192.0.2.10"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "overview.export")).one()
    assert event.details == {"filters": {"department": "35"}, "rows": 1}
    for table in ("notes", "certificats", "incidents", "echeances", "tendances"):
        assert (
            client.post("/tableau-de-bord/export", data={"csrf_token": token, "table": table}).status_code
            == 200
        )
    assert (
        client.post("/tableau-de-bord/export", data={"csrf_token": token, "table": "secrets"}).status_code
        == 400
    )


def test_members_cannot_open_the_overview_nor_its_exports(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    member = make_user(session, "member", [commune.organisation])
    session.commit()
    login(client, member)
    assert client.get("/tableau-de-bord").status_code == 403
    token = csrf_token(client, "/compte")
    assert (
        client.post("/tableau-de-bord/export", data={"csrf_token": token, "table": "notes"}).status_code
        == 403
    )


def test_regional_trends_are_listed_by_month_name_in_the_chosen_language(
    client: FlaskClient, session: Session, commune: Commune
) -> None:
    snapshot(session, commune.organisation, 37.5, 37.5, grade="F")
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    this_month = in_paris(now())  # the page counts months in Paris

    french = client.get("/tableau-de-bord").get_data(as_text=True)
    trends = french.split('id="trends-title"', 1)[1]
    french_months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                     "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
    assert f"<td>{french_months[this_month.month - 1]} {this_month.year}</td>" in trends
    assert f"<td>{this_month:%d/%m/%Y}</td>" not in trends  # a month, not its last day

    client.post("/langue", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/")})
    english = client.get("/tableau-de-bord").get_data(as_text=True)
    assert f"<td>{this_month:%B} {this_month.year}</td>" in english.split('id="trends-title"', 1)[1]

"""What members, the mayor and analysts read: plain words instead of stored codes (RSIT, TLP, check
identifiers, raw User-Agent, \\u-escaped JSON), overdue deadlines flagged, links to what to do next."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.web.template_filters import describe_user_agent
from tests.conftest import csrf_token, login
from tests.factories import (
    make_asset,
    make_finding,
    make_follow_up_link,
    make_incident,
    make_organisation,
    make_user,
)
from tests.web.reporting import text_of

pytestmark = pytest.mark.db

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def request_context(app: Flask) -> Iterator[None]:
    with app.test_request_context("/"):
        yield


def _words(html: str) -> str:
    """The page's words without tags, spaces collapsed: what a reader sees in a row."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" )", ")").replace("( ", "(")


def _in_english(client: FlaskClient) -> None:
    client.post("/langue", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client, "/")})


def test_member_reads_the_kind_of_attack_and_the_sharing_rule_in_plain_french(
    client: FlaskClient, session: Session
) -> None:
    commune = make_organisation(session, "Commune Claire")
    incident = make_incident(
        session, commune, rsit_class="malicious-code", rsit_type="infected-system", tlp="AMBER"
    )
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    text = text_of(client.get(f"/incidents/{incident.reference}"))

    assert "Type d'attaque" in text and "Logiciel malveillant" in text
    assert "malicious-code" not in text and "infected-system" not in text and "RSIT" not in text
    assert "Diffusion limitée à votre organisation et à ses prestataires" in text
    assert "PAP:" not in text
    assert "Retour à vos incidents" in text and "Retour à la file" not in text


def test_analyst_sees_the_rsit_codes_next_to_their_meaning(client: FlaskClient, session: Session) -> None:
    incident = make_incident(session, None, rsit_class="malicious-code", rsit_type="infected-system")
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)

    text = text_of(client.get(f"/incidents/{incident.reference}"))

    assert "Logiciel malveillant (malicious-code / infected-system)" in _words(text)
    assert "TLP:AMBER" in text and "PAP:AMBER" in text
    assert "malicious-code — Logiciel malveillant" in text  # the triage form's choice


def test_a_deadline_weeks_away_reads_in_days_not_in_hundreds_of_hours(
    client: FlaskClient, session: Session
) -> None:
    commune = make_organisation(session, "Commune Patiente", nis2_status="important")
    incident = make_incident(session, commune, significant=True)
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)

    text = text_of(client.get(f"/incidents/{incident.reference}"))

    assert re.search(r"Reste 3[0-9] j [0-9]+ h", text)  # the final NIS2 report, a month after notification
    assert "Reste 71 h" in text  # the 72-hour notification keeps its hours
    assert not re.search(r"Reste \d{3,} h", text)


def test_member_dashboard_flags_an_overdue_deadline_and_links_to_the_findings(
    client: FlaskClient, session: Session
) -> None:
    commune = make_organisation(session, "Commune Pressée", nis2_status="important", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "pressee.test"))
    late = now() - timedelta(hours=30)
    make_incident(session, commune, significant=True, reported_at=late, aware_at=late)
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    page = client.get("/espace").get_data(as_text=True)

    overdue = r'<span class="overdue">Alerte précoce NIS2 \(24 h\) : [0-9/: ]+ — en retard</span>'
    assert re.search(overdue, page)
    assert f'href="/organisations/{commune.siren}/constats"' in page
    assert "comment le corriger" in page


def test_member_findings_page_names_checks_instead_of_their_identifiers(
    client: FlaskClient, session: Session
) -> None:
    commune = make_organisation(session, "Commune Sans Code", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "sans-code.test"))
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    page = client.get(f"/organisations/{commune.siren}/constats")
    text = text_of(page)

    assert "<h1>Constats des analyses — Commune Sans Code</h1>" in text
    assert "SPF : expéditeurs autorisés" in text
    assert "mail.spf" not in text and "spf.permissive_all" not in text
    assert f'href="/organisations/{commune.siren}/rapport-nis2"' in text  # the plan of priority actions


def test_findings_page_in_english_shows_english_titles(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune Anglophone", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "anglophone.test"))
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)
    _in_english(client)

    text = text_of(client.get(f"/organisations/{commune.siren}/constats"))

    assert "Scan findings — Commune Anglophone" in text
    assert "Permissive SPF (+all or ?all)" in text and "SPF: authorised senders" in text
    assert "SPF trop permissif" not in text and "expéditeurs autorisés" not in text


def test_readiness_report_names_the_checks_that_cost_points(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune Rapportée", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "rapportee.test"))
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    text = text_of(client.get(f"/organisations/{commune.siren}/rapport-nis2"))

    assert "<td>SPF : expéditeurs autorisés</td>" in text  # « Ce qui coûte des points »
    assert "Analyse « SPF : expéditeurs autorisés » — " in text  # the measures' reasons
    assert "Analyse mail.spf" not in text and "<td>mail.spf</td>" not in text


def test_my_account_names_the_browser_of_each_session(client: FlaskClient, session: Session) -> None:
    member = make_user(session, "member", [make_organisation(session)])
    session.commit()
    client.environ_base["HTTP_USER_AGENT"] = FIREFOX_WINDOWS
    login(client, member)

    text = text_of(client.get("/compte"))

    assert ">Firefox sur Windows</td>" in text
    assert "Gecko/20100101" not in re.sub(r'title="[^"]*"', "", text)  # only in the tooltip


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (FIREFOX_WINDOWS, "Firefox sur Windows"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Safari/605.1.15",
            "Safari sur macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36",
            "Chrome sur Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36 Edg/126.0",
            "Edge sur Windows",
        ),
        ("curl/8.5.0", "navigateur inconnu"),
        (None, "navigateur inconnu"),
    ],
)
def test_user_agents_read_as_browser_and_system(
    request_context: None, user_agent: str | None, expected: str
) -> None:
    assert describe_user_agent(user_agent) == expected


def test_audit_log_shows_accented_names_as_written(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, "admin")
    audit.record(
        session, Actor("analyste", "analyst"), "incident.update", "incident", "CR-2026-00001",
        {"changes": {"assignee": ["—", "Yann Kerhervé"]}},
    )  # fmt: skip
    session.commit()
    login(client, admin)

    text = text_of(client.get("/admin/journal"))

    assert '"Yann Kerhervé"' in text and '"—"' in text
    assert "\\u00e9" not in text and "\\u2014" not in text


def test_first_actions_in_english_say_the_advice_is_french_and_mark_it_so(client: FlaskClient) -> None:
    _in_english(client)

    page = client.get("/premiers-gestes/ransomware").get_data(as_text=True)

    assert "This advice is written in French only" in page
    assert re.search(r'<ol lang="fr"><li>D[ée]branchez', page)  # read aloud in French by a screen reader


def test_first_actions_in_french_carry_no_language_notice(client: FlaskClient) -> None:
    page = client.get("/premiers-gestes/ransomware").get_data(as_text=True)

    assert "<ol><li>" in page and 'lang="fr">' not in page.split("<main", 1)[1]


def test_report_charts_show_what_they_count(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune Graphique", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "graphique.test"))
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    page = text_of(client.get(f"/organisations/{commune.siren}/rapport-nis2"))

    caption = re.search(r'<figcaption class="chart-caption" id="([^"]+)">([^<]+)</figcaption>', page)
    assert caption and caption.group(2) == "Score technique par catégorie (sur 100)"
    assert f'aria-labelledby="{caption.group(1)}"' in page  # the chart is named by the visible caption


def test_follow_up_page_says_what_the_status_means_for_the_reporter(
    client: FlaskClient, session: Session
) -> None:
    incident = make_incident(session)
    token = make_follow_up_link(session, incident)
    session.commit()

    text = text_of(client.get(f"/suivi/{token}"))

    assert '<dd id="status">Nouveau</dd>' in text
    assert "un analyste va le prendre en charge" in text


def test_english_pages_use_english_punctuation_in_the_footer(client: FlaskClient) -> None:
    _in_english(client)

    text = text_of(client.get("/"))

    assert "Cyber emergency: <a" in text and "Cyber emergency :" not in text


def test_every_chart_has_one_caption_and_the_trend_a_legend(client: FlaskClient, session: Session) -> None:
    commune = make_organisation(session, "Commune Tendance", scan_consent_at=now())
    make_finding(session, make_asset(session, commune, "tendance.test"))
    member = make_user(session, "member", [commune])
    session.commit()
    login(client, member)

    page = text_of(client.get("/espace"))

    figures = re.findall(r'<figure class="chart">(.*?)</figure>', page, re.S)
    assert figures, "the dashboard shows its trend chart"
    # HTML allows one figcaption per figure: screen readers announce only that one.
    assert all(figure.count("<figcaption") == 1 for figure in figures)
    assert any('class="chart-legend"' in figure and "legend-item" in figure for figure in figures)

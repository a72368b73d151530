"""In headless Chromium with JavaScript disabled: a member signs in and sees the dashboard's trend chart
and the report's charts, drawn as SVG by the server."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from cyberreponse.clock import now
from cyberreponse.models import ScoreSnapshot
from tests.e2e.test_report_to_follow_up import LiveApp, browser, live_app  # noqa: F401 - fixtures
from tests.factories import PASSWORD, make_asset, make_organisation, make_user
from tests.posture.data import result, scan

pytestmark = pytest.mark.e2e


def test_charts_render_without_javascript(browser: Browser, live_app: LiveApp, tmp_path: Path) -> None:  # noqa: F811
    with live_app.database.session_scope() as session:
        organisation = make_organisation(session, "Commune Sans Script")
        domain = make_asset(session, organisation, "sans-script.test")
        scan(
            session,
            domain,
            [result("mail.spf"), result("mail.dmarc", "dmarc.policy_none"), result("web.https")],
        )
        for days_ago, value in ((90, 40.0), (30, 50.0), (1, 60.0)):
            session.add(
                ScoreSnapshot(
                    organisation=organisation, taken_at=now() - timedelta(days=days_ago), source="manual",
                    technical_score=value, technical_grade="C", maturity_score=value, maturity_level=3,
                    categories={}, caps=[],
                )
            )  # fmt: skip
        member = make_user(session, "member", [organisation], email="rssi@sans-script.test")
        secret, siren = member.totp_secret, organisation.siren
        session.commit()
    assert secret

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_app.url}/connexion")
    page.get_by_label("Adresse e-mail").fill("rssi@sans-script.test")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Valider").click()

    expect(page.get_by_role("heading", name="Tableau de bord")).to_be_visible()
    trend = page.locator("svg#chart-trend")
    expect(trend).to_be_visible()
    assert trend.locator("polyline").count() >= 2  # maturity and technical lines
    box = trend.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 100
    page.screenshot(path=str(tmp_path / "dashboard.png"))

    page.goto(f"{live_app.url}/organisations/{siren}/rapport-nis2")
    categories = page.locator("svg#chart-categories-page")
    expect(categories).to_be_visible()
    bars = categories.locator("rect")
    assert bars.count() == 5
    assert bars.first.get_attribute("fill") == "#000091"
    expect(page.locator("svg#chart-measures-page")).to_be_visible()
    context.close()

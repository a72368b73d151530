"""In headless Chromium at 390 px (a phone held upright): no page is wider than the screen. Wide tables
scroll inside their own box, long links, hashes and URLs wrap, so a secretary reporting from her phone
and a mayor reading the findings never have to scroll sideways through the whole page."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from cyberreponse.clock import now
from cyberreponse.services import incident_activity
from cyberreponse.services.accounts import actor_for
from tests.e2e.test_report_to_follow_up import LiveApp, browser, live_app, report_an_attack  # noqa: F401
from tests.factories import PASSWORD, make_asset, make_finding, make_incident, make_organisation, make_user
from tests.web.reporting import PNG

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
LONG_URL = "http://paiement-rancon-nom-de-domaine-tres-long.example/cle/" + "0123456789abcdef" * 4
SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def page_overflow(page: Page) -> tuple[int, int]:
    """The page's scroll width and the screen's width (equal when nothing sticks out)."""
    widths: list[int] = page.evaluate(
        "() => [Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),"
        " document.documentElement.clientWidth]"
    )
    return widths[0], widths[1]


def sign_in(page: Page, live: LiveApp, email: str, secret: str) -> None:
    page.goto(f"{live.url}/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Valider").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def assert_fits(page: Page, live: LiveApp, path: str) -> None:
    response = page.goto(f"{live.url}{path}")
    assert response is not None and response.status == 200, path
    scroll_width, client_width = page_overflow(page)
    assert scroll_width <= client_width, f"{path} is {scroll_width} px wide on a {client_width} px screen"


def test_every_page_fits_a_phone_screen(browser: Browser, live_app: LiveApp, tmp_path: Path) -> None:  # noqa: F811
    with live_app.database.session_scope() as session:
        commune = make_organisation(
            session, "Commune de Saint-Exemple-sur-Vilaine", nis2_status="important", scan_consent_at=now()
        )
        make_finding(session, make_asset(session, commune, "mairie-de-saint-exemple-sur-vilaine.test"))
        analyst = make_user(session, "analyst", email="analyste@example.test")
        member = make_user(session, "member", [commune], email="rssi@saint-exemple.test")
        incident = make_incident(session, commune, significant=True, title="Rançongiciel sur le serveur")
        session.commit()
        staff = actor_for(analyst)
        for kind, value in (("url", LONG_URL), ("sha256", SHA256)):
            incident_activity.add_observables(session, staff, incident.reference, kind, value, internal=False)
        session.commit()
        reference, siren = incident.reference, commune.siren
        analyst_secret, member_secret = analyst.totp_secret, member.totp_secret
    assert analyst_secret and member_secret
    screenshot = tmp_path / "capture.png"
    screenshot.write_bytes(PNG)

    reporter = browser.new_context(viewport=PHONE).new_page()
    report_an_attack(reporter, live_app, screenshot)
    reporter.wait_for_load_state("load")  # the stylesheet too, on a busy machine
    thanks = page_overflow(reporter)
    assert thanks[0] <= thanks[1], f"the thank-you page with its follow-up link is {thanks[0]} px wide"
    expect(reporter.locator("#follow-up-link")).to_be_visible()

    analyst_page = browser.new_context(viewport=PHONE).new_page()
    sign_in(analyst_page, live_app, "analyste@example.test", analyst_secret)
    for path in ("/tableau-de-bord", "/incidents", f"/incidents/{reference}", "/campagnes", "/organisations"):
        assert_fits(analyst_page, live_app, path)
    # The queue's columns are still all there: the table scrolls inside its own box.
    analyst_page.goto(f"{live_app.url}/incidents")
    box = analyst_page.locator(".table-scroll").first
    assert box.evaluate("element => element.scrollWidth > element.clientWidth")
    expect(analyst_page.get_by_role("columnheader", name="Signalé le")).to_be_attached()

    member_page = browser.new_context(viewport=PHONE).new_page()
    sign_in(member_page, live_app, "rssi@saint-exemple.test", member_secret)
    for path in (
        "/espace",
        f"/organisations/{siren}/constats",
        f"/organisations/{siren}/rapport-nis2",
        f"/organisations/{siren}/auto-evaluation",
        f"/incidents/{reference}",
        "/compte",
    ):
        assert_fits(member_page, live_app, path)

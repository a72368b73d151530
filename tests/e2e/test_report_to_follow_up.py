"""In headless Chromium: a secretary reports an attack with a screenshot, an analyst signs in with
TOTP, triages and answers, and the reporter's follow-up page shows the answer.

The app runs in a real WSGI server (werkzeug) on 127.0.0.1 against a file SQLite database, so the
browser, the server threads and the test see the same committed data.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from cyberreponse import create_app
from cyberreponse.config import load_settings
from cyberreponse.db import Database
from cyberreponse.migrate import upgrade
from tests.conftest import environ_for_tests
from tests.factories import PASSWORD, make_user
from tests.web.reporting import PNG

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveApp:
    url: str
    database: Database


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[LiveApp]:
    database_url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    settings = load_settings(
        environ=environ_for_tests(CYBERREPONSE_DATABASE__URL=database_url), instance_path=tmp_path
    )
    database = Database.from_url(database_url)
    with database.engine.begin() as connection:
        upgrade(connection)
    server = make_server("127.0.0.1", 0, create_app(settings=settings, database=database), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveApp(f"http://127.0.0.1:{server.server_port}", database)
    server.shutdown()
    thread.join(timeout=5)
    database.engine.dispose()


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def report_an_attack(page: Page, live: LiveApp, screenshot: Path) -> tuple[str, str]:
    page.goto(f"{live.url}/signaler")
    page.get_by_label("Votre organisation").fill("Mairie de Saint-Exemple")
    page.get_by_label("Nom et prénom").fill("Claire Martin")
    page.get_by_label("E-mail", exact=True).fill("claire.martin@mairie.example.test")
    page.get_by_label("Des fichiers sont chiffrés ou illisibles, une rançon est demandée").check()
    page.get_by_label("Décrivez ce que vous avez constaté").fill(
        "Un message demande une rançon sur le serveur."
    )
    page.get_by_label("Pièces jointes (facultatif)").set_input_files(str(screenshot))
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_role("heading", name="Votre signalement est enregistré")).to_be_visible()
    reference = page.locator("#reference").inner_text()
    link = page.locator("#follow-up-link").get_attribute("href")
    assert link
    return reference, link


def test_report_triage_and_shared_answer_in_a_real_browser(
    browser: Browser, live_app: LiveApp, tmp_path: Path
) -> None:
    with live_app.database.session_scope() as session:
        analyst = make_user(session, "analyst", email="analyste@example.test")
        secret = analyst.totp_secret
        session.commit()
    assert secret
    screenshot = tmp_path / "capture.png"
    screenshot.write_bytes(PNG)

    reporter = browser.new_context()
    reference, link = report_an_attack(reporter.new_page(), live_app, screenshot)
    cookies = {cookie["name"]: cookie for cookie in reporter.cookies()}
    # Chromium keeps a Secure, __Host- cookie on http://127.0.0.1 (a potentially trustworthy origin).
    assert cookies["__Host-session"]["secure"] and cookies["__Host-session"]["httpOnly"]

    staff = browser.new_context().new_page()
    staff.goto(f"{live_app.url}/connexion")
    staff.get_by_label("Adresse e-mail").fill("analyste@example.test")
    staff.get_by_label("Mot de passe").fill(PASSWORD)
    staff.get_by_role("button", name="Se connecter").click()
    staff.get_by_label("Code à 6 chiffres").fill(pyotp.TOTP(secret).now())
    staff.get_by_role("button", name="Valider").click()
    # Staff land on the region's overview; the queue is one click away.
    expect(staff.get_by_role("heading", name="Vue d'ensemble de la région")).to_be_visible()
    staff.get_by_role("link", name="File des incidents").click()
    expect(staff.get_by_role("heading", name="Incidents")).to_be_visible()
    staff.get_by_role("link", name=reference).click()
    expect(staff.get_by_text("capture.png")).to_be_visible()

    triage = staff.locator("#triage-form")
    triage.get_by_label("Statut").select_option("triage")
    triage.get_by_label("Classe RSIT").select_option("malicious-code")
    triage.get_by_label("Type RSIT").select_option("infected-system")
    triage.get_by_label("Gravité").select_option("high")
    triage.get_by_role("button", name="Enregistrer").click()
    expect(staff.get_by_text("Incident mis à jour.")).to_be_visible()
    expect(staff.locator("#status")).to_have_text("En cours de qualification")

    comment = staff.locator("#comment-form")
    comment.get_by_label("Nouveau message").fill(
        "Nous avons bien reçu votre capture. Débranchez le serveur du réseau."
    )
    comment.get_by_label("Partagé avec le déclarant (et le membre)").check()
    comment.get_by_role("button", name="Ajouter le message").click()
    expect(staff.get_by_text("Message partagé avec le déclarant.")).to_be_visible()

    follow = reporter.new_page()
    follow.goto(live_app.url + link)
    expect(follow.locator("#status")).to_have_text("En cours de qualification")
    expect(follow.get_by_text("Nous avons bien reçu votre capture.")).to_be_visible()
    reporter.close()

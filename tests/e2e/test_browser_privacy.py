"""In headless Chromium: the CSP really stops an injected inline script (ASVS 3.4.3), and reporting an
attack loads nothing from another site and leaves nothing in the browser's storage (14.2.3, 14.3.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.e2e.test_report_to_follow_up import LiveApp, browser, live_app, report_an_attack  # noqa: F401 - fixtures
from tests.web.reporting import PNG

pytestmark = pytest.mark.e2e

INJECT_INLINE_SCRIPT = """() => new Promise((resolve) => {
  document.addEventListener("securitypolicyviolation",
    (event) => resolve({directive: event.effectiveDirective, ran: window.__injected === 1}), {once: true});
  const script = document.createElement("script");
  script.textContent = "window.__injected = 1";
  document.body.appendChild(script);
  setTimeout(() => resolve({directive: null, ran: window.__injected === 1}), 3000);
})"""

STORAGE = """async () => ({
  local: localStorage.length,
  session: sessionStorage.length,
  databases: (await indexedDB.databases()).length,
  cookies: document.cookie,
})"""


def test_an_inline_script_injected_into_a_page_does_not_run(browser: Browser, live_app: LiveApp) -> None:  # noqa: F811
    page = browser.new_page()
    page.goto(f"{live_app.url}/signaler")
    outcome = page.evaluate(INJECT_INLINE_SCRIPT)
    assert outcome == {"directive": "script-src-elem", "ran": False}


def test_reporting_loads_nothing_from_elsewhere_and_keeps_nothing_in_the_browser(
    browser: Browser,  # noqa: F811
    live_app: LiveApp,  # noqa: F811
    tmp_path: Path,
) -> None:
    screenshot = tmp_path / "capture.png"
    screenshot.write_bytes(PNG)
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    _reference, link = report_an_attack(page, live_app, screenshot)
    page.goto(f"{live_app.url}{link}" if link.startswith("/") else link)
    assert requested and all(url.startswith(live_app.url + "/") for url in requested), requested
    # The session cookie is HttpOnly (not readable by scripts); nothing else is stored.
    assert page.evaluate(STORAGE) == {"local": 0, "session": 0, "databases": 0, "cookies": ""}

"""Template filters that turn stored machine values into what a person reads."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask_babel import gettext as _

# Order matters: Edge and Opera announce Chrome too, Chrome announces Safari.
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def _first(user_agent: str, table: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for marker, name in table if marker in user_agent), None)


def describe_user_agent(user_agent: str | None) -> str:
    """« Firefox sur Windows », « Chrome », or « navigateur inconnu »."""
    text = user_agent or ""
    browser, system = _first(text, _BROWSERS), _first(text, _SYSTEMS)
    if browser and system:
        return str(_("%(browser)s sur %(system)s", browser=browser, system=system))
    return browser or system or str(_("navigateur inconnu"))


def readable_json(value: Any) -> str:
    """Accented names and dashes as themselves (« Kerhervé »), not \\u00e9; autoescaping still applies."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def register(app: Flask) -> None:
    app.jinja_env.filters["browser_name"] = describe_user_agent
    app.jinja_env.filters["readable_json"] = readable_json

"""Languages (French first, English second) and how dates are shown (Europe/Paris)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from flask import Flask, session
from flask_babel import format_datetime, get_locale

from checks.base import Text
from cyberreponse.clock import in_paris
from cyberreponse.config import Settings
from cyberreponse.extensions import babel

LANGUAGES = ("fr", "en")


def init_app(app: Flask, settings: Settings) -> None:
    default = settings.get_str("app.default_locale")

    def select_locale() -> str:
        # French unless the person chose English: the browser's language is not asked.
        chosen = session.get("lang")
        return str(chosen) if chosen in LANGUAGES else default

    app.config["BABEL_DEFAULT_LOCALE"] = default
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.get_str("app.timezone")
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["local_date"] = local_date
    app.jinja_env.filters["local_month"] = local_month
    app.jinja_env.filters["in_language"] = in_language
    app.jinja_env.filters["check_title"] = check_title


def local_time(value: datetime | None) -> str:
    """`28/11/2026 21:46` in Paris time (the timezone Babel was given)."""
    if value is None:
        return "—"
    return str(format_datetime(in_paris(value), "dd/MM/yyyy HH:mm"))


def local_date(value: datetime | None) -> str:
    if value is None:
        return "—"
    return str(format_datetime(in_paris(value), "dd/MM/yyyy"))


def local_month(value: datetime | None) -> str:
    """`novembre 2026` (or `November 2026`): a monthly figure is about a month, not its last day."""
    if value is None:
        return "—"
    return str(format_datetime(in_paris(value), "LLLL yyyy"))


def in_language(text: Text) -> str:
    """The checks library's bilingual sentence in the page's language."""
    locale = get_locale()
    return text.en if locale is not None and locale.language == "en" else text.fr


@cache
def _check_titles() -> dict[str, Text]:
    from checks.registry import all_checks  # the registry imports every check module: load it lazily

    return {check.id: check.title for check in all_checks()}


def check_title(check_id: str) -> str:
    """A check's plain name (« DMARC : politique contre l'usurpation ») instead of its identifier."""
    title = _check_titles().get(check_id)
    return in_language(title) if title else check_id

"""CybeRéponse: incident response and security posture for a regional CSIRT."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from cyberreponse.config import Settings, load_settings, resolve_database_url
from cyberreponse.crypto import Keyring, install_keyring
from cyberreponse.db import Database


def _scoring_policy(settings: Settings) -> Any:
    from cyberreponse.services.scoring import ScoringPolicy

    return ScoringPolicy.from_settings(settings)  # a bad combination of [scoring] keys stops here


def create_app(
    overrides: dict[str, Any] | None = None,
    *,
    settings: Settings | None = None,
    database: Database | None = None,
) -> Flask:
    """Build the web application. No I/O here: no migrations, no network, no seeding."""
    from cyberreponse import i18n
    from cyberreponse.extensions import csrf, limiter, login_manager
    from cyberreponse.mail_courier import MailCourier
    from cyberreponse.web import register_web

    settings = settings or load_settings()
    if overrides:
        settings = settings.with_overrides(overrides)
    install_keyring(Keyring(settings.get_list("security.encryption_keys")))

    app = Flask(__name__, instance_path=str(settings.instance_path))
    secure = settings.get_bool("security.cookie_secure")
    app.config.update(
        SECRET_KEY=settings.get_str("security.secret_key"),
        # "__Host-" makes the browser refuse the cookie unless Secure, Path=/ and no Domain.
        SESSION_COOKIE_NAME="__Host-session" if secure else "session",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.get_int("security.session_max_hours")),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=False,  # SameSite=Lax and the CSRF token already bind requests to the site
        RATELIMIT_STORAGE_URI=settings.get_str("security.ratelimit_storage"),
        # All files of one submission plus 1 MB for the form fields: larger requests get 413 at once.
        MAX_CONTENT_LENGTH=(settings.get_int("uploads.max_total_mb") + 1) * 1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    app.extensions["cyberreponse.settings"] = settings
    app.extensions["cyberreponse.scoring"] = _scoring_policy(settings)
    app.extensions["cyberreponse.db"] = database or Database.from_url(
        resolve_database_url(settings), echo=settings.get_bool("database.echo")
    )
    app.extensions["cyberreponse.courier"] = MailCourier.for_database(
        app.extensions["cyberreponse.db"], settings
    )
    proxies = settings.get_int("server.trusted_proxies")
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app, settings)
    register_web(app)
    return app

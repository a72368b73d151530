"""Web layer: blueprints are thin (parse → service → render); wiring lives here."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from cyberreponse.extensions import login_manager
from cyberreponse.models import User
from cyberreponse.services.sessions import SessionPolicy, user_for_session
from cyberreponse.web import errors, security_headers, template_filters
from cyberreponse.web.context import close_db_session, db_session, settings
from cyberreponse.web.labels import ALL_LABELS


def home_for(user: User) -> str:
    """Where a signed-in person lands: members on their dashboard; staff on the region's overview,
    which opens on the deadlines due within 24 hours and links to the queue, so nothing urgent is
    one click further than before."""
    if user.role == "member":
        return url_for("space.home")
    return url_for("overview.index")


def session_policy() -> SessionPolicy:
    config = settings()
    return SessionPolicy(
        idle=timedelta(minutes=config.get_int("security.session_idle_minutes")),
        absolute=timedelta(hours=config.get_int("security.session_max_hours")),
    )


def _init_login(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = None  # sessions are checked server-side instead

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        token = session.get("sid")
        if not isinstance(token, str):
            return None
        user = user_for_session(db_session(), token, session_policy())
        if user is None or user.get_id() != user_id:
            session.clear()
            return None
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            return errors.error_response(401, "unauthorized", "Authentication required.")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def register_web(app: Flask) -> None:
    from cyberreponse.web import (
        account,
        admin_users,
        api,
        api_tokens,
        assessments,
        audit_log,
        auth,
        checklists,
        exports,
        incidents,
        intake,
        members,
        overview,
        playbooks,
        posture,
        public,
        reports,
        space,
    )

    _init_login(app)
    api.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app, app.extensions["cyberreponse.settings"].get_int("security.hsts_seconds"))
    app.teardown_appcontext(close_db_session)
    for blueprint in (
        public.bp,
        auth.bp,
        account.bp,
        api_tokens.bp,
        members.bp,
        admin_users.bp,
        audit_log.bp,
        space.bp,
        intake.bp,
        incidents.bp,
        checklists.bp,
        exports.bp,
        assessments.bp,
        reports.bp,
        overview.bp,
        playbooks.bp,
        posture.bp,
        api.bp,
    ):
        app.register_blueprint(blueprint)

    template_filters.register(app)

    @app.context_processor
    def layout_context() -> dict[str, object]:
        config = app.extensions["cyberreponse.settings"]
        return {
            "csirt_name": config.get_str("app.csirt_name"),
            "csirt_phone": config.get_str("app.csirt_phone"),
            "csirt_email": config.get_str("app.csirt_email"),
            "current_user": current_user,
            "lang": session.get("lang", config.get_str("app.default_locale")),
            "labels": ALL_LABELS,
        }

"""Sign-in in stages: password, then TOTP (or enrolment), then the first-password change."""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from cyberreponse.clock import now
from cyberreponse.errors import Invalid
from cyberreponse.extensions import limiter
from cyberreponse.models import User
from cyberreponse.services import accounts, authentication
from cyberreponse.services.sessions import end_session, start_session
from cyberreponse.web import home_for
from cyberreponse.web.context import client_ip, db_session, settings
from cyberreponse.web.navigation import safe_next

bp = Blueprint("auth", __name__)
PENDING_LIFETIME = timedelta(minutes=10)


def _login_limit() -> str:
    return settings().get_str("security.login_rate_limit")


def _pending_user() -> User | None:
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None
    if now().timestamp() - float(pending.get("at", 0)) > PENDING_LIFETIME.total_seconds():
        session.pop("pending", None)
        return None
    user = db_session().get(User, pending.get("uid"))
    return user if user is not None and user.active else None


def totp_qr(secret: str, email: str) -> Markup:
    """The enrolment QR code, inline SVG generated here from the secret (no user input in it)."""
    uri = authentication.provisioning_uri(secret, email, settings().get_str("app.csirt_name"))
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code à scanner")))  # noqa: S704


def _totp_required(user: User) -> bool:
    return user.role in settings().get_list("security.totp_required_roles")


def _next_stage(user: User) -> str:
    pending = session.get("pending", {})
    if user.totp_enabled and not pending.get("totp_ok"):
        return "auth.verify_totp"
    if user.must_change_password:
        return "auth.first_password"
    if _totp_required(user) and not user.totp_enabled:
        return "auth.enrol_totp"
    return ""


def _advance(user: User) -> ResponseReturnValue:
    stage = _next_stage(user)
    if stage:
        return redirect(url_for(stage))
    destination = safe_next(session.get("pending", {}).get("next"), home_for(user))
    # A fresh session: nothing from the anonymous or half-signed-in cookie survives (ASVS 7.2.4).
    session.clear()
    token = start_session(db_session(), user, client_ip(), request.user_agent.string)
    authentication.record_login(db_session(), user, client_ip())
    session["sid"] = token
    session.permanent = True
    login_user(user)
    return redirect(destination)


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    email = request.form.get("email", "")
    if request.method == "POST":
        config = settings()
        policy = authentication.LockoutPolicy(
            config.get_int("security.max_failed_logins"), config.get_int("security.lockout_minutes")
        )
        outcome = authentication.check_password(
            db_session(), email, request.form.get("password", ""), policy, client_ip()
        )
        if outcome.user is not None:
            session.clear()
            session["pending"] = {
                "uid": outcome.user.id,
                "at": now().timestamp(),
                "next": request.args.get("next"),
            }
            return _advance(outcome.user)
        if outcome.expired:
            flash(
                _(
                    "Ce mot de passe provisoire a expiré ou a déjà servi : demandez-en un nouveau "
                    "à l'équipe du CSIRT."
                ),
                "error",
            )
        else:
            flash(
                _("Adresse e-mail ou mot de passe incorrect, ou compte temporairement verrouillé."), "error"
            )
    return render_template("auth/login.html", email=email)


@bp.route("/connexion/verification", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def verify_totp() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or not user.totp_enabled:
        return redirect(url_for("auth.login"))
    if request.method == "POST":
        code = request.form.get("code", "")
        recovery = request.form.get("recovery_code", "")
        ok = (
            authentication.use_recovery_code(db_session(), user, recovery, client_ip())
            if recovery
            else authentication.verify_totp(db_session(), user, code, client_ip())
        )
        if ok:
            pending = dict(session["pending"], totp_ok=True)
            session["pending"] = pending
            return _advance(user)
        flash(_("Code incorrect ou déjà utilisé."), "error")
    return render_template("auth/totp.html")


@bp.route("/connexion/nouveau-mot-de-passe", methods=["GET", "POST"])
def first_password() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or _next_stage(user) != "auth.first_password":
        return redirect(url_for("auth.login"))
    errors: dict[str, str] = {}
    if request.method == "POST":
        new, confirm = request.form.get("password", ""), request.form.get("confirm", "")
        if new != confirm:
            errors["confirm"] = _("Les deux saisies ne correspondent pas.")
        else:
            try:
                accounts.set_first_password(
                    db_session(),
                    user,
                    new,
                    min_length=settings().get_int("security.password_min_length"),
                    ip=client_ip(),
                )
                return _advance(user)
            except Invalid as error:
                errors = error.errors
    return render_template(
        "auth/first_password.html",
        errors=errors,
        min_length=settings().get_int("security.password_min_length"),
    )


@bp.route("/connexion/double-authentification", methods=["GET", "POST"])
def enrol_totp() -> ResponseReturnValue:
    user = _pending_user()
    if user is None or user.totp_enabled or _next_stage(user) not in ("auth.enrol_totp", ""):
        return redirect(url_for("auth.login"))
    secret = session.get("pending", {}).get("totp_secret")
    if not secret:
        secret = authentication.new_totp_secret()
        session["pending"] = dict(session["pending"], totp_secret=secret)
    if request.method == "POST":
        codes = authentication.confirm_totp_enrolment(
            db_session(), user, secret, request.form.get("code", ""), client_ip()
        )
        if codes is not None:
            session["pending"] = dict(session["pending"], totp_ok=True, recovery_codes=codes)
            return redirect(url_for("auth.recovery_codes"))
        flash(_("Code incorrect : vérifiez l'heure de votre téléphone et réessayez."), "error")
    return render_template("auth/enrol_totp.html", qr=totp_qr(secret, user.email), secret=secret)


@bp.route("/connexion/codes-de-secours", methods=["GET", "POST"])
def recovery_codes() -> ResponseReturnValue:
    user = _pending_user()
    codes = session.get("pending", {}).get("recovery_codes")
    if user is None or not codes:
        return redirect(url_for("auth.login"))
    if request.method == "POST":
        session["pending"] = {k: v for k, v in session["pending"].items() if k != "recovery_codes"}
        return _advance(user)
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/deconnexion", methods=["POST"])
def logout() -> ResponseReturnValue:
    token = session.get("sid")
    if isinstance(token, str):
        end_session(db_session(), token)
        db_session().commit()
    logout_user()
    session.clear()
    response = redirect(url_for("public.home"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response

"""A signed-in person's own account: password, second factor, open sessions."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cyberreponse.clock import now
from cyberreponse.crypto import token_digest
from cyberreponse.errors import Invalid
from cyberreponse.extensions import limiter
from cyberreponse.services import accounts, authentication, sessions
from cyberreponse.web.auth import totp_qr
from cyberreponse.web.context import client_ip, db_session, settings

bp = Blueprint("account", __name__, url_prefix="/compte")
# How long a re-authentication lets one replace the second factor: one sitting, not one session.
REAUTH_LIFETIME = timedelta(minutes=5)


def _reauth_limit() -> str:
    return settings().get_str("security.login_rate_limit")


def _render(errors: dict[str, str] | None = None) -> str:
    live = sessions.live_sessions(db_session(), current_user.id)
    current_digest = token_digest(session.get("sid", ""))
    return render_template(
        "account/index.html",
        errors=errors or {},
        live_sessions=live,
        current_digest=current_digest,
        min_length=settings().get_int("security.password_min_length"),
    )


@bp.route("")
@login_required
def index() -> ResponseReturnValue:
    return _render()


@bp.route("/mot-de-passe", methods=["POST"])
@login_required
def change_password() -> ResponseReturnValue:
    form = request.form
    if form.get("password", "") != form.get("confirm", ""):
        return _render({"confirm": _("Les deux saisies ne correspondent pas.")}), 400
    try:
        ended = accounts.change_own_password(
            db_session(),
            current_user._get_current_object(),
            form.get("current_password", ""),
            form.get("password", ""),
            keep_session=session.get("sid"),
            min_length=settings().get_int("security.password_min_length"),
            ip=client_ip(),
        )
    except Invalid as error:
        return _render(error.errors), 400
    flash(_("Mot de passe modifié. %(count)s autre(s) session(s) fermée(s).", count=ended), "success")
    return redirect(url_for("account.index"))


@bp.route("/sessions/fin", methods=["POST"])
@login_required
@limiter.limit(_reauth_limit)
def end_other_sessions() -> ResponseReturnValue:
    try:
        ended = accounts.end_own_sessions(
            db_session(),
            current_user._get_current_object(),
            request.form.get("sessions_password", ""),
            digest_prefixes=None if request.form.get("all") == "1" else request.form.getlist("digest"),
            keep_session=session.get("sid"),
            ip=client_ip(),
        )
    except Invalid as error:
        return _render(error.errors), 400
    flash(_("%(count)s session(s) fermée(s).", count=ended), "success")
    return redirect(url_for("account.index"))


@bp.route("/double-authentification", methods=["POST"])
@login_required
@limiter.limit(_reauth_limit)
def reauthenticate() -> ResponseReturnValue:
    """First step of replacing the authenticator app and recovery codes: prove it is you (ASVS 7.5.1)."""
    user = current_user._get_current_object()
    form = request.form
    if not authentication.reauthenticate(
        db_session(), user, form.get("reauth_password", ""), form.get("reauth_code", ""), client_ip()
    ):
        return _render({"reauth_password": _("Mot de passe ou code incorrect : rien n'a été modifié.")}), 400
    # Proof given again: a new session id, so that one seen before this point is worth nothing.
    session["sid"] = sessions.rotate_session(
        db_session(), session.get("sid", ""), user, client_ip(), request.user_agent.string
    )
    session["reauth"] = {"at": now().timestamp(), "totp_secret": authentication.new_totp_secret()}
    return redirect(url_for("account.replace_totp"))


def _reauthenticated_secret() -> str | None:
    """The new secret offered after a recent re-authentication, or None when there was none."""
    reauth = session.get("reauth")
    if not isinstance(reauth, dict):
        return None
    if now().timestamp() - float(reauth.get("at", 0)) > REAUTH_LIFETIME.total_seconds():
        session.pop("reauth", None)
        return None
    secret = reauth.get("totp_secret")
    return secret if isinstance(secret, str) else None


@bp.route("/double-authentification/nouvelle", methods=["GET", "POST"])
@login_required
def replace_totp() -> ResponseReturnValue:
    user = current_user._get_current_object()
    secret = _reauthenticated_secret()
    if secret is None:
        flash(_("Confirmez d'abord votre mot de passe et votre code actuel."), "error")
        return redirect(url_for("account.index"))
    if request.method == "POST":
        codes = authentication.replace_totp(
            db_session(),
            user,
            secret,
            request.form.get("code", ""),
            client_ip(),
            keep_session=session.get("sid"),
        )
        if codes is not None:
            session.pop("reauth", None)
            return render_template("account/recovery_codes.html", codes=codes)
        flash(_("Code incorrect : vérifiez l'heure de votre téléphone et réessayez."), "error")
    return render_template("auth/enrol_totp.html", qr=totp_qr(secret, user.email), secret=secret)

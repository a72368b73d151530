"""A signed-in person's own account: password, open sessions."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cyberreponse.crypto import token_digest
from cyberreponse.errors import Invalid, NotFound
from cyberreponse.services import accounts, sessions
from cyberreponse.web.context import client_ip, db_session, settings

bp = Blueprint("account", __name__, url_prefix="/compte")


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


@bp.route("/sessions/<digest>/fin", methods=["POST"])
@login_required
def end_other_session(digest: str) -> ResponseReturnValue:
    if not sessions.end_session_by_prefix(db_session(), current_user.id, digest):
        raise NotFound(_("Session introuvable."))
    flash(_("Session fermée."), "success")
    return redirect(url_for("account.index"))

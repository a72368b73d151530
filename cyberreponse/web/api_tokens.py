"""A signed-in person's API tokens: create (password and TOTP again), list, revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from cyberreponse.clock import now
from cyberreponse.errors import Forbidden, Invalid, Unauthenticated
from cyberreponse.extensions import limiter
from cyberreponse.services import api_tokens
from cyberreponse.web.context import current_actor, db_session, settings

bp = Blueprint("api_tokens", __name__, url_prefix="/compte/jetons")


def _policy() -> api_tokens.TokenPolicy:
    config = settings()
    return api_tokens.TokenPolicy(config.get_int("api.token_days"), config.get_int("api.token_max_days"))


def _render(errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> str:
    return render_template(
        "account/api_tokens.html",
        tokens=api_tokens.list_own_tokens(db_session(), current_user),
        errors=errors or {},
        values=values or {"days": str(_policy().default_days)},
        policy=_policy(),
        now=now(),
    )


def _days(raw: str) -> int:
    if not raw.strip().isdigit():
        raise Invalid("days", _("Indiquez une durée en jours."))
    return int(raw)


def _reauth_limit() -> str:
    return settings().get_str("security.login_rate_limit")


@bp.route("")
@login_required
def index() -> ResponseReturnValue:
    return _render()


@bp.route("", methods=["POST"])
@login_required
@limiter.limit(_reauth_limit)
def create() -> ResponseReturnValue:
    form = request.form
    values = {"name": form.get("name", ""), "days": form.get("days", "")}
    try:
        token, secret = api_tokens.issue_own_token(
            db_session(),
            current_actor(),
            current_user._get_current_object(),
            password=form.get("password", ""),
            totp_code=form.get("code", ""),
            name=values["name"],
            days=_days(values["days"]),
            policy=_policy(),
        )
    except Invalid as error:
        return _render(error.errors, values), 400
    except (Unauthenticated, Forbidden) as error:
        return _render({"password": error.message}, values), error.http_status
    return render_template("account/api_token_created.html", token=token, secret=secret)


@bp.route("/<public_id>/revocation", methods=["POST"])
@login_required
def revoke(public_id: str) -> ResponseReturnValue:
    token = api_tokens.revoke_own_token(db_session(), current_actor(), current_user, public_id)
    flash(_("Jeton « %(name)s » révoqué.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))

"""Administration of accounts: create, edit roles and organisations, reset, unlock, disable."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from cyberreponse.actors import ROLES
from cyberreponse.errors import Conflict, Invalid
from cyberreponse.models import User
from cyberreponse.services import accounts
from cyberreponse.web.access import admin_required
from cyberreponse.web.context import current_actor, db_session, settings

bp = Blueprint("admin_users", __name__, url_prefix="/admin/utilisateurs")


def _sirens() -> tuple[str, ...]:
    return tuple(request.form.get("organisations", "").replace(",", " ").split())


def _one_time_password_page(user: User, password: str | None) -> str:
    hours = int(accounts.ONE_TIME_PASSWORD_LIFETIME.total_seconds() // 3600)
    return render_template("admin/one_time_password.html", user=user, password=password, lifetime_hours=hours)


@bp.route("")
@admin_required
def index() -> ResponseReturnValue:
    return render_template("admin/users.html", users=accounts.list_users(db_session(), current_actor()))


@bp.route("/nouveau", methods=["GET", "POST"])
@admin_required
def create() -> ResponseReturnValue:
    errors: dict[str, str] = {}
    if request.method == "POST":
        data = accounts.NewUser(
            email=request.form.get("email", ""),
            role=request.form.get("role", ""),
            name=request.form.get("name", ""),
            organisation_sirens=_sirens(),
        )
        try:
            user, password = accounts.create_user(
                db_session(), current_actor(), data, settings().get_int("security.password_min_length")
            )
        except (Invalid, Conflict) as error:
            errors = error.errors if isinstance(error, Invalid) else {"email": error.message}
        else:
            return _one_time_password_page(user, password)
    return render_template(
        "admin/user_form.html", errors=errors, values=request.form, roles=ROLES, user=None
    ), (400 if errors else 200)


@bp.route("/<public_id>", methods=["GET", "POST"])
@admin_required
def edit(public_id: str) -> ResponseReturnValue:
    user = accounts.get_user(db_session(), current_actor(), public_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            accounts.update_user(
                db_session(),
                current_actor(),
                public_id,
                name=request.form.get("name", ""),
                role=request.form.get("role", ""),
                organisation_sirens=_sirens(),
            )
        except Invalid as error:
            errors = error.errors
        else:
            flash(_("Compte modifié."), "success")
            return redirect(url_for("admin_users.edit", public_id=public_id))
    values = (
        request.form
        if errors
        else {
            "name": user.name,
            "role": user.role,
            "organisations": " ".join(o.siren for o in user.organisations),
        }
    )
    return render_template("admin/user_form.html", errors=errors, values=values, roles=ROLES, user=user), (
        400 if errors else 200
    )


@bp.route("/<public_id>/mot-de-passe", methods=["POST"])
@admin_required
def reset_password(public_id: str) -> ResponseReturnValue:
    password = accounts.admin_reset_password(db_session(), current_actor(), public_id)
    user = accounts.get_user(db_session(), current_actor(), public_id)
    return _one_time_password_page(user, password)


@bp.route("/<public_id>/deverrouillage", methods=["POST"])
@admin_required
def unlock(public_id: str) -> ResponseReturnValue:
    accounts.unlock(db_session(), current_actor(), public_id)
    flash(_("Compte déverrouillé."), "success")
    return redirect(url_for("admin_users.edit", public_id=public_id))


@bp.route("/<public_id>/double-authentification", methods=["POST"])
@admin_required
def reset_totp(public_id: str) -> ResponseReturnValue:
    accounts.admin_reset_totp(db_session(), current_actor(), public_id)
    flash(
        _("Double authentification réinitialisée : la personne l'activera à sa prochaine connexion."),
        "success",
    )
    return redirect(url_for("admin_users.edit", public_id=public_id))


@bp.route("/<public_id>/sessions/fin", methods=["POST"])
@admin_required
def end_sessions(public_id: str) -> ResponseReturnValue:
    ended = accounts.admin_end_sessions(db_session(), current_actor(), public_id)
    flash(_("%(count)s session(s) fermée(s).", count=ended), "success")
    return redirect(url_for("admin_users.edit", public_id=public_id))


@bp.route("/<public_id>/activation", methods=["POST"])
@admin_required
def set_active(public_id: str) -> ResponseReturnValue:
    try:
        accounts.set_active(db_session(), current_actor(), public_id, request.form.get("active") == "1")
    except Invalid as error:
        flash(error.message, "error")
    return redirect(url_for("admin_users.edit", public_id=public_id))

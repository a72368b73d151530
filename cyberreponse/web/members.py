"""Organisations (members), their assets, contacts and scan consent."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from cyberreponse.errors import Conflict, Invalid
from cyberreponse.models import ASSET_KINDS, NIS2_STATUSES, ORGANISATION_KINDS
from cyberreponse.services import member_import, members
from cyberreponse.web.access import staff_required
from cyberreponse.web.context import current_actor, db_session

bp = Blueprint("members", __name__, url_prefix="/organisations")


def _form_data() -> members.OrganisationData:
    form = request.form
    return members.OrganisationData(
        siren=form.get("siren", ""),
        name=form.get("name", ""),
        kind=form.get("kind", ""),
        nis2_status=form.get("nis2_status", "unknown"),
        parent_siren=form.get("parent_siren", ""),
        insee_code=form.get("insee_code", ""),
        population=form.get("population", ""),
    )


def _edit_form(values: dict[str, str], errors: dict[str, str], siren: str | None) -> str:
    return render_template(
        "members/form.html",
        values=values,
        errors=errors,
        siren=siren,
        kinds=ORGANISATION_KINDS,
        nis2_statuses=NIS2_STATUSES,
    )


@bp.route("")
@staff_required
def index() -> ResponseReturnValue:
    page = members.search_organisations(
        db_session(),
        current_actor(),
        request.args.get("q", ""),
        request.args.get("kind", ""),
        request.args.get("page", 1, type=int),
    )
    return render_template("members/index.html", page=page, kinds=ORGANISATION_KINDS, args=request.args)


@bp.route("/nouvelle", methods=["GET", "POST"])
@staff_required
def create() -> ResponseReturnValue:
    if request.method == "POST":
        try:
            organisation = members.create_organisation(db_session(), current_actor(), _form_data())
        except Invalid as error:
            return _edit_form(request.form.to_dict(), error.errors, None), 400
        flash(_("Organisation « %(name)s » créée.", name=organisation.name), "success")
        return redirect(url_for("members.show", siren=organisation.siren))
    return _edit_form({"nis2_status": "unknown"}, {}, None)


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def import_csv() -> ResponseReturnValue:
    line_errors: list[tuple[int, str]] = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            line_errors = [(0, _("Choisissez un fichier CSV."))]
        else:
            try:
                report = member_import.import_members(
                    db_session(), current_actor(), upload.read(member_import.MAX_BYTES + 1), upload.filename
                )
            except member_import.ImportRejected as error:
                line_errors = error.line_errors
            else:
                flash(
                    _(
                        "%(orgs)s organisations et %(domains)s domaines importés.",
                        orgs=report.organisations,
                        domains=report.domains,
                    ),
                    "success",
                )
                return redirect(url_for("members.index"))
    status = 400 if line_errors else 200
    return render_template(
        "members/import.html", line_errors=line_errors, columns=member_import.COLUMNS
    ), status


@bp.route("/<siren>")
@login_required
def show(siren: str) -> ResponseReturnValue:
    organisation = members.get_organisation(db_session(), current_actor(), siren)
    return render_template(
        "members/show.html", organisation=organisation, asset_kinds=ASSET_KINDS, errors={}, values={}
    )


@bp.route("/<siren>/modifier", methods=["GET", "POST"])
@staff_required
def edit(siren: str) -> ResponseReturnValue:
    organisation = members.get_organisation(db_session(), current_actor(), siren)
    if request.method == "POST":
        try:
            members.update_organisation(db_session(), current_actor(), siren, _form_data())
        except Invalid as error:
            return _edit_form(request.form.to_dict(), error.errors, siren), 400
        flash(_("Modifications enregistrées."), "success")
        return redirect(url_for("members.show", siren=organisation.siren))
    values = {
        "siren": organisation.siren,
        "name": organisation.name,
        "kind": organisation.kind,
        "nis2_status": organisation.nis2_status,
        "insee_code": organisation.insee_code or "",
        "population": str(organisation.population or ""),
        "parent_siren": organisation.parent.siren if organisation.parent else "",
    }
    return _edit_form(values, {}, siren)


def _show_with_errors(
    siren: str, errors: dict[str, dict[str, str]], status: int = 400
) -> ResponseReturnValue:
    """The organisation page again, with the failed form's values and errors (keyed by form)."""
    organisation = members.get_organisation(db_session(), current_actor(), siren)
    return render_template(
        "members/show.html",
        organisation=organisation,
        asset_kinds=ASSET_KINDS,
        errors=errors,
        values=request.form.to_dict(),
    ), status


@bp.route("/<siren>/actifs", methods=["POST"])
@staff_required
def add_asset(siren: str) -> ResponseReturnValue:
    try:
        asset = members.add_asset(
            db_session(), current_actor(), siren, request.form.get("kind", ""), request.form.get("value", "")
        )
    except Invalid as error:
        return _show_with_errors(siren, {"asset": {"value": error.message}})
    except Conflict as error:
        return _show_with_errors(siren, {"asset": {"value": error.message}}, 409)
    flash(_("Actif « %(value)s » ajouté.", value=asset.value), "success")
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/actifs/suppression", methods=["POST"])
@staff_required
def remove_asset(siren: str) -> ResponseReturnValue:
    members.remove_asset(
        db_session(), current_actor(), siren, request.form.get("kind", ""), request.form.get("value", "")
    )
    flash(_("Actif retiré."), "success")
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/actifs/analyse", methods=["POST"])
@staff_required
def toggle_asset(siren: str) -> ResponseReturnValue:
    members.set_asset_scanning(
        db_session(),
        current_actor(),
        siren,
        request.form.get("kind", ""),
        request.form.get("value", ""),
        request.form.get("enabled") == "1",
    )
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/consentement", methods=["POST"])
@staff_required
def give_consent(siren: str) -> ResponseReturnValue:
    try:
        members.record_scan_consent(db_session(), current_actor(), siren, request.form.get("given_by", ""))
    except Invalid as error:
        return _show_with_errors(siren, {"consent": {"given_by": error.message}})
    flash(_("Consentement aux analyses enregistré."), "success")
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/consentement/retrait", methods=["POST"])
@staff_required
def withdraw_consent(siren: str) -> ResponseReturnValue:
    members.withdraw_scan_consent(db_session(), current_actor(), siren)
    flash(_("Consentement retiré : plus aucune analyse ne sera faite."), "success")
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/contacts", methods=["POST"])
@staff_required
def add_contact(siren: str) -> ResponseReturnValue:
    form = request.form
    data = members.ContactData(
        name=form.get("name", ""),
        email=form.get("email", ""),
        role=form.get("role", ""),
        phone=form.get("phone", ""),
        receives_alerts=form.get("receives_alerts") == "on",
    )
    try:
        members.add_contact(db_session(), current_actor(), siren, data)
    except Invalid as error:
        return _show_with_errors(siren, {"contact": error.errors})
    flash(_("Contact ajouté."), "success")
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/contacts/suppression", methods=["POST"])
@staff_required
def remove_contact(siren: str) -> ResponseReturnValue:
    members.remove_contact(db_session(), current_actor(), siren, request.form.get("email", ""))
    flash(_("Contact retiré."), "success")
    return redirect(url_for("members.show", siren=siren))


@bp.route("/<siren>/activation", methods=["POST"])
@staff_required
def set_active(siren: str) -> ResponseReturnValue:
    members.set_active(db_session(), current_actor(), siren, request.form.get("active") == "1")
    return redirect(url_for("members.show", siren=siren))

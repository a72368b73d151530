"""Checklists on the incident page: start a playbook, tick or skip its steps (CSIRT team only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from cyberreponse.errors import Invalid
from cyberreponse.services import checklists, playbooks
from cyberreponse.web.access import staff_required
from cyberreponse.web.context import current_actor, db_session, settings
from cyberreponse.web.incidents import render_incident

bp = Blueprint("checklists", __name__, url_prefix="/incidents")


@bp.route("/<reference>/checklists", methods=["POST"])
@staff_required
def start(reference: str) -> ResponseReturnValue:
    catalogue = playbooks.current_catalogue(playbooks.playbooks_directory(settings())).catalogue
    try:
        checklists.start_checklist(
            db_session(), current_actor(), reference, request.form.get("playbook", ""), catalogue
        )
    except Invalid as error:
        db_session().rollback()
        return render_incident(reference, {"checklist": error.errors}, 400)
    flash(_("Checklist commencée."), "success")
    return redirect(url_for("incidents.show", reference=reference, _anchor="checklists"), 303)


@bp.route("/<reference>/checklists/<playbook_id>/<step_id>", methods=["POST"])
@staff_required
def step(reference: str, playbook_id: str, step_id: str) -> ResponseReturnValue:
    try:
        checklists.record_step(
            db_session(),
            current_actor(),
            reference,
            playbook_id,
            step_id,
            request.form.get("action", ""),
            request.form.get("note", ""),
        )
    except Invalid as error:
        db_session().rollback()
        errors = {f"{playbook_id}/{step_id}": error.message}
        return render_incident(reference, {"checklist": errors}, 400)
    anchor = f"step-{playbook_id}-{step_id}"
    return redirect(url_for("incidents.show", reference=reference, _anchor=anchor), 303)

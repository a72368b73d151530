"""Read-only pages for the CSIRT team: the playbooks as the files say now, and their stored versions."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue

from cyberreponse.services import playbooks
from cyberreponse.web.access import staff_required
from cyberreponse.web.context import db_session, settings

bp = Blueprint("playbooks", __name__, url_prefix="/playbooks")


@bp.route("")
@staff_required
def index() -> ResponseReturnValue:
    report = playbooks.current_catalogue(playbooks.playbooks_directory(settings()))
    return render_template("playbooks/index.html", playbooks=report.catalogue.playbooks, errors=report.errors)


@bp.route("/<playbook_id>")
@staff_required
def show(playbook_id: str) -> ResponseReturnValue:
    report = playbooks.current_catalogue(playbooks.playbooks_directory(settings()))
    playbook = report.catalogue.get(playbook_id)
    if playbook is None:
        abort(404)
    versions = playbooks.versions_of(db_session(), playbook_id)
    return render_template(
        "playbooks/show.html",
        playbook=playbook,
        versions=versions,
        current_stored=any(v.content_hash == playbook.content_hash for v in versions),
    )

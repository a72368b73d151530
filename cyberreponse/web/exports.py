"""Export forms of the incident page (MISP, STIX) and of the queue (CSV): always downloads.

They are POST forms (with CSRF) because an export is an audited act that may need the TLP:RED
confirmation; the file comes back as an attachment that browsers never render.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from cyberreponse.errors import Invalid
from cyberreponse.services import exports
from cyberreponse.services.shared_incident import Producer
from cyberreponse.web.context import current_actor, db_session, settings
from cyberreponse.web.incidents import queue_filters, render_incident, render_queue

bp = Blueprint("exports", __name__, url_prefix="/incidents")


def file_response(export: exports.ExportFile) -> Response:
    response = Response(export.text.encode("utf-8"), mimetype=export.media_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(
        export.filename, safe=""
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/<reference>/export", methods=["POST"])
@login_required
def incident(reference: str) -> ResponseReturnValue:
    try:
        export = exports.export_incident(
            db_session(),
            current_actor(),
            reference,
            request.form.get("format", ""),
            Producer.from_settings(settings()),
            confirm_tlp_red=request.form.get("confirm_tlp_red") == "on",
        )
    except Invalid as error:
        db_session().rollback()
        return render_incident(reference, {"export": error.errors}, 400)
    return file_response(export)


@bp.route("/export", methods=["POST"])
@login_required
def queue() -> ResponseReturnValue:
    filters = queue_filters(request.form)
    try:
        export = exports.export_queue(
            db_session(),
            current_actor(),
            filters,
            confirm_tlp_red=request.form.get("confirm_tlp_red") == "on",
        )
    except Invalid as error:
        db_session().rollback()
        return render_queue(filters, error.errors, 400)
    return file_response(export)

"""The audit log, for administrators: latest events and the chain's state."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from cyberreponse.audit import recent_events, verify_chain
from cyberreponse.web.access import admin_required
from cyberreponse.web.context import db_session

bp = Blueprint("audit_log", __name__, url_prefix="/admin/journal")


@bp.route("")
@admin_required
def index() -> ResponseReturnValue:
    events = recent_events(db_session(), request.args.get("avant", type=int))
    checked, broken = verify_chain(db_session()) if request.args.get("verifier") else (None, None)
    return render_template("admin/audit.html", events=events, checked=checked, broken=broken)

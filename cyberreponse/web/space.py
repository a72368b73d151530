"""A member user's own space: their organisations."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from cyberreponse.services import members
from cyberreponse.web.access import roles_required
from cyberreponse.web.context import current_actor, db_session

bp = Blueprint("space", __name__)


@bp.route("/espace")
@roles_required("member")
def home() -> ResponseReturnValue:
    page = members.search_organisations(db_session(), current_actor())
    return render_template("space/home.html", organisations=page.items)

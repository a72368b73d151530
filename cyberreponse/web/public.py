"""Public pages: home, health check, language choice."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from cyberreponse.i18n import LANGUAGES
from cyberreponse.web.context import database
from cyberreponse.web.navigation import safe_next

bp = Blueprint("public", __name__)


@bp.route("/")
def home() -> ResponseReturnValue:
    return render_template("public/home.html")


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    if database().is_reachable():
        return jsonify({"status": "ok", "database": "reachable"}), 200
    return jsonify({"status": "unavailable", "database": "unreachable"}), 503


@bp.route("/langue", methods=["POST"])
def choose_language() -> ResponseReturnValue:
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session["lang"] = chosen
    return redirect(safe_next(request.form.get("next"), url_for("public.home")))

"""Posture pages: an organisation's findings and check history, "scan now", campaigns, and the public
page that explains the scans."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from cyberreponse.errors import Invalid
from cyberreponse.jobs.campaign_runner import run_in_background
from cyberreponse.jobs.scheduler import new_holder_id
from cyberreponse.services import campaigns, posture
from cyberreponse.web.access import staff_required
from cyberreponse.web.context import current_actor, database, db_session, settings

bp = Blueprint("posture", __name__)


@bp.route("/organisations/<siren>/constats")
@login_required
def findings(siren: str) -> ResponseReturnValue:
    view = posture.organisation_posture(db_session(), current_actor(), siren)
    return render_template(
        "posture/findings.html", posture=view, counts=posture.severity_counts(view.open_findings)
    )


@bp.route("/organisations/<siren>/analyse", methods=["POST"])
@staff_required
def scan_now(siren: str) -> ResponseReturnValue:
    try:
        campaign = campaigns.request_scan(db_session(), current_actor(), settings(), siren)
    except Invalid as error:
        flash(error.message, "error")  # a French message from the service
        return redirect(url_for("posture.findings", siren=siren))
    run_in_background(database(), settings(), campaign.id, new_holder_id())
    flash(
        _(
            "Analyse lancée (%(units)s vérifications) : les résultats apparaîtront ici.",
            units=campaign.units_total,
        ),
        "success",
    )
    return redirect(url_for("posture.findings", siren=siren))


@bp.route("/campagnes")
@staff_required
def campaign_list() -> ResponseReturnValue:
    page = campaigns.list_campaigns(db_session(), current_actor(), request.args.get("page", 1, type=int))
    return render_template("posture/campaigns.html", page=page)


@bp.route("/analyses")
def about_scans() -> ResponseReturnValue:
    config = settings()
    return render_template(
        "posture/about_scans.html",
        schedule=config.get_str("schedule.nightly_campaign"),
        excluded=bool(config.get_list("scanning.excluded")),
        nmap_rate=config.get_int("scanning.nmap_max_rate"),
    )

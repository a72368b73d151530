"""Analysts' queue and incident pages (members read their own organisations' incidents)."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy.exc import SQLAlchemyError

from cyberreponse.clock import in_paris, now
from cyberreponse.errors import Conflict, Invalid
from cyberreponse.models import OBSERVABLE_KINDS, RSIT, SEVERITIES, STATUSES, Incident
from cyberreponse.models.incident import PAP_LEVELS, TLP_LEVELS
from cyberreponse.models.incident_parts import MANUAL_TIMELINE_KINDS
from cyberreponse.services import checklists, incident_activity, incident_queue, incidents, intake, playbooks
from cyberreponse.services.deadlines import time_left
from cyberreponse.services.observables import defang
from cyberreponse.services.uploads import ACCEPT_ATTRIBUTE
from cyberreponse.web.access import staff_required
from cyberreponse.web.context import current_actor, db_session, settings
from cyberreponse.web.intake import read_report, report_choices
from cyberreponse.web.uploads import accepted_files, deliver_mail_after, download

bp = Blueprint("incidents", __name__, url_prefix="/incidents")


def queue_filters(args: Mapping[str, str]) -> incident_queue.QueueFilters:
    """The queue's filters from a query string (the page) or a form (the CSV export)."""
    page = args.get("page", "1")
    return incident_queue.QueueFilters(
        status=args.get("status", "open"),
        severity=args.get("severity", ""),
        organisation=args.get("organisation", ""),
        assignee=args.get("assignee", ""),
        sort=args.get("sort", "reported"),
        page=int(page) if page.isdigit() and len(page) < 7 else 1,
    )


def render_queue(
    filters: incident_queue.QueueFilters, errors: dict[str, str] | None = None, status: int = 200
) -> ResponseReturnValue:
    actor = current_actor()
    page = incident_queue.list_incidents(db_session(), actor, filters)
    return render_template(
        "incidents/queue.html",
        page=page,
        filters=filters,
        statuses=STATUSES,
        severities=SEVERITIES,
        sorts=incident_queue.SORTS,
        analysts=incident_queue.staff_users(db_session()) if actor.is_staff else [],
        now=now(),
        time_left=time_left,
        errors=errors or {},
    ), status


@bp.route("")
@login_required
def queue() -> ResponseReturnValue:
    return render_queue(queue_filters(request.args))


def triage_values(incident: Incident) -> dict[str, str]:
    return {
        "organisation": incident.organisation.siren if incident.organisation else "",
        "rsit_class": incident.rsit_class or "",
        "rsit_type": incident.rsit_type or "",
        "severity": incident.severity or "",
        "tlp": incident.tlp,
        "pap": incident.pap,
        "assignee": incident.assignee.public_id if incident.assignee else "",
        "status": incident.status,
        "duplicate_of": incident.duplicate_of.reference if incident.duplicate_of else "",
        "significant": "on" if incident.significant else "",
        "personal_data_breach": "on" if incident.personal_data_breach else "",
        "aware_at": in_paris(incident.aware_at).strftime("%Y-%m-%dT%H:%M"),
        "resolution": incident.resolution or "",
        "version": str(incident.version),
    }


def render_incident(
    reference: str, errors: dict[str, dict[str, str]] | None = None, status: int = 200, **extra: object
) -> ResponseReturnValue:
    actor = current_actor()
    incident = incidents.get_incident(db_session(), actor, reference)
    errors = errors or {}
    catalogue = playbooks.current_catalogue(playbooks.playbooks_directory(settings())).catalogue
    values = dict(triage_values(incident))
    if "triage" in errors:
        values.update(request.form.to_dict())
    return render_template(
        "incidents/show.html",
        incident=incident,
        staff=actor.is_staff,
        comments=incident_activity.visible_comments(incident, actor),
        observables=incident_activity.visible_observables(incident, actor),
        attachments=incident_activity.visible_attachments(incident, actor),
        checklists=checklists.checklists_of(
            db_session(), incident, catalogue=catalogue if actor.is_staff else None
        ),
        suggestions=checklists.suggestions_for(db_session(), incident, catalogue) if actor.is_staff else [],
        catalogue=catalogue,
        errors=errors,
        values=values,
        form=request.form if errors else {},
        rsit=RSIT,
        severities=SEVERITIES,
        statuses=STATUSES,
        transitions=incidents.TRANSITIONS,
        tlp_levels=TLP_LEVELS,
        pap_levels=PAP_LEVELS,
        observable_kinds=OBSERVABLE_KINDS,
        timeline_kinds=MANUAL_TIMELINE_KINDS,
        analysts=incident_queue.staff_users(db_session()) if actor.is_staff else [],
        defang=defang,
        time_left=time_left,
        now=now(),
        accept=ACCEPT_ATTRIBUTE,
        **extra,
    ), status


@bp.route("/<reference>")
@login_required
def show(reference: str) -> ResponseReturnValue:
    return render_incident(reference)


@bp.route("/<reference>/triage", methods=["POST"])
@staff_required
def triage(reference: str) -> ResponseReturnValue:
    form = request.form
    changes = incidents.TriageChanges(
        organisation=form.get("organisation", ""),
        rsit_class=form.get("rsit_class", ""),
        rsit_type=form.get("rsit_type", ""),
        severity=form.get("severity", ""),
        tlp=form.get("tlp", ""),
        pap=form.get("pap", ""),
        assignee=form.get("assignee", ""),
        status=form.get("status", ""),
        duplicate_of=form.get("duplicate_of", ""),
        significant=form.get("significant") == "on",
        personal_data_breach=form.get("personal_data_breach") == "on",
        aware_at=form.get("aware_at", ""),
        resolution=form.get("resolution", ""),
    )
    try:
        version = int(form.get("version", ""))
    except ValueError:
        return render_incident(
            reference, {"triage": {"status": _("Formulaire incomplet : rechargez la page.")}}, 400
        )
    try:
        incidents.update_incident(db_session(), current_actor(), reference, changes, expected_version=version)
    except Invalid as error:
        db_session().rollback()
        return render_incident(reference, {"triage": error.errors}, 400)
    except Conflict as error:
        db_session().rollback()
        return render_incident(reference, {"triage": {}}, 409, conflict=error)
    flash(_("Incident mis à jour."), "success")
    return redirect(url_for("incidents.show", reference=reference), 303)


@bp.route("/<reference>/commentaires", methods=["POST"])
@staff_required
def comment(reference: str) -> ResponseReturnValue:
    shared = request.form.get("visibility") == "shared"
    try:
        incident_activity.add_comment(
            db_session(),
            current_actor(),
            reference,
            request.form.get("body", ""),
            shared=shared,
            settings=settings(),
        )
    except Invalid as error:
        return render_incident(reference, {"comment": error.errors}, 400)
    flash(_("Message partagé avec le déclarant.") if shared else _("Note interne ajoutée."), "success")
    return deliver_mail_after(
        redirect(url_for("incidents.show", reference=reference, _anchor="messages"), 303)
    )


@bp.route("/<reference>/chronologie", methods=["POST"])
@staff_required
def timeline(reference: str) -> ResponseReturnValue:
    form = request.form
    try:
        incident_activity.add_timeline_entry(
            db_session(),
            current_actor(),
            reference,
            form.get("kind", ""),
            form.get("text", ""),
            form.get("at", ""),
        )
    except Invalid as error:
        return render_incident(reference, {"timeline": error.errors}, 400)
    return redirect(url_for("incidents.show", reference=reference, _anchor="chronologie"), 303)


@bp.route("/<reference>/observables", methods=["POST"])
@staff_required
def add_observables(reference: str) -> ResponseReturnValue:
    form = request.form
    try:
        added, known = incident_activity.add_observables(
            db_session(),
            current_actor(),
            reference,
            form.get("kind", ""),
            form.get("value", ""),
            internal=form.get("internal") == "on",
        )
    except Invalid as error:
        return render_incident(reference, {"observable": error.errors}, 400)
    flash(
        _("%(added)s observable(s) ajouté(s), %(known)s déjà connu(s).", added=len(added), known=known),
        "success",
    )
    return redirect(url_for("incidents.show", reference=reference, _anchor="observables"), 303)


@bp.route("/<reference>/observables/<observable_id>/suppression", methods=["POST"])
@staff_required
def remove_observable(reference: str, observable_id: str) -> ResponseReturnValue:
    incident_activity.remove_observable(db_session(), current_actor(), reference, observable_id)
    flash(_("Observable retiré."), "success")
    return redirect(url_for("incidents.show", reference=reference, _anchor="observables"), 303)


@bp.route("/<reference>/pieces-jointes", methods=["POST"])
@staff_required
def upload(reference: str) -> ResponseReturnValue:
    incidents.get_incident(db_session(), current_actor(), reference)
    try:
        files = accepted_files("incident_upload")
        incident_activity.add_attachments(
            db_session(), current_actor(), reference, files, internal=request.form.get("internal") == "on"
        )
    except Invalid as error:
        db_session().rollback()
        return render_incident(reference, {"attachment": error.errors}, error.http_status)
    flash(_("Fichier(s) ajouté(s)."), "success")
    return redirect(url_for("incidents.show", reference=reference, _anchor="pieces-jointes"), 303)


@bp.route("/<reference>/pieces-jointes/<attachment_id>")
@login_required
def attachment(reference: str, attachment_id: str) -> ResponseReturnValue:
    return download(incident_activity.get_attachment(db_session(), current_actor(), reference, attachment_id))


@bp.route("/<reference>/obligations", methods=["POST"])
@staff_required
def obligation_done(reference: str) -> ResponseReturnValue:
    try:
        incident_activity.mark_obligation_done(
            db_session(), current_actor(), reference, request.form.get("kind", "")
        )
    except Invalid as error:
        db_session().rollback()
        flash(error.message, "error")
    return redirect(url_for("incidents.show", reference=reference, _anchor="obligations"), 303)


@bp.route("/<reference>/lien-de-suivi", methods=["POST"])
@staff_required
def renew_link(reference: str) -> ResponseReturnValue:
    link = incident_activity.renew_follow_up_link(db_session(), current_actor(), reference, settings())
    response = render_template("incidents/new_link.html", reference=reference, link=link)
    return deliver_mail_after(make_response(response))


@bp.route("/appel", methods=["GET", "POST"])
@staff_required
def phone_intake() -> ResponseReturnValue:
    """The phone-intake sheet: an analyst records a call as a new incident, assigned to them."""
    if request.method == "GET":
        return render_template(
            "incidents/phone.html",
            values={"ongoing": "unknown", "personal_data": "unknown"},
            errors={},
            **report_choices(),
        )
    form, files, errors, status = read_report("phone_intake")
    if not errors:
        try:
            result = intake.submit_report(
                db_session(), current_actor(), form, files, settings(), channel="phone"
            )
        except Invalid as error:
            errors = error.errors
        except SQLAlchemyError:
            db_session().rollback()
            errors = {"description": _("L'enregistrement a échoué : réessayez dans un instant.")}
        else:
            flash(
                _("Appel enregistré sous la référence %(reference)s.", reference=result.incident.reference),
                "success",
            )
            target = url_for("incidents.show", reference=result.incident.reference)
            return deliver_mail_after(redirect(target, 303))
    return render_template(
        "incidents/phone.html",
        values=request.form.to_dict(),
        errors=errors,
        **report_choices(),
    ), status

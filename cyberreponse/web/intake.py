"""Public pages, no account: the reporting form, the first actions, the follow-up link."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from cyberreponse.errors import Invalid
from cyberreponse.extensions import limiter
from cyberreponse.incident_labels import ANSWER_LABELS, SITUATION_LABELS
from cyberreponse.logs import log_event
from cyberreponse.services import checklists, follow_up, intake
from cyberreponse.services.first_actions import first_actions
from cyberreponse.services.uploads import ACCEPT_ATTRIBUTE, CheckedFile, UploadLimits
from cyberreponse.web.context import client_ip, current_actor, db_session, settings
from cyberreponse.web.uploads import accepted_files, deliver_mail_after

bp = Blueprint("intake", __name__)
logger = logging.getLogger(__name__)
HONEYPOT = "site_web"
FORM_FIELDS = tuple(intake.ReportForm.__dataclass_fields__)


def _limit(name: str) -> str:
    return settings().get_str(f"intake.{name}")


def report_form_from_request() -> intake.ReportForm:
    form = request.form
    return intake.ReportForm(**{name: form.get(name, "") for name in FORM_FIELDS})


def read_report(where: str) -> tuple[intake.ReportForm, list[CheckedFile], dict[str, str], int]:
    """The form and its files, with every problem found (form fields and files together) and the
    status to answer with: 400, or 503 when the antivirus could not check the files."""
    form = report_form_from_request()
    _, errors = intake.validate_report(form)
    files: list[CheckedFile] = []
    status = 400
    try:
        files = accepted_files(where)
    except Invalid as error:
        errors.update(error.errors)
        status = error.http_status
    return form, files, errors, status


def report_choices() -> dict[str, object]:
    """Options of the report's radio groups and the upload limits, for both report forms."""
    return {
        "situation_options": [(code, _l(SITUATION_LABELS[code])) for code in intake.SITUATIONS],
        "answer_options": [(code, _l(ANSWER_LABELS[code])) for code in intake.ANSWERS],
        "limits": UploadLimits.from_settings(settings()),
        "accept": ACCEPT_ATTRIBUTE,
    }


def _render_form(
    values: dict[str, str], errors: dict[str, str], status: int = 200, **extra: object
) -> ResponseReturnValue:
    return render_template(
        "intake/report.html",
        values=values,
        errors=errors,
        max_total_mb=settings().get_int("uploads.max_total_mb"),
        **report_choices(),
        **extra,
    ), status


@bp.route("/signaler", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("report_rate_limit"), methods=["POST"])
def report() -> ResponseReturnValue:
    if request.method == "GET":
        return _render_form({"ongoing": "unknown", "personal_data": "unknown"}, {})
    values = request.form.to_dict()
    if request.form.get(HONEYPOT):
        log_event(logger, "intake.honeypot", level=logging.WARNING, ip=client_ip())
        return _render_form(values, {}, 400, refused=True)
    form, files, errors, status = read_report("report_form")
    had_files = bool(request.files.getlist("attachments")) and any(
        f.filename for f in request.files.getlist("attachments")
    )
    if errors:
        return _render_form(values, errors, status, files_lost=had_files)
    try:
        result = intake.submit_report(db_session(), current_actor(), form, files, settings())
    except Invalid as error:
        return _render_form(values, error.errors, 400, files_lost=had_files)
    except SQLAlchemyError:
        # Nothing was stored (one transaction); the reporter must not be left without a way out.
        db_session().rollback()
        logger.exception("intake.store_failed")
        return _render_form(values, {}, 503, store_failed=True, files_lost=had_files)
    session["report_done"] = {
        "reference": result.incident.reference,
        "token": result.follow_up_token,
        "situation": result.incident.reporter_situation,
        "email": bool(result.incident.reporter_email),
    }
    return deliver_mail_after(redirect(url_for("intake.thanks"), 303))


@bp.route("/signaler/merci")
def thanks() -> ResponseReturnValue:
    done = session.pop("report_done", None)
    if not isinstance(done, dict):
        return redirect(url_for("intake.report"))
    link = url_for("intake.follow", token=done["token"], _external=False)
    return render_template(
        "intake/thanks.html",
        done=done,
        follow_up_path=link,
        follow_up_url=settings().get_str("app.base_url") + link,
        actions=first_actions().get(done["situation"]),
    )


@bp.route("/signaler/organisations")
@limiter.limit(lambda: _limit("lookup_rate_limit"))
def organisations() -> ResponseReturnValue:
    """Suggestions for the form's organisation field (progressive enhancement)."""
    found = intake.find_members(db_session(), request.args.get("q", ""))
    return jsonify([{"name": o.name, "siren": o.siren, "insee": o.insee_code or ""} for o in found])


@bp.route("/premiers-gestes")
def first_actions_index() -> ResponseReturnValue:
    return render_template("intake/first_actions_index.html", pages=first_actions())


@bp.route("/premiers-gestes/<situation>")
def first_actions_page(situation: str) -> ResponseReturnValue:
    page = first_actions().get(situation)
    if page is None:
        abort(404)
    return render_template("intake/first_actions.html", page=page)


def _render_follow_up(
    token: str, errors: dict[str, str] | None = None, status: int = 200, **extra: object
) -> ResponseReturnValue:
    incident = follow_up.incident_for_token(db_session(), token)
    return render_template(
        "intake/follow_up.html",
        incident=incident,
        token=token,
        messages=follow_up.shared_messages(incident),
        checklists=checklists.member_steps(db_session(), incident),
        files=[a for a in incident.attachments if a.source == "reporter"],
        errors=errors or {},
        values=request.form if errors else {},
        accept=ACCEPT_ATTRIBUTE,
        limits=UploadLimits.from_settings(settings()),
        **extra,
    ), status


@bp.route("/suivi/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("follow_up_rate_limit"), methods=["POST"])
def follow(token: str) -> ResponseReturnValue:
    if request.method == "GET":
        return _render_follow_up(token)
    follow_up.incident_for_token(db_session(), token)  # 404 before reading any file
    try:
        files = accepted_files("follow_up")
        follow_up.add_reporter_message(
            db_session(), token, request.form.get("body", ""), files, settings(), client_ip()
        )
    except Invalid as error:
        db_session().rollback()
        return _render_follow_up(token, error.errors, error.http_status)
    except SQLAlchemyError:
        db_session().rollback()
        logger.exception("intake.follow_up_store_failed")
        return _render_follow_up(token, {}, 503, store_failed=True)
    return deliver_mail_after(redirect(url_for("intake.follow", token=token, envoye=1), 303))

"""The NIS2 self-assessment pages: the form (works without JavaScript), the history, one answer set."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import login_required

from cyberreponse.errors import Invalid
from cyberreponse.services import assessments
from cyberreponse.services.questionnaire import AnswerValue
from cyberreponse.web.context import current_actor, db_session, scoring_policy

bp = Blueprint("assessments", __name__, url_prefix="/organisations/<siren>/auto-evaluation")

FIELD_PREFIX = "q-"  # form field of a question: "q-<question id>"


@bp.app_template_filter("score")
def score_filter(value: float | None) -> str:
    """A score out of 100 the way the reader writes numbers (66,7 in French), or a dash."""
    return "—" if value is None else str(format_decimal(value, format="0.0"))


def _as_text(answers: Mapping[str, AnswerValue]) -> dict[str, str]:
    return {question_id: str(value) for question_id, value in answers.items()}


def _render_form(
    siren: str, errors: Mapping[str, str], posted: Mapping[str, str], status: int = 200
) -> ResponseReturnValue:
    view = assessments.current_form(db_session(), current_actor(), siren)
    # What the person chose stays chosen after an error, even if it could not be saved.
    selected = _as_text(view.answers) | {key: value for key, value in posted.items() if value}
    respondent = request.form.get("member_respondent")
    if respondent is None:
        respondent = view.answer_set.member_respondent or "" if view.answer_set else ""
    return render_template(
        "assessments/form.html", view=view, selected=selected, errors=errors, respondent=respondent
    ), status


@bp.route("", methods=["GET", "POST"])
@login_required
def form(siren: str) -> ResponseReturnValue:
    if request.method == "GET":
        return _render_form(siren, {}, {})
    posted = {
        key.removeprefix(FIELD_PREFIX): value
        for key, value in request.form.items()
        if key.startswith(FIELD_PREFIX)
    }
    submit = request.form.get("action") == "submit"
    respondent = request.form.get("member_respondent")
    try:
        if submit:
            answer_set = assessments.submit_answers(
                db_session(),
                current_actor(),
                siren,
                posted,
                member_respondent=respondent,
                scoring=scoring_policy(),
            )
        else:
            answer_set = assessments.save_answers(
                db_session(), current_actor(), siren, posted, member_respondent=respondent
            )
    except Invalid as error:
        flash(error.message, "error")
        return _render_form(siren, error.errors, posted, 400)
    if submit:
        flash(_("Auto-évaluation soumise. Merci : elle est conservée telle quelle."), "success")
        return redirect(url_for("assessments.show", siren=siren, public_id=answer_set.public_id))
    flash(_("Réponses enregistrées. Vous pouvez revenir les compléter plus tard."), "success")
    return redirect(url_for("assessments.form", siren=siren))


@bp.route("/historique")
@login_required
def history(siren: str) -> ResponseReturnValue:
    organisation, views = assessments.list_answer_sets(db_session(), current_actor(), siren)
    return render_template("assessments/history.html", organisation=organisation, views=views)


@bp.route("/<public_id>")
@login_required
def show(siren: str, public_id: str) -> ResponseReturnValue:
    view = assessments.get_answer_set(db_session(), current_actor(), siren, public_id)
    return render_template("assessments/show.html", view=view, selected=_as_text(view.answers))

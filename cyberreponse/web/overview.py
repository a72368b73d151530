"""The CSIRT overview (analysts' home): the region at a glance, its filters and CSV exports."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _

from cyberreponse.errors import Invalid
from cyberreponse.services.overview import Overview, OverviewFilters, csirt_overview, parse_filters
from cyberreponse.services.overview_export import TABLES, export_overview_table
from cyberreponse.web.access import staff_required
from cyberreponse.web.charts import bar_chart, trend_chart
from cyberreponse.web.context import current_actor, db_session, scoring_policy
from cyberreponse.web.exports import file_response
from cyberreponse.web.labels import MATURITY_LEVEL_LABELS

bp = Blueprint("overview", __name__, url_prefix="/tableau-de-bord")


def _month(day: date) -> str:
    return str(format_date(day, "MMM"))


def _charts(view: Overview) -> dict[str, object]:
    grades = bar_chart(
        _("Organisations par note technique"),
        [
            (grade if grade != "none" else "—", count, f"grade-{grade}")
            for grade, count in view.grades.items()
        ],
        maximum=max([1, *view.grades.values()]),
        integer=True,
    )
    levels = bar_chart(
        _("Organisations par niveau de maturité"),
        [
            (str(MATURITY_LEVEL_LABELS[level]) if level != "none" else "—", count, "category")
            for level, count in view.levels.items()
        ],
        maximum=max([1, *view.levels.values()]),
        integer=True,
        width=600,
    )
    trends = trend_chart(
        _("Médianes régionales sur douze mois (sur 100)"),
        [
            (_("Maturité"), "series-maturity", [(t.month, t.median_maturity) for t in view.trends]),
            (_("Technique"), "series-technical", [(t.month, t.median_technical) for t in view.trends]),
        ],
        start=view.trends[0].month,
        end=view.trends[-1].month,
        month_label=_month,
    )
    return {"grades": grades, "levels": levels, "trends": trends}


def _render(filters: OverviewFilters, errors: dict[str, str], status: int = 200) -> ResponseReturnValue:
    view = csirt_overview(db_session(), current_actor(), scoring_policy(), filters)
    return render_template(
        "overview/index.html",
        view=view,
        charts=_charts(view),
        errors=errors,
        tables=TABLES,
        certificate_days=scoring_policy().certificate_days,
    ), status


@bp.route("")
@staff_required
def index() -> ResponseReturnValue:
    try:
        filters = parse_filters(request.args)
    except Invalid as error:
        return _render(OverviewFilters(), error.errors, 400)
    return _render(filters, {})


@bp.route("/export", methods=["POST"])
@staff_required
def export() -> ResponseReturnValue:
    try:
        filters = parse_filters(request.form)
        exported = export_overview_table(
            db_session(), current_actor(), scoring_policy(), filters, request.form.get("table", "")
        )
    except Invalid as error:
        db_session().rollback()
        return _render(OverviewFilters(), error.errors, 400)
    return file_response(exported)

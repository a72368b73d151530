"""A member user's own space: the RSSI dashboard of their organisation(s)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _

from cyberreponse.clock import now
from cyberreponse.models import ScoreSnapshot
from cyberreponse.services.dashboards import MemberDashboard, member_dashboard
from cyberreponse.web.access import roles_required
from cyberreponse.web.charts import TrendChart, trend_chart
from cyberreponse.web.context import current_actor, db_session, scoring_policy

bp = Blueprint("space", __name__)


def month_label(day: date) -> str:
    return str(format_date(day, "MMM"))


def weekly(snapshots: list[ScoreSnapshot]) -> list[ScoreSnapshot]:
    """The last snapshot of each week: a year of nightly snapshots draws as 52 points."""
    by_week: dict[tuple[int, int], ScoreSnapshot] = {}
    for snapshot in snapshots:
        year, week, _day = snapshot.taken_at.isocalendar()
        by_week[(year, week)] = snapshot
    return list(by_week.values())


def trend_of(snapshots: list[ScoreSnapshot], start: datetime, end: datetime) -> TrendChart:
    points = weekly(snapshots)
    return trend_chart(
        _("Évolution des scores sur douze mois (sur 100)"),
        [
            (_("Maturité"), "series-maturity", [(s.taken_at, s.maturity_score) for s in points]),
            (_("Technique"), "series-technical", [(s.taken_at, s.technical_score) for s in points]),
            (
                _("Organisationnel"),
                "series-organisational",
                [(s.taken_at, s.organisational_score) for s in points],
            ),
        ],
        start=start,
        end=end,
        month_label=month_label,
    )


def _render(dashboard: MemberDashboard) -> ResponseReturnValue:
    chart = trend_of(dashboard.trend, dashboard.trend_start, dashboard.scorecard.computed_at)
    return render_template("space/home.html", dashboard=dashboard, trend_view=chart, now=now())


@bp.route("/espace")
@roles_required("member")
def home() -> ResponseReturnValue:
    return _render(member_dashboard(db_session(), current_actor(), scoring_policy()))


@bp.route("/espace/<siren>")
@roles_required("member", "admin", "analyst")
def organisation(siren: str) -> ResponseReturnValue:
    return _render(member_dashboard(db_session(), current_actor(), scoring_policy(), siren))

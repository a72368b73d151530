"""The NIS2 readiness report: the page, the PDF (generated, archived, downloaded) and the archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from checks.registry import problem_types
from cyberreponse.extensions import limiter
from cyberreponse.i18n import in_language
from cyberreponse.services.nis2_report import Nis2Report, build_report
from cyberreponse.services.report_archive import download_archive, generate_report_pdf, list_archives
from cyberreponse.services.scorecard import problem_titles
from cyberreponse.web.charts import BarChart, bar_chart
from cyberreponse.web.context import current_actor, db_session, scoring_policy, settings
from cyberreponse.web.labels import CATEGORY_SHORT_LABELS
from cyberreponse.web.security_headers import DOWNLOAD_CSP

bp = Blueprint("reports", __name__, url_prefix="/organisations/<siren>/rapport-nis2")


@bp.app_template_filter("problem_title")
def problem_title(code: str) -> str:
    """The problem's short title in the page's language (the checks library has both)."""
    kind = problem_types().get(code)
    return in_language(kind.title) if kind else problem_titles().get(code, code)


def report_charts(report: Nis2Report) -> dict[str, BarChart]:
    technical = report.scorecard.technical
    categories = bar_chart(
        _("Score technique par catégorie (sur 100)"),
        [(str(CATEGORY_SHORT_LABELS[c.key]), c.score, "category") for c in technical.categories],
    )
    organisational = report.scorecard.organisational
    measures = bar_chart(
        _("Score des réponses par mesure NIS2 (sur 100), couleur du statut"),
        [
            (
                f"({m.letter})",
                organisational.measure(m.letter).score if organisational else m.scan.score,
                f"status-{m.status}",
            )
            for m in report.measures
        ],
        width=560,
    )
    return {"categories": categories, "measures": measures}


def _context(report: Nis2Report, suffix: str) -> dict[str, Any]:
    return {
        "report": report,
        "charts": report_charts(report),
        "chart_suffix": suffix,
        "problem_titles": problem_titles(),
    }


@bp.route("")
@login_required
def show(siren: str) -> ResponseReturnValue:
    report = build_report(db_session(), current_actor(), siren, scoring_policy())
    return render_template("reports/nis2.html", **_context(report, "page"))


def _attachment(content: bytes, filename: str, media_type: str) -> Response:
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(filename, safe="")
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


def _report_limit() -> str:
    return settings().get_str("reports.rate_limit")


def _report_limit_key() -> str:
    """Per signed-in user, as `reports.rate_limit` says (several users may share one address)."""
    actor = current_actor()
    return f"user:{actor.user_id}" if actor.user_id is not None else f"ip:{actor.ip}"


@bp.route("/pdf", methods=["POST"])
@login_required
@limiter.limit(_report_limit, key_func=_report_limit_key)
def pdf(siren: str) -> ResponseReturnValue:
    """Generate the PDF, archive it, and hand it over as a download (POST: it writes the archive)."""
    archive = generate_report_pdf(
        db_session(),
        current_actor(),
        siren,
        scoring_policy(),
        lambda report: render_template("reports/nis2_pdf.html", **_context(report, "pdf")),
        Path(current_app.static_folder or ""),
    )
    return _attachment(archive.content, archive.filename, "application/pdf")


@bp.route("/archives")
@login_required
def archives(siren: str) -> ResponseReturnValue:
    organisation, items = list_archives(db_session(), current_actor(), siren)
    return render_template("reports/archives.html", organisation=organisation, archives=items)


@bp.route("/archives/<archive_id>")
@login_required
def download(siren: str, archive_id: str) -> ResponseReturnValue:
    archive = download_archive(db_session(), current_actor(), siren, archive_id)
    return _attachment(archive.content, archive.filename, "application/pdf")

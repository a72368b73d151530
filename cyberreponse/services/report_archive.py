"""The readiness report as a PDF (WeasyPrint), archived unchanged, and the archive read back.

WeasyPrint never fetches anything outside the application (ASVS 13.2.4, 1.3.6): `StaticOnlyFetcher`
serves the app's own static files under an origin that cannot resolve (`.invalid`, RFC 6761), and
refuses every other URL — `file://`, `http(s)://` anywhere else, `data:`, paths that climb out of the
static folder. Each generated PDF is stored encrypted with its SHA-256, and generating and
downloading it are audited.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import in_paris
from cyberreponse.errors import NotFound
from cyberreponse.models import ReportArchive
from cyberreponse.services.nis2_report import Nis2Report, build_report
from cyberreponse.services.scoping import organisation_in_scope
from cyberreponse.services.scoring import ScoringPolicy

REPORT_ORIGIN = "https://cyberreponse.invalid"
STATIC_PREFIX = "/static/"
ARCHIVE_PAGE = 50


class RefusedFetch(ValueError):
    """A URL the PDF renderer asked for and was refused."""


@dataclass
class StaticOnlyFetcher:
    """Serve `REPORT_ORIGIN/static/<file>` from the static folder; refuse everything else."""

    static_folder: Path
    refused: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin != REPORT_ORIGIN or not parts.path.startswith(STATIC_PREFIX) or parts.query:
            raise RefusedFetch(url)
        root = self.static_folder.resolve()
        path = (root / unquote(parts.path[len(STATIC_PREFIX) :])).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise RefusedFetch(url)
        return path

    def fetch(self, url: str, headers: Any = None) -> Any:
        from weasyprint.urls import URLFetcherResponse

        try:
            path = self.resolve(url)
        except RefusedFetch:
            self.refused.append(url)
            raise
        self.served.append(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media_type})

    def __call__(self, url: str) -> Any:
        return self.fetch(url)


def render_pdf(html: str, static_folder: Path, fetcher: StaticOnlyFetcher | None = None) -> bytes:
    """The PDF of `html`, whose links to /static/ resolve under REPORT_ORIGIN."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    chosen = fetcher or StaticOnlyFetcher(static_folder)

    class _Fetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint's fetcher class is untyped
        def fetch(self, url: str, headers: Any = None) -> Any:
            return chosen.fetch(url, headers)

    document = HTML(string=html, base_url=REPORT_ORIGIN + "/", url_fetcher=_Fetcher())
    pdf: bytes = document.write_pdf()
    return pdf


def report_filename(report: Nis2Report) -> str:
    day = in_paris(report.generated_at).strftime("%Y-%m-%d")
    return f"rapport-nis2-{report.organisation.siren}-{day}.pdf"


def generate_report_pdf(
    session: Session,
    actor: Actor,
    siren: str,
    policy: ScoringPolicy,
    render_html: Callable[[Nis2Report], str],
    static_folder: Path,
) -> ReportArchive:
    """Build the report, render it to PDF, archive the PDF with its SHA-256 and audit it."""
    report = build_report(session, actor, siren, policy)
    content = render_pdf(render_html(report), static_folder)
    archive = ReportArchive(
        organisation=report.organisation,
        generated_at=report.generated_at,
        generated_by=actor.label,
        generated_by_user_id=actor.user_id,
        filename=report_filename(report),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
    )
    session.add(archive)
    session.flush()
    technical = report.scorecard.technical
    audit.record(
        session,
        actor,
        "report.archive",
        "report_archive",
        archive.public_id,
        {
            "organisation": siren,
            "sha256": archive.sha256,
            "size": archive.size,
            "grade": technical.grade,
            "maturity_level": report.scorecard.maturity.level,
        },
    )
    session.commit()
    return archive


def list_archives(session: Session, actor: Actor, siren: str) -> tuple[Any, list[ReportArchive]]:
    """The organisation's archived reports, newest first (scoped)."""
    organisation = organisation_in_scope(session, actor, siren)
    archives = list(
        session.scalars(
            select(ReportArchive)
            .where(ReportArchive.organisation_id == organisation.id)
            .order_by(ReportArchive.generated_at.desc(), ReportArchive.id.desc())
            .limit(ARCHIVE_PAGE)
        )
    )
    return organisation, archives


def download_archive(session: Session, actor: Actor, siren: str, public_id: str) -> ReportArchive:
    """One archived report with its content, audited; NotFound outside the actor's scope."""
    organisation = organisation_in_scope(session, actor, siren)
    archive = session.scalars(
        select(ReportArchive)
        .where(ReportArchive.organisation_id == organisation.id, ReportArchive.public_id == public_id[:24])
        .options(undefer(ReportArchive.content))
    ).first()
    if archive is None:
        raise NotFound("Rapport introuvable.")
    audit.record(
        session, actor, "report.download", "report_archive", archive.public_id, {"organisation": siren}
    )
    session.commit()
    return archive

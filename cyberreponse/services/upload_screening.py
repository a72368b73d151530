"""Accepting uploaded files: the checks of `uploads` (size, type, archives), then a virus scan by
clamd (ASVS 5.4.3) before anything is stored.

Every upload path (the public form, the follow-up page, analysts' uploads and the phone sheet) goes
through `accept_uploads`. An infected file is refused with the signature's name, recorded in the
audit log and the application log, and its content is kept nowhere. When the antivirus is enabled
but cannot give a verdict, the upload fails closed: nothing is accepted unscanned (ASVS 16.5.3).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clamd import Antivirus, AntivirusUnavailable, ClamdClient, NoAntivirus
from cyberreponse.config import Settings
from cyberreponse.errors import Invalid
from cyberreponse.logs import log_event
from cyberreponse.services.uploads import CheckedFile, IncomingFile, UploadLimits, check_files

logger = logging.getLogger(__name__)
FIELD = "attachments"


class ScanUnavailable(Invalid):
    """The antivirus gave no verdict: the files were refused, the reporter may try again (503)."""

    code = "antivirus_unavailable"
    http_status = 503


def antivirus_for(settings: Settings) -> Antivirus:
    """The scanner `[uploads]` asks for; building it opens no connection."""
    if settings.get_str("uploads.antivirus") == "off":
        return NoAntivirus()
    return ClamdClient(
        settings.get_str("uploads.clamd_address"), float(settings.get_int("uploads.clamd_timeout_seconds"))
    )


def accept_uploads(
    session: Session,
    actor: Actor,
    files: list[IncomingFile],
    limits: UploadLimits,
    antivirus: Antivirus,
    settings: Settings,
    *,
    where: str,
) -> list[CheckedFile]:
    """Every file of one submission checked and scanned, or Invalid naming what is wrong: either all
    files are accepted or none. `where` says which page received them (for the audit log)."""
    checked = check_files(files, limits)
    infected: list[tuple[CheckedFile, str]] = []
    for file in checked:
        try:
            verdict = antivirus.scan(file.content)
        except AntivirusUnavailable as error:
            log_event(logger, "upload.antivirus_unavailable", logging.ERROR, where=where, reason=str(error))
            _record_detections(session, actor, infected, where)
            raise ScanUnavailable(
                FIELD,
                "L'antivirus n'a pas pu vérifier vos fichiers pour le moment : ils n'ont pas été acceptés "
                "et rien n'a été enregistré. Réessayez dans quelques minutes, envoyez le formulaire sans "
                f"fichier, ou appelez le CSIRT au {settings.get_str('app.csirt_phone')}.",
            ) from error
        if verdict.signature is not None:
            infected.append((file, verdict.signature))
    if not infected:
        return checked
    _record_detections(session, actor, infected, where)
    raise Invalid(FIELD, " ".join(_infected_message(file, signature) for file, signature in infected))


def _record_detections(
    session: Session, actor: Actor, infected: list[tuple[CheckedFile, str]], where: str
) -> None:
    """Log and audit each detection: who sent what and where; the content is dropped with the request."""
    if not infected:
        return
    for file, signature in infected:
        details = {"signature": signature, "sha256": file.sha256, "size": file.size, "where": where}
        log_event(logger, "upload.virus_detected", logging.WARNING, **details)
        audit.record(session, actor, "upload.virus_detected", "upload", file.sha256, details)
    # Kept even though the submission is refused (nothing else is pending in the session here).
    session.commit()


def _infected_message(file: CheckedFile, signature: str) -> str:
    return (
        f"Le fichier « {file.display_name} » contient un virus ({signature}) : il a été refusé et n'a "
        "pas été conservé. Ne l'ouvrez plus sur vos postes. Vous pouvez envoyer le formulaire sans ce "
        "fichier ; un analyste vous dira, si besoin, comment nous le transmettre sans risque."
    )

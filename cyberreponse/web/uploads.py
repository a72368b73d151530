"""Reading uploaded files from a request and sending stored ones back, always as downloads."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, request
from werkzeug.wrappers import Response as BaseResponse

from cyberreponse.mail import take_queued_ids
from cyberreponse.mail_courier import MailCourier
from cyberreponse.models import Attachment
from cyberreponse.services.upload_screening import accept_uploads, antivirus_for
from cyberreponse.services.uploads import CheckedFile, IncomingFile, UploadLimits
from cyberreponse.web.context import current_actor, db_session, settings
from cyberreponse.web.security_headers import DOWNLOAD_CSP


def incoming_files(field: str = "attachments") -> list[IncomingFile]:
    """The request is already bounded by MAX_CONTENT_LENGTH, so reading the files is bounded too."""
    return [
        IncomingFile(storage.filename or "", storage.read())
        for storage in request.files.getlist(field)
        if storage.filename
    ]


def accepted_files(where: str) -> list[CheckedFile]:
    """The request's files, checked and scanned for viruses, or Invalid (ScanUnavailable: 503)."""
    config = settings()
    return accept_uploads(
        db_session(),
        current_actor(),
        incoming_files(),
        UploadLimits.from_settings(config),
        antivirus_for(config),
        config,
        where=where,
    )


def download(attachment: Attachment) -> Response:
    """Never rendered by the browser: generic type, attachment disposition, nosniff, sandbox."""
    response = Response(attachment.content, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(
        attachment.display_name, safe=""
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    return response


def deliver_mail_after(response: BaseResponse) -> BaseResponse:
    """Hand the e-mails this request queued to the courier once the response has gone out: the
    page never waits for SMTP, and a mail server that is down only delays the mail (the
    scheduler retries it)."""
    # Only this request's messages: concurrent requests never contend for each other's mail.
    ids = take_queued_ids(db_session())
    if ids:
        courier: MailCourier = current_app.extensions["cyberreponse.courier"]
        response.call_on_close(lambda: courier.hand_over(ids))
    return response

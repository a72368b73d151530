"""One place where domain and HTTP errors become responses: HTML for pages, JSON for the API."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from cyberreponse.errors import DomainError
from cyberreponse.web.denials import log_denial, request_fields

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status: int, code: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("error.html", status=status, message=message), status


_MESSAGES = {
    400: ("bad_request", _l("La demande est invalide.")),
    401: ("unauthorized", _l("Authentification requise.")),
    403: ("forbidden", _l("Vous n'avez pas accès à cette page.")),
    404: ("not_found", _l("Cette page n'existe pas.")),
    405: ("method_not_allowed", _l("Méthode non autorisée.")),
    413: ("too_large", _l("L'envoi est trop volumineux.")),
    429: ("rate_limited", _l("Trop de tentatives : patientez quelques minutes avant de réessayer.")),
}


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[Response | str, int]:
        if error.http_status in (403, 404):
            log_denial(error.http_status, error.code)
        return error_response(error.http_status, error.code, error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[Response | str, int]:
        log_denial(400, "csrf", event="csrf.rejected")
        return error_response(
            400, "csrf", _("Le formulaire a expiré ou a été modifié. Rechargez la page et réessayez.")
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | HTTPException:
        status = error.code or 500
        if status in (301, 302, 303, 307, 308):
            return error
        code, message = _MESSAGES.get(status, ("error", _l("Une erreur est survenue.")))
        response = make_response(error_response(status, code, str(message)))
        # Keep what the protocol requires of the error, e.g. `Allow` on a 405.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response | str, int]:
        # Generic page, never a traceback; the details go to the log only.
        logger.error("request.failed", exc_info=error, extra=request_fields())
        return error_response(
            500, "server_error", _("Une erreur interne est survenue. L'équipe a été prévenue.")
        )

"""The `/api/v1` blueprint: bearer tokens only, JSON in and out, no cookies, rate-limited per token.

Authentication happens before every view: a valid `Authorization: Bearer <token>` gives the token's
user as the actor (`api_actor()`); a browser session cookie is never read here (the session
interface hands API requests an empty session), so CSRF protection is not needed on this blueprint.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, g, jsonify, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address

from cyberreponse.actors import Actor
from cyberreponse.crypto import token_digest
from cyberreponse.errors import Conflict, DomainError, Invalid
from cyberreponse.extensions import csrf, limiter
from cyberreponse.logs import log_event
from cyberreponse.services import api_tokens
from cyberreponse.services.accounts import actor_for
from cyberreponse.web.context import client_ip, db_session, settings
from cyberreponse.web.denials import log_denial

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Query parameters that would put a secret in URLs, logs and browser history (ASVS 14.2.1).
TOKEN_QUERY_PARAMETERS = frozenset({"access_token", "token", "api_key", "apikey", "key", "bearer", "auth"})
MAX_BODY_BYTES = 100_000


def api_error(
    status: int,
    code: str,
    message: str,
    *,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    changes: dict[str, dict[str, str]] | None = None,
) -> tuple[Response, int]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if changes is not None:
        body["changes"] = changes
    response = jsonify({"error": body})
    response.headers.update(headers or {})
    return response, status


def _bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip() or len(secret) > 200:
        return None
    return secret.strip()


def _rate_limit_key() -> str:
    """One bucket per presented token (its digest, never the token), else per client address."""
    secret = _bearer_secret()
    return "token:" + token_digest(secret) if secret else "ip:" + get_remote_address()


def _token_limit() -> str:
    return settings().get_str("api.rate_limit")


def _ip_limit() -> str:
    return settings().get_str("api.ip_rate_limit")


limiter.shared_limit(_token_limit, scope="api-token", key_func=_rate_limit_key)(bp)
limiter.shared_limit(_ip_limit, scope="api-ip", key_func=get_remote_address)(bp)


def api_actor() -> Actor:
    """The actor behind the request's token (set by `_authenticate`)."""
    actor: Actor = g.api_actor
    return actor


def _unauthorized(message: str, error: str | None = None) -> tuple[Response, int]:
    challenge = 'Bearer realm="api"' + (f', error="{error}"' if error else "")
    return api_error(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


@bp.before_request
def _authenticate() -> ResponseReturnValue | None:
    if any(name.lower() in TOKEN_QUERY_PARAMETERS for name in request.args):
        # Refused before anything else, and the query string is never logged.
        log_event(logger, "api.token_in_url", level=logging.WARNING, path=request.path, ip=client_ip())
        return api_error(
            400,
            "token_in_url",
            "Le jeton se transmet dans l'en-tête Authorization: Bearer, jamais dans l'URL.",
        )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return api_error(413, "too_large", "Le corps de la requête est trop volumineux.")
    secret = _bearer_secret()
    if secret is None:
        log_denial(401, "no_token")
        return _unauthorized("Jeton d'API requis (en-tête Authorization: Bearer).")
    found = api_tokens.authenticate(db_session(), secret)
    if found is None:
        log_denial(401, "invalid_token")
        return _unauthorized("Jeton d'API invalide, expiré ou révoqué.", "invalid_token")
    user, _token = found
    g.api_actor = actor_for(user, client_ip())
    g.api_user = user.public_id
    return _refuse_undeclared_query_parameters()


def _refuse_undeclared_query_parameters() -> ResponseReturnValue | None:
    """Only the query parameters an operation documents are accepted (ASVS 2.2.1): a typo such
    as `?kinds=` is an error, not a silently ignored filter."""
    view = current_app.view_functions.get(request.endpoint or "")
    spec = getattr(view, "openapi_operation", None) or {}
    declared = {p["name"] for p in spec.get("parameters", []) if p.get("in") == "query"}
    unknown = sorted(set(request.args) - declared)
    if not unknown:
        return None
    return api_error(
        400,
        "invalid",
        "Paramètre(s) inconnu(s) : " + ", ".join(unknown[:5]) + ".",
        fields={name: "Paramètre inconnu." for name in unknown[:20]},
    )


@bp.errorhandler(Invalid)
def _invalid(error: Invalid) -> tuple[Response, int]:
    return api_error(400, error.code, error.message, fields=error.errors)


@bp.errorhandler(Conflict)
def _conflict(error: Conflict) -> tuple[Response, int]:
    changes = {
        field: {"current": str(current), "requested": str(requested)}
        for field, (current, requested) in error.changes.items()
    }
    return api_error(409, error.code, error.message, changes=changes)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> tuple[Response, int]:
    if error.http_status in (403, 404):
        log_denial(error.http_status, error.code)
    return api_error(error.http_status, error.code, error.message)


class CookielessApiSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions for pages; API requests get an empty session that is never saved,
    so a browser's cookie can neither authenticate an API call nor be refreshed by one."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(API_PREFIX):
            # NullSession is a SecureCookieSession that refuses writes and is never saved.
            null: SecureCookieSession = self.null_session_class()
            return null
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = CookielessApiSessionInterface()
    csrf.exempt(bp)

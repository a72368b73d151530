"""Access refusals, logged in one shape wherever they happen (ASVS 16.2.1, 16.3.1–16.3.3).

Each refusal is one `access.denied` event with who (the user's public id, never the e-mail), from
where (client address), which route (the URL rule and the path, never the query string, which could
hold a misplaced secret, nor a secret URL parameter) and the status; the formatter adds the UTC time.
Nothing from the object asked for — an incident's title or content — ever reaches these lines.
"""

from __future__ import annotations

import logging

from flask import g, request
from flask_login import current_user

from cyberreponse.logs import log_event
from cyberreponse.web.context import client_ip

logger = logging.getLogger("cyberreponse.access")

# URL parameters that are secrets (a reporter's follow-up link is a capability): never in the logs,
# not even when wrong — a near miss would still tell a reader of the logs what the real one looks like.
SECRET_URL_PARAMETERS = frozenset({"token"})


def _user() -> str | None:
    """The API token's user when the API authenticated one, else the signed-in browser's."""
    api_user = g.get("api_user")
    if isinstance(api_user, str):
        return api_user
    if request.path.startswith("/api/"):
        return None  # the API never reads browser sessions
    if current_user and current_user.is_authenticated:
        return str(current_user.public_id)
    return None


def request_fields() -> dict[str, str | None]:
    """Who asked what, from where: the fields every security event of a request carries."""
    return {
        "user": _user(),
        "ip": client_ip(),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else None,
        "path": _loggable_path(),
    }


def _loggable_path() -> str:
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_URL_PARAMETERS and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def log_denial(status: int, reason: str, event: str = "access.denied") -> None:
    log_event(logger, event, level=logging.WARNING, status=status, reason=reason, **request_fields())

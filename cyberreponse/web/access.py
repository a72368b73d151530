"""Route guards by role. Object-level scoping is the services' job (scoped queries)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, request
from flask_login import current_user, login_required

from cyberreponse.actors import ADMIN, STAFF_ROLES
from cyberreponse.logs import log_event
from cyberreponse.web.context import client_ip

F = TypeVar("F", bound=Callable[..., Any])
logger = logging.getLogger(__name__)


def roles_required(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                log_event(
                    logger,
                    "access.denied",
                    level=logging.WARNING,
                    path=request.path,
                    user=current_user.public_id,
                    ip=client_ip(),
                    status=403,
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = roles_required(*STAFF_ROLES)
admin_required = roles_required(ADMIN)

"""Route guards by role. Object-level scoping is the services' job (scoped queries)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from cyberreponse.actors import ADMIN, STAFF_ROLES
from cyberreponse.web.denials import log_denial

F = TypeVar("F", bound=Callable[..., Any])


def roles_required(*roles: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                log_denial(403, "role")
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


staff_required = roles_required(*STAFF_ROLES)
admin_required = roles_required(ADMIN)

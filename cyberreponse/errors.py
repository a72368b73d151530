"""Domain errors raised by services; one error handler maps them to HTTP responses."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class Conflict(DomainError):
    code = "conflict"
    http_status = 409

    def __init__(self, message: str, changes: dict[str, tuple[object, object]] | None = None) -> None:
        super().__init__(message)
        self.changes = changes or {}


class Invalid(DomainError):
    """Bad input: `errors` maps a field (or "line N") to a French message."""

    code = "invalid"
    http_status = 400

    def __init__(self, field: str, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors if errors is not None else {field: message}


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429


class Unauthenticated(DomainError):
    """Credentials missing or wrong (HTTP 401), e.g. a failed re-authentication."""

    code = "unauthorized"
    http_status = 401

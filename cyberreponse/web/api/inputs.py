"""Reading API input strictly: a JSON object with known fields only (no mass assignment), and
typed query parameters. Anything else is a 400 that names the field."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from flask import request

from cyberreponse.errors import Invalid


def json_object(allowed: Iterable[str], required: Iterable[str] = ()) -> dict[str, Any]:
    if not request.is_json:
        raise Invalid("body", "Le corps doit être un objet JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid("body", "Le corps doit être un objet JSON valide.")
    known = set(allowed)
    unknown = sorted(set(body) - known)
    if unknown:
        errors = {name: "Champ inconnu." for name in unknown}
        raise Invalid(unknown[0], "Champ(s) inconnu(s) : " + ", ".join(unknown) + ".", errors)
    missing = [name for name in required if name not in body]
    if missing:
        errors = {name: "Champ obligatoire." for name in missing}
        raise Invalid(missing[0], "Champ(s) obligatoire(s) : " + ", ".join(missing) + ".", errors)
    return body


def text_field(body: dict[str, Any], name: str, max_length: int) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise Invalid(name, f"« {name} » doit être une chaîne de caractères.")
    if len(value) > max_length:
        raise Invalid(name, f"« {name} » ne peut dépasser {max_length} caractères.")
    return value


def query_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not minimum <= int(raw) <= maximum:
        raise Invalid(name, f"« {name} » doit être un entier de {minimum} à {maximum}.")
    return int(raw)


def query_text(name: str, max_length: int) -> str:
    value = request.args.get(name, "")
    if len(value) > max_length:
        raise Invalid(name, f"« {name} » ne peut dépasser {max_length} caractères.")
    return value


def query_choice(name: str, allowed: Iterable[str]) -> str:
    options = tuple(allowed)
    value = request.args.get(name, "")
    if value and value not in options:
        raise Invalid(name, f"« {name} » doit valoir : " + ", ".join(options) + ".")
    return value


def nullable_text(body: dict[str, Any], name: str, max_length: int) -> str:
    """A string field that may be null (read as empty: "clear this field")."""
    if body.get(name) is None:
        return ""
    return text_field(body, name, max_length)


def boolean_field(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise Invalid(name, f"« {name} » doit valoir true ou false.")
    return value


def integer_field(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(name, f"« {name} » doit être un entier.")
    return value


def datetime_field(body: dict[str, Any], name: str) -> datetime | None:
    """An RFC 3339 date-time with its offset (`2026-11-28T09:30:00+01:00`, `…Z`); null is None."""
    raw = body.get(name)
    if raw is None:
        return None
    if not isinstance(raw, str) or len(raw) > 40:
        raise Invalid(name, f"« {name} » doit être une date-heure RFC 3339 (2026-11-28T09:30:00+01:00).")
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError as error:
        raise Invalid(
            name, f"« {name} » doit être une date-heure RFC 3339 (2026-11-28T09:30:00+01:00)."
        ) from error
    if moment.tzinfo is None:
        raise Invalid(name, f"« {name} » doit indiquer son fuseau (Z ou +01:00).")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError as error:
        raise Invalid(name, f"« {name} » est hors des dates acceptées.") from error
    if not 2000 <= moment.year <= 2999:
        # Far enough from the calendar's ends that converting to Paris time never overflows.
        raise Invalid(name, f"« {name} » est hors des dates acceptées.")
    return moment


def query_flag(name: str) -> bool:
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise Invalid(name, f"« {name} » doit valoir true ou false.")
    return raw == "true"

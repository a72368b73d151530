"""Reading API input strictly: a JSON object with known fields only (no mass assignment), and
typed query parameters. Anything else is a 400 that names the field."""

from __future__ import annotations

from collections.abc import Iterable
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

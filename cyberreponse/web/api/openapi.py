"""The OpenAPI 3.1 document of `/api/v1`, built from the routes themselves.

Each API view declares its operation next to its code with `@operation(...)`; shared schemas are
registered with `schema(name, definition)`. `build_document(app)` walks the URL map, so a path in
the document always exists and every route must be documented (a test checks both). Later
endpoints add themselves the same way: define the view on `bp`, decorate it with `@operation`,
register its schemas, import its module in `web/api/__init__.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from flask import Flask

F = TypeVar("F", bound=Callable[..., Any])

_SCHEMAS: dict[str, dict[str, Any]] = {}
_PATH_PARAMETER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

ERROR_DESCRIPTIONS = {
    400: "Requête invalide (paramètre, corps JSON ou champ inconnu)",
    401: "Jeton absent, invalide, expiré ou révoqué",
    403: "Action non permise pour ce rôle",
    404: "Introuvable, ou hors du périmètre du jeton",
    409: "Conflit avec l'état existant",
    413: "Corps de requête trop volumineux",
    429: "Trop de requêtes pour ce jeton",
}
# Every authenticated operation can answer these.
COMMON_ERRORS = (400, 401, 413, 429)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def schema(name: str, definition: dict[str, Any]) -> dict[str, str]:
    """Register a component schema; return a reference to it."""
    if name in _SCHEMAS and _SCHEMAS[name] != definition:
        raise ValueError(f"OpenAPI schema {name} registered twice with different definitions")
    _SCHEMAS[name] = definition
    return ref(name)


schema(
    "Error",
    {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}},
                    # 409 on an incident: the fields someone else changed meanwhile.
                    "changes": {
                        "type": "object",
                        "additionalProperties": {
                            "type": "object",
                            "required": ["current", "requested"],
                            "additionalProperties": False,
                            "properties": {"current": {"type": "string"}, "requested": {"type": "string"}},
                        },
                    },
                },
            }
        },
    },
)


def path_parameter(name: str, description: str, **rules: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string", **rules},
    }


def optional_choice(values: Iterable[str]) -> dict[str, Any]:
    """A query filter's values; empty (`?severity=`) is accepted as "no filter" (web/api/inputs.py,
    `query_choice`), so the document says so rather than letting clients believe it is refused."""
    return {"type": "string", "enum": [*values, ""]}


def query_parameter(name: str, description: str, value_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": value_schema,
    }


def json_body(body_schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": body_schema}}}


def operation(
    *,
    summary: str,
    tag: str,
    responses: Mapping[int, tuple[str, dict[str, Any] | None]],
    errors: Sequence[int] = (),
    parameters: Sequence[dict[str, Any]] = (),
    request_body: dict[str, Any] | None = None,
    description: str = "",
) -> Callable[[F], F]:
    """Attach an OpenAPI operation to a view: `responses` maps success codes to (description,
    schema or None for no body); `errors` lists the error statuses beyond the common ones."""

    def decorator(view: F) -> F:
        described: dict[str, Any] = {}
        for status, (text, body) in responses.items():
            entry: dict[str, Any] = {"description": text}
            if body is not None:
                entry["content"] = {"application/json": {"schema": body}}
            described[str(status)] = entry
        for status in sorted({*COMMON_ERRORS, *errors}):
            described[str(status)] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": ref("Error")}},
            }
        spec: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": described}
        if description:
            spec["description"] = description
        if parameters:
            spec["parameters"] = list(parameters)
        if request_body is not None:
            spec["requestBody"] = request_body
        view.openapi_operation = spec  # type: ignore[attr-defined]
        return view

    return decorator


def undocumented_routes(app: Flask) -> list[str]:
    return [
        f"{sorted(rule.methods or ())} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and getattr(app.view_functions[rule.endpoint], "openapi_operation", None) is None
    ]


def build_document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        spec = getattr(app.view_functions[rule.endpoint], "openapi_operation", None)
        if spec is None:
            continue
        path = _PATH_PARAMETER.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = {
                **spec,
                "operationId": f"{rule.endpoint}.{method.lower()}",
            }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CybeRéponse API",
            "version": "1",
            "description": (
                "API du CSIRT régional. Authentification : en-tête `Authorization: Bearer <jeton>` "
                "(jamais dans l'URL). Un jeton agit avec le rôle et le périmètre de son titulaire. "
                'Erreurs : `{"error": {"code", "message"}}`.'
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": dict(sorted(_SCHEMAS.items())),
        },
    }

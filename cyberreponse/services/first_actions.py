"""The first-actions pages shown to reporters: one per situation, from `data/first_actions.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cyberreponse.datafiles import DataFileError
from cyberreponse.incident_labels import SITUATION_LABELS

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "first_actions.toml"
_KEYS = {"title": str, "summary": str, "now": list, "avoid": list, "then": list}


@dataclass(frozen=True)
class FirstActions:
    situation: str
    title: str
    summary: str
    now: tuple[str, ...]
    avoid: tuple[str, ...]
    then: tuple[str, ...]


def _entry(path: Path, situation: str, body: Any) -> FirstActions:
    if not isinstance(body, dict):
        raise DataFileError(path, situation, "expected a [table] with title, summary, now, avoid, then")
    unknown = set(body) - set(_KEYS)
    if unknown:
        raise DataFileError(path, f"{situation}.{sorted(unknown)[0]}", "unknown key")
    for key, kind in _KEYS.items():
        value = body.get(key)
        if not isinstance(value, kind) or not value:
            raise DataFileError(path, f"{situation}.{key}", f"expected a non-empty {kind.__name__}")
        if kind is list and not all(isinstance(item, str) and item.strip() for item in value):
            raise DataFileError(path, f"{situation}.{key}", "expected a list of non-empty strings")
    return FirstActions(
        situation,
        body["title"],
        body["summary"],
        tuple(body["now"]),
        tuple(body["avoid"]),
        tuple(body["then"]),
    )


def load_first_actions(path: Path = DATA_FILE) -> dict[str, FirstActions]:
    """Every situation of the form must have its page; nothing else may be there."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DataFileError(path, "(file)", f"invalid TOML: {error}") from error
    missing = [situation for situation in SITUATION_LABELS if situation not in data]
    if missing:
        raise DataFileError(path, missing[0], "missing situation (every situation of the form needs a page)")
    extra = [key for key in data if key not in SITUATION_LABELS]
    if extra:
        raise DataFileError(path, extra[0], "unknown situation (known: " + ", ".join(SITUATION_LABELS) + ")")
    return {situation: _entry(path, situation, body) for situation, body in data.items()}


@cache
def first_actions() -> dict[str, FirstActions]:
    return load_first_actions()

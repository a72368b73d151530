"""Errors of data files people edit (first actions, playbooks, questionnaires)."""

from __future__ import annotations

from pathlib import Path


class DataFileError(Exception):
    """A data file is not as expected: says which file, which key, and what was expected."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        self.path = str(path)
        self.key = key
        self.message = message
        super().__init__(f"{path}: {key}: {message}")

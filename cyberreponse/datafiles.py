"""Errors for the data files people edit (playbooks, the NIS2 questionnaire, the port catalogue)."""

from __future__ import annotations

from pathlib import Path


class DataFileError(Exception):
    """A data file is wrong: which file, which key (or line), and what was expected."""

    def __init__(self, path: str | Path, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")
        self.path = str(path)
        self.key = key
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}: {self.key}: {self.message}"

"""Errors in the data files people edit (the risky-port catalogue here; playbooks elsewhere)."""

from __future__ import annotations

from pathlib import Path


class DataFileError(ValueError):
    """A data file is wrong: which file, which key (or line), and what was expected."""

    def __init__(self, path: Path | str, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}")
        self.path = Path(path)
        self.key = key
        self.message = message

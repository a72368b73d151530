"""The CLI against a real database file of its own, configured through the environment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cyberreponse.db import Database
from cyberreponse.migrate import upgrade
from tests.conftest import environ_for_tests


@dataclass
class CliDatabase:
    url: str
    database: Database


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliDatabase]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    for name, value in environ_for_tests(
        CYBERREPONSE_DATABASE_URL=url, CYBERREPONSE_INSTANCE=str(tmp_path)
    ).items():
        monkeypatch.setenv(name, value)
    database = Database.from_url(url)
    with database.engine.begin() as connection:
        upgrade(connection)
    yield CliDatabase(url, database)
    database.engine.dispose()

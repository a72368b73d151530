"""Helpers for tests that run real `cyberreponse` processes on a database of their own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine

from cyberreponse.clock import now
from cyberreponse.db import Database
from cyberreponse.migrate import upgrade
from cyberreponse.models import Asset, Organisation
from tests.conftest import environ_for_tests, fresh_postgres_database, postgres_url


def shared_database(tmp_path: Path, name: str) -> str:
    """A database the test and its processes share: a fresh PostgreSQL one, or a SQLite file."""
    base = postgres_url()
    if base:
        return fresh_postgres_database(base, f"cyberreponse_{name}_{os.getpid()}")
    return f"sqlite:///{tmp_path / (name + '.sqlite3')}"


def migrated(url: str) -> Database:
    database = Database.from_url(url)
    with database.engine.begin() as connection:
        upgrade(connection)
    return database


def add_members(database: Database, domains: list[str]) -> None:
    with database.session_scope() as session:
        for index, domain in enumerate(domains):
            organisation = Organisation(
                siren=f"{200000000 + index:09d}",
                name=f"Commune {index}",
                kind="commune",
                scan_consent_at=now(),
                scan_consent_given_by="Le maire",
            )
            organisation.assets.append(Asset(kind="domain", value=domain))
            session.add(organisation)
        session.commit()


def process_environment(url: str, tmp_path: Path, overrides: dict[str, str]) -> dict[str, str]:
    return {
        **environ_for_tests(CYBERREPONSE_DATABASE_URL=url, CYBERREPONSE_INSTANCE=str(tmp_path), **overrides),
        "PATH": os.environ["PATH"],
    }


def start(arguments: list[str], environ: dict[str, str], log: Path) -> subprocess.Popen[str]:
    handle = log.open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "cyberreponse.cli", *arguments],
        env=environ,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def dispose(engine: Engine) -> None:
    engine.dispose()


__all__ = ["add_members", "create_engine", "migrated", "process_environment", "shared_database", "start"]

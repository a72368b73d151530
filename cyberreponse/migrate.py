"""Alembic, driven from code: `cyberreponse init` and the tests upgrade the schema to head."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from cyberreponse.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    command.upgrade(alembic_config(connection), revision)

"""Alembic environment: the models' metadata; a connection handed in by the app, or a URL."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from cyberreponse.config import load_settings, resolve_database_url
from cyberreponse.db import make_engine
from cyberreponse.models import Base
from cyberreponse.models.base import EncryptedBytes, EncryptedText, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | bool:
    """Write the application's column types as the plain types they store, so that migrations
    do not import application code that may change later."""
    if kind == "type":
        if isinstance(item, UTCDateTime):
            return "sa.DateTime(timezone=True)"
        if isinstance(item, EncryptedText):
            return "sa.Text()"
        if isinstance(item, EncryptedBytes):
            return "sa.LargeBinary()"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or resolve_database_url(
        load_settings(require_secrets=False)
    )
    with make_engine(url).connect() as connection:
        _run(connection)
        connection.commit()


run_migrations_online()

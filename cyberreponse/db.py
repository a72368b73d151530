"""Engine and sessions. SQLite gets WAL and foreign keys; PostgreSQL is used as is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _explicit_transactions(engine: Engine) -> None:
    """SQLAlchemy's recipe for real SAVEPOINT support on pysqlite: SQLAlchemy emits BEGIN itself."""

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def make_engine(url: str, echo: bool = False, *, sqlite_savepoints: bool = False) -> Engine:
    """`sqlite_savepoints` is for tests, which wrap each test in a transaction of savepoints. The
    application keeps pysqlite's default, where a write transaction starts at its first write and
    so never holds a stale read snapshot (which would fail with SQLITE_BUSY under concurrency)."""
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"timeout": 10})
        event.listen(engine, "connect", _configure_sqlite)
        if sqlite_savepoints:
            _explicit_transactions(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=10)


class Database:
    """Owns the engine and hands out sessions. Tests bind it to one connection in a transaction."""

    def __init__(self, engine: Engine, bind: Engine | Connection | None = None) -> None:
        self.engine = engine
        # Tests bind every session to one connection, which only one thread may use at a time.
        self.shares_one_connection = isinstance(bind, Connection)
        options: dict[str, Any] = {"expire_on_commit": False}
        if isinstance(bind, Connection):
            # Test mode: service commits become savepoints inside the test's outer transaction.
            options["join_transaction_mode"] = "create_savepoint"
        self.sessionmaker: sessionmaker[Session] = sessionmaker(bind=bind or engine, **options)

    @classmethod
    def from_url(cls, url: str, echo: bool = False) -> Database:
        return cls(make_engine(url, echo))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session for a CLI command or a job; rolled back if the block fails."""
        session = self.sessionmaker()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def is_reachable(self) -> bool:
        try:
            with self.sessionmaker() as session:
                session.execute(text("SELECT 1"))
            return True
        except Exception:  # any driver error means "not reachable" for the health check
            return False

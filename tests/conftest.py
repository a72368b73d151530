"""Shared fixtures: a real database per test worker (SQLite, or PostgreSQL when
CYBERREPONSE_TEST_DATABASE_URL says so), each test inside a transaction rolled back at the end."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.clock import now
from cyberreponse.config import Settings, load_settings
from cyberreponse.crypto import Keyring, install_keyring
from cyberreponse.db import Database, make_engine
from cyberreponse.extensions import limiter
from cyberreponse.migrate import upgrade
from cyberreponse.models import User
from tests.factories import PASSWORD

pytest_plugins = ["tests.network_guard", "tests.peers.smtp", "tests.peers.clamd"]

TEST_SECRET_KEY = "test-secret-key-" + "0" * 40
TEST_ENCRYPTION_KEY = Fernet.generate_key().decode()


def environ_for_tests(**extra: str) -> dict[str, str]:
    environ = {
        "CYBERREPONSE_SECRET_KEY": TEST_SECRET_KEY,
        "CYBERREPONSE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY,
        "CYBERREPONSE_MAIL__ENABLED": "false",
    }
    environ.update(extra)
    return environ


def postgres_url() -> str | None:
    url = os.environ.get("CYBERREPONSE_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def fresh_postgres_database(base_url: str, name: str) -> str:
    """A database of its own for this test worker, created anew."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    base = postgres_url()
    if base:
        # Several checkouts may run their suites at once on this server: one database each.
        checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
        return fresh_postgres_database(base, f"cyberreponse_test_{checkout}_{worker_id}")
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, sqlite_savepoints=True)
    with engine.begin() as connection:
        upgrade(connection)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def keyring() -> Keyring:
    ring = Keyring([TEST_ENCRYPTION_KEY])
    install_keyring(ring)
    return ring


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    connection = engine.connect()
    transaction = connection.begin()
    yield connection
    transaction.rollback()
    connection.close()


@pytest.fixture
def db(engine: Engine, connection: Connection) -> Database:
    return Database(engine, bind=connection)


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    session = db.session()
    yield session
    session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(environ=environ_for_tests(), instance_path=tmp_path)


@pytest.fixture
def app(settings: Settings, db: Database) -> Flask:
    app = create_app(settings=settings, database=db)
    app.config["TESTING"] = True
    with app.app_context():
        limiter.reset()
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def totp_code(user: User) -> str:
    """A valid code for the user that was not used yet (codes are single-use)."""
    assert user.totp_secret
    step = int(now().timestamp()) // 30
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    return pyotp.TOTP(user.totp_secret).generate_otp(step)


def login(client: FlaskClient, user: User, password: str = PASSWORD) -> None:
    """Sign in through the real pages: password, then TOTP when enrolled."""
    response = client.post(
        "/connexion",
        data={"email": user.email, "password": password, "csrf_token": csrf_token(client, "/connexion")},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"].endswith("/connexion/verification"):
        response = client.post(
            "/connexion/verification",
            data={"code": totp_code(user), "csrf_token": csrf_token(client, "/connexion/verification")},
        )
        assert response.status_code == 302


def csrf_token(client: FlaskClient, path: str) -> str:
    """The CSRF token a real browser would find in the page's form."""
    import re

    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)

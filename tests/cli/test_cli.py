"""The command line on a fresh instance: init, members, users, audit, serve (real processes)."""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from tests.factories import valid_siren

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "instance"


@pytest.fixture
def run(instance: Path) -> Run:
    """Run `cyberreponse ARGS` with only the instance folder configured, like a fresh machine."""

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        environ = {
            "PATH": os.environ["PATH"],
            "CYBERREPONSE_INSTANCE": str(instance),
            "HOME": str(instance.parent),
        }
        return subprocess.run(
            [sys.executable, "-m", "cyberreponse.cli", *args],
            env=environ,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def test_init_generates_secrets_schema_and_first_admin_once(run: Run, instance: Path) -> None:
    first = run("init")
    assert first.returncode == 0, first.stderr
    secrets_file = instance / "secrets.toml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert "secret_key" in secrets_file.read_text() and "encryption_keys" in secrets_file.read_text()
    assert re.search(r"One-time password \(shown once\): \S{20,}", first.stdout)
    assert "It opens one sign-in and expires in 72 hours." in first.stdout
    database = sqlite3.connect(instance / "cyberreponse.sqlite3")
    expires = database.execute("SELECT password_expires_at FROM user_account").fetchone()[0]
    assert expires is not None  # the first admin's one-time password dies if nobody uses it (ASVS 6.4.1)
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("SELECT count(*) FROM user_account WHERE role = 'admin'").fetchone()[0] == 1

    second = run("init")
    assert second.returncode == 0
    assert "One-time password" not in second.stdout
    assert "An administrator exists already" in second.stdout
    assert database.execute("SELECT count(*) FROM user_account").fetchone()[0] == 1


def test_members_import_then_consent_from_the_command_line(run: Run, instance: Path, tmp_path: Path) -> None:
    assert run("init").returncode == 0
    siren = valid_siren()
    good = tmp_path / "members.csv"
    good.write_text(
        f"siren,name,kind,parent_siren,nis2_status,domains\n{siren},Commune de Test,commune,,unknown,"
        "commune-test.test\n",
        "utf-8",
    )
    result = run("members", "import", str(good))
    assert result.returncode == 0, result.stderr
    assert "Imported 1 organisations and 1 domains." in result.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"siren,name,kind,parent_siren,nis2_status,domains\n{valid_siren()},Autre,commune,,unknown,\n"
        "12,Fausse,commune,,unknown,\n",
        "utf-8",
    )
    result = run("members", "import", str(bad))
    assert result.returncode == 1
    assert "line 3: SIREN" in result.stderr and "nothing was written" in result.stderr
    database = sqlite3.connect(instance / "cyberreponse.sqlite3")
    assert database.execute("SELECT count(*) FROM organisation").fetchone()[0] == 1

    result = run("members", "consent", siren, "--given-by", "Marie Dupont, maire")
    assert result.returncode == 0, result.stderr
    row = database.execute("SELECT scan_consent_given_by, scan_consent_at FROM organisation").fetchone()
    assert row[0] == "Marie Dupont, maire" and row[1]


def test_users_create_reads_the_password_from_stdin(run: Run, instance: Path) -> None:
    assert run("init").returncode == 0
    result = run(
        "users",
        "create",
        "analyste@example.test",
        "--role",
        "analyst",
        "--name",
        "Ana Lyste",
        "--password-stdin",
        stdin="Une phrase de passe solide 2026\n",
    )
    assert result.returncode == 0, result.stderr
    assert "One-time password" not in result.stdout
    weak = run(
        "users",
        "create",
        "autre@example.test",
        "--role",
        "analyst",
        "--password-stdin",
        stdin="azerty123456\n",
    )
    assert weak.returncode == 1 and "trop courant" in weak.stderr
    member = run("users", "create", "rssi@example.test", "--role", "member", "--org", "123456782")
    assert member.returncode == 1 and "SIREN inconnu" in member.stderr


def test_audit_verify_detects_a_changed_row(run: Run, instance: Path) -> None:
    assert run("init").returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "chain intact" in ok.stdout
    database = sqlite3.connect(instance / "cyberreponse.sqlite3")
    database.execute("UPDATE audit_event SET actor = 'intrus' WHERE id = 1")
    database.commit()
    broken = run("audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at audit event 1" in broken.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_the_french_home_and_login_pages(run: Run, instance: Path) -> None:
    assert run("init").returncode == 0
    port = _free_port()
    environ = {"PATH": os.environ["PATH"], "CYBERREPONSE_INSTANCE": str(instance)}
    server = subprocess.Popen(
        [sys.executable, "-m", "cyberreponse.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                home = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert home.status_code == 200 and "Signaler un incident" in home.text
        login = requests.get(f"http://127.0.0.1:{port}/connexion", timeout=5)
        assert login.status_code == 200 and "Mot de passe" in login.text
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
        assert login.headers["Server"] == "CybeReponse"  # no server name or version disclosed
    finally:
        server.terminate()
        server.wait(timeout=10)

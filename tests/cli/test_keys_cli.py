"""Encryption keys from the command line (ASVS 11.1.2, 11.2.2, 13.3.1): `keys generate`, `keys rotate`
on a real instance, and an app that refuses to start without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from cyberreponse.crypto import DecryptionError, Keyring, install_keyring
from cyberreponse.db import Database
from cyberreponse.models import Attachment, Incident
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.factories import make_incident


def cyberreponse(instance: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cyberreponse.cli", *args],
        env={"PATH": os.environ["PATH"], "CYBERREPONSE_INSTANCE": str(instance), **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


def stored_incident(instance: Path, ring: Keyring) -> tuple[str, bytes]:
    install_keyring(ring)
    database = Database.from_url(f"sqlite:///{instance / 'cyberreponse.sqlite3'}")
    try:
        with database.session_scope() as session:
            incident = session.scalars(select(Incident)).one()
            return incident.description, incident.attachments[0].content
    finally:
        database.engine.dispose()


def test_keys_rotate_moves_every_value_to_the_new_key_and_the_old_one_can_then_go(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    assert cyberreponse(instance, "init").returncode == 0
    secrets = tomllib.loads((instance / "secrets.toml").read_text())
    old_key = secrets["security"]["encryption_keys"]
    install_keyring(Keyring([old_key]))
    database = Database.from_url(f"sqlite:///{instance / 'cyberreponse.sqlite3'}")
    with database.session_scope() as session:
        incident = make_incident(session, description="Rançon demandée par courriel.")
        incident.attachments.append(
            Attachment(
                uploaded_by="x",
                source="reporter",
                display_name="note.txt",
                sniffed_type="text",
                size=5,
                sha256="c" * 64,
                content=b"preuve",
            )
        )
        session.commit()
    database.engine.dispose()

    new_key = cyberreponse(instance, "keys", "generate").stdout.strip()
    rotated = cyberreponse(instance, "keys", "rotate", CYBERREPONSE_ENCRYPTION_KEYS=f"{new_key},{old_key}")
    assert rotated.returncode == 0, rotated.stderr
    assert "incident.description: 1 value(s) re-encrypted" in rotated.stdout
    assert "attachment.content: 1 value(s) re-encrypted" in rotated.stdout
    try:
        # The new key alone now reads everything; the old key alone reads nothing any more.
        assert stored_incident(instance, Keyring([new_key])) == ("Rançon demandée par courriel.", b"preuve")
        with pytest.raises(DecryptionError):
            stored_incident(instance, Keyring([old_key]))
    finally:
        install_keyring(Keyring([TEST_ENCRYPTION_KEY]))


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["audit", "verify"], ["keys", "rotate"]])
def test_the_app_refuses_to_start_without_its_secrets(tmp_path: Path, command: list[str]) -> None:
    result = cyberreponse(tmp_path / "empty-instance", *command)
    assert result.returncode == 2
    assert "security.secret_key" in result.stderr and "cyberreponse init" in result.stderr
    assert "Traceback" not in result.stderr

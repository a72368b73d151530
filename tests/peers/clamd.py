"""A real clamd (ClamAV's daemon, Debian's clamav-daemon) on loopback, one per test session.

freshclam cannot reach the Internet here, so the daemon loads a database directory holding one
signature of our own: a body signature (`.ndb`) that matches the EICAR test string anywhere in a
file, inside archives too. clamd listens on a free TCP port of 127.0.0.1 and on a Unix socket in a
temporary folder; it loads one signature in about half a second, so the fixture is session-scoped.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cyberreponse.clamd import ClamdClient
from tests.peers.servers import free_port

CLAMD = Path("/usr/sbin/clamd")
# The EICAR anti-virus test file (eicar.org): harmless, detected by every antivirus.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SIGNATURE_NAME = "CybeReponse.Test.EICAR"
# clamd adds ".UNOFFICIAL" to the names of signatures that are not from ClamAV's own databases.
REPORTED_NAME = SIGNATURE_NAME + ".UNOFFICIAL"


@dataclass
class ClamdPeer:
    tcp_address: str
    unix_address: str
    process: subprocess.Popen[bytes]

    def settings_overrides(self, address: str | None = None) -> dict[str, object]:
        return {"uploads.antivirus": "clamd", "uploads.clamd_address": address or self.tcp_address}


def _write_config(folder: Path, port: int) -> Path:
    database = folder / "db"
    database.mkdir()
    # Offset "*": the string may appear anywhere in the scanned content.
    (database / "test.ndb").write_text(f"{SIGNATURE_NAME}:0:*:{EICAR.hex()}\n")
    config = folder / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"DatabaseDirectory {database}",
                "TCPAddr 127.0.0.1",
                f"TCPSocket {port}",
                f"LocalSocket {folder / 'clamd.sock'}",
                f"LogFile {folder / 'clamd.log'}",
                f"PidFile {folder / 'clamd.pid'}",
                # Above the largest file the app accepts (uploads.max_file_mb).
                "StreamMaxLength 30M",
                "SelfCheck 0",
                "",
            ]
        )
    )
    return config


@pytest.fixture(scope="session")
def clamd_peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClamdPeer]:
    if not CLAMD.exists():
        pytest.fail("clamd is missing: `make test` installs clamav-daemon (system-deps)")
    folder = tmp_path_factory.mktemp("clamd")
    port = free_port("127.0.0.1")
    config = _write_config(folder, port)
    process = subprocess.Popen(
        [str(CLAMD), "--config-file", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peer = ClamdPeer(f"tcp://127.0.0.1:{port}", f"unix://{folder / 'clamd.sock'}", process)
    deadline = time.monotonic() + 60
    while not (ClamdClient(peer.tcp_address, 2).ping() and ClamdClient(peer.unix_address, 2).ping()):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log = (folder / "clamd.log").read_text() if (folder / "clamd.log").exists() else ""
            pytest.fail(f"clamd did not start: {process.stderr.read() if process.stderr else b''!r} {log}")
        time.sleep(0.05)
    yield peer
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def unused_tcp_address() -> str:
    """A loopback port where nothing listens: clamd "down"."""
    return f"tcp://127.0.0.1:{free_port('127.0.0.1')}"

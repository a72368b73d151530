"""`cyberreponse serve` says loudly when uploads are not scanned for viruses (the `make run` default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.peers.servers import free_port


def stderr_of_serve(instance: Path, **environ: str) -> str:
    env = {"PATH": os.environ["PATH"], "CYBERREPONSE_INSTANCE": str(instance), **environ}
    init = subprocess.run(
        [sys.executable, "-m", "cyberreponse.cli", "init"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    command = ["serve", "--host", "127.0.0.1", "--port", str(free_port("127.0.0.1"))]
    server = subprocess.Popen(
        [sys.executable, "-m", "cyberreponse.cli", *command],
        env={**env, "CYBERREPONSE_JOBS__SCHEDULER_IN_SERVE": "false"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stderr is not None
        server.stdout.readline()  # "Serving CybeRéponse on …": the warning, if any, came before it
        server.terminate()
        return server.stderr.read()
    finally:
        server.kill()
        server.wait(timeout=10)


def test_serving_without_antivirus_warns_and_with_clamd_does_not(tmp_path: Path) -> None:
    assert "not scanned for viruses" in stderr_of_serve(tmp_path / "off")
    configured = stderr_of_serve(tmp_path / "on", CYBERREPONSE_UPLOADS__ANTIVIRUS="clamd")
    assert "not scanned for viruses" not in configured

"""Two scheduler processes started by mistake: one leads, the other stands by, no job runs twice;
when the leader dies, the other takes over (real processes on a shared database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import environ_for_tests, fresh_postgres_database, postgres_url

pytestmark = [pytest.mark.db, pytest.mark.slow]


def _runs(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT holder, started_at FROM job_run WHERE job = 'audit_verify'")
        ).all()
    engine.dispose()
    return [(str(holder), str(started)) for holder, started in rows]


def _start(environ: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cyberreponse.cli", "scheduler"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_only_one_of_two_schedulers_runs_jobs_and_the_other_takes_over(
    tmp_path: Path, worker_id: str
) -> None:
    base = postgres_url()
    url = (
        fresh_postgres_database(base, f"cyberreponse_sched_{worker_id}_{os.getpid()}")
        if base
        else f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    )
    environ = {
        **environ_for_tests(
            CYBERREPONSE_DATABASE_URL=url,
            CYBERREPONSE_INSTANCE=str(tmp_path),
            CYBERREPONSE_SCHEDULE__AUDIT_VERIFY="*/2 * * * * *",  # every two seconds
            CYBERREPONSE_SCHEDULE__SESSION_CLEANUP="",
            CYBERREPONSE_JOBS__LEASE_SECONDS="8",
        ),
        "PATH": os.environ["PATH"],
    }
    init = subprocess.run(
        [sys.executable, "-m", "cyberreponse.cli", "init"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr

    first, second = _start(environ), _start(environ)
    try:
        # Count from the leader's first run: under load, starting Python takes a variable time.
        deadline = time.monotonic() + 60
        while not _runs(url) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(7)
        runs = _runs(url)
        holders = {holder for holder, _ in runs}
        assert len(holders) == 1, f"both schedulers ran jobs: {holders}"
        assert 3 <= len(runs) <= 7
        slots = Counter(started[:19] for _, started in runs)
        assert max(slots.values()) == 1, "a job ran twice for the same slot"

        leader_pid = int(next(iter(holders)).split(":")[1])
        leader, standby = (first, second) if first.pid == leader_pid else (second, first)
        leader.send_signal(signal.SIGKILL)  # a crash: the lease is not released, it must expire
        leader.wait(timeout=10)
        deadline = time.monotonic() + 40
        new_holders: set[str] = set()
        while not new_holders and time.monotonic() < deadline:
            time.sleep(1)
            new_holders = {holder for holder, _ in _runs(url)} - holders
        assert len(new_holders) == 1 and f":{standby.pid}:" in next(iter(new_holders))
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)

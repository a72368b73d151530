"""Incident intake and queue, through a real WSGI server (waitress, in its own process) on loopback.

- Form submissions per second, sustained: concurrent clients (threads, each with its own session
  and CSRF token) post the public form; every report is stored with its obligations, follow-up link,
  audit row and two queued e-mails, which are delivered after each response to an SMTP server
  (aiosmtpd) on loopback.
- Queue page latency (p50/p95) for a signed-in analyst with 10,000 incidents in the database.

Run on SQLite (a file) and PostgreSQL (`postgresql+psycopg://postgres@127.0.0.1:5432`, a database of
its own created and dropped here; set BENCH_POSTGRES_URL to change the server).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyotp
import requests
from cryptography.fernet import Fernet
from sqlalchemy import insert, text

from bench.databases import scratch_postgres

SUBMISSIONS = 1000
CLIENTS = 16
QUEUE_INCIDENTS = 10_000
QUEUE_REQUESTS = 200
PASSWORD = "Correct horse battery staple 42"


def _environ(database_url: str, smtp_port: int) -> dict[str, str]:
    return {
        "CYBERREPONSE_SECRET_KEY": "bench-secret-key-" + "0" * 40,
        "CYBERREPONSE_ENCRYPTION_KEYS": _KEY,
        "CYBERREPONSE_DATABASE__URL": database_url,
        "CYBERREPONSE_MAIL__ENABLED": "true",
        "CYBERREPONSE_MAIL__SMTP_PORT": str(smtp_port),
        "CYBERREPONSE_INTAKE__REPORT_RATE_LIMIT": "1000000 per minute",
        "CYBERREPONSE_SECURITY__LOGIN_RATE_LIMIT": "1000 per minute",
        "CYBERREPONSE_LOGGING__LEVEL": "WARNING",
        # requests (unlike browsers) never sends Secure cookies over http://127.0.0.1.
        "CYBERREPONSE_SECURITY__COOKIE_SECURE": "false",
    }


_KEY = Fernet.generate_key().decode()


def _serve(environ: dict[str, str], instance: str, listener: socket.socket) -> None:
    """Child process: the application under waitress, as `cyberreponse serve` runs it, accepting on
    a listening socket it shares with its sibling processes (pre-fork)."""
    import logging

    import waitress

    from cyberreponse import create_app
    from cyberreponse.config import load_settings
    from cyberreponse.crypto import Keyring, install_keyring

    logging.getLogger("waitress").setLevel(logging.ERROR)
    settings = load_settings(environ=environ, instance_path=Path(instance))
    install_keyring(Keyring(settings.get_list("security.encryption_keys")))
    app = create_app(settings=settings)
    waitress.serve(app, sockets=[listener], threads=settings.get_int("server.threads"), _quiet=True)


class Servers:
    """`processes` waitress processes sharing one listening socket on 127.0.0.1."""

    def __init__(self, environ: dict[str, str], instance: str, processes: int) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(256)
        context = multiprocessing.get_context("fork")
        self.children = [
            context.Process(target=_serve, args=(environ, instance, self.listener), daemon=True)
            for _ in range(processes)
        ]
        for child in self.children:
            child.start()
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        for _ in range(100):
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # still starting (a loaded machine)
                time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """User and system CPU time used so far by the server processes (Linux /proc)."""
        total = 0
        for child in self.children:
            fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        for child in self.children:
            child.terminate()
            child.join(timeout=10)
        self.listener.close()


def _prepare(database_url: str) -> tuple[str, str]:
    """Schema, an analyst with TOTP, 10,000 incidents; returns the analyst's e-mail and TOTP secret."""
    from cyberreponse.clock import now
    from cyberreponse.crypto import Keyring, install_keyring
    from cyberreponse.db import Database
    from cyberreponse.migrate import upgrade
    from cyberreponse.models import Incident, Organisation, User
    from cyberreponse.services.passwords import hash_password

    install_keyring(Keyring([_KEY]))
    database = Database.from_url(database_url)
    with database.engine.begin() as connection:
        upgrade(connection)
    secret = pyotp.random_base32()
    with database.session_scope() as session:
        session.add(
            User(
                email="bench@example.test",
                name="Bench",
                role="analyst",
                password_hash=hash_password(PASSWORD),
                must_change_password=False,
                totp_secret=secret,
                totp_enabled=True,
            )
        )
        session.execute(
            insert(Organisation),
            [
                {
                    "siren": f"2{number:08d}",
                    "name": f"Commune {number}",
                    "kind": "commune",
                    "nis2_status": "unknown",
                    "active": True,
                    "created_at": now(),
                    "updated_at": now(),
                }
                for number in range(200)
            ],
        )
        org_ids = [row[0] for row in session.execute(text("SELECT id FROM organisation ORDER BY id"))]
        statuses = ("new", "triage", "in_progress", "contained", "resolved", "closed")
        severities = (None, "low", "medium", "high", "critical")
        start = now() - timedelta(days=400)
        rows = [
            {
                "reference": f"CR-2025-{number:05d}",
                "organisation_id": org_ids[number % len(org_ids)] if number % 4 else None,
                "organisation_hint": "",
                "channel": "web_form",
                "reporter_situation": "unknown",
                "reporter_name": "Agent",
                "reporter_role": "",
                "reporter_email": "agent@example.test",
                "reporter_phone": "",
                "ongoing": "unknown",
                "personal_data_reported": "unknown",
                "title": f"Incident {number}",
                "description": "Description " * 40,
                "reported_at": start + timedelta(minutes=40 * number),
                "aware_at": start + timedelta(minutes=40 * number),
                "tlp": "AMBER",
                "pap": "AMBER",
                "status": statuses[number % len(statuses)],
                "severity": severities[number % len(severities)],
                "significant": False,
                "personal_data_breach": False,
                "next_due_at": start + timedelta(days=number % 90) if number % 3 == 0 else None,
                "version": 1,
                "created_at": now(),
                "updated_at": now(),
            }
            for number in range(1, QUEUE_INCIDENTS + 1)
        ]
        session.execute(insert(Incident), rows)
        session.commit()
    database.engine.dispose()
    return "bench@example.test", secret


def _token(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token"
    return match.group(1)


def _submit_many(base: str, count: int) -> float:
    png = b"\x89PNG\r\n\x1a\n" + bytes(2000)

    def client(share: int) -> int:
        session = requests.Session()
        token = _token(session.get(f"{base}/signaler", timeout=10).text)
        done = 0
        for number in range(share):
            data = {
                "csrf_token": token,
                "organisation": "Commune 17",
                "name": f"Agent {number}",
                "email": f"agent{number}@mairie.example.test",
                "phone": "",
                "role": "Secrétaire",
                "situation": "ransomware",
                "noticed_at": "",
                "ongoing": "yes",
                "personal_data": "unknown",
                "title": "",
                "description": "Les fichiers du serveur sont chiffrés, une rançon est demandée.",
            }
            files = {"attachments": ("capture.png", png, "image/png")} if number % 4 == 0 else None
            response = session.post(
                f"{base}/signaler", data=data, files=files, allow_redirects=False, timeout=30
            )
            assert response.status_code == 303, response.status_code
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        total = sum(pool.map(client, [count // CLIENTS] * CLIENTS))
    return total / (time.perf_counter() - started)


def _signed_in(base: str, email: str, secret: str) -> requests.Session:
    session = requests.Session()
    token = _token(session.get(f"{base}/connexion", timeout=10).text)
    session.post(
        f"{base}/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token}, timeout=10
    )
    token = _token(session.get(f"{base}/connexion/verification", timeout=10).text)
    response = session.post(
        f"{base}/connexion/verification",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    # Staff land on the CSIRT overview once signed in.
    assert response.headers.get("Location", "").endswith("/tableau-de-bord"), response.status_code
    return session


def _latencies(session: requests.Session, url: str) -> tuple[float, float]:
    timings = []
    for _ in range(QUEUE_REQUESTS):
        started = time.perf_counter()
        response = session.get(url, timeout=10)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def _run_backend(name: str, database_url: str, instance: str) -> dict[str, Any]:
    from tests.peers.smtp import SmtpServer

    email, secret = _prepare(database_url)
    smtp = SmtpServer().start()
    result: dict[str, Any] = {"name": name}
    try:
        for processes in (1, 2):
            servers = Servers(_environ(database_url, smtp.port), instance, processes)
            try:
                if processes == 1:
                    analyst = _signed_in(servers.url, email, secret)
                    result["queue"] = _latencies(analyst, f"{servers.url}/incidents")
                    result["deadline"] = _latencies(
                        analyst, f"{servers.url}/incidents?sort=deadline&status=all"
                    )
                _submit_many(servers.url, 64)  # warm-up
                cpu = servers.cpu_seconds()
                result[f"rate{processes}"] = _submit_many(servers.url, SUBMISSIONS)
                # Each report's two e-mails are sent after its response: how long until the last
                # report's have arrived (at most a minute; the scheduler would send any left over).
                posted = (SUBMISSIONS // CLIENTS + 64 // CLIENTS) * CLIENTS
                ended, expected = time.perf_counter(), 2 * posted * processes
                smtp.wait_for(expected, timeout=60)
                result[f"drain{processes}"] = time.perf_counter() - ended
                result[f"cpu{processes}"] = (servers.cpu_seconds() - cpu) / SUBMISSIONS * 1000
            finally:
                servers.stop()
        result["mails"] = len(smtp.received)
    finally:
        smtp.stop()
    return result


def run() -> str:
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        os.environ.update({"CYBERREPONSE_SECRET_KEY": "x" * 40, "CYBERREPONSE_ENCRYPTION_KEYS": _KEY})
        results.append(_run_backend("SQLite (file, WAL)", f"sqlite:///{folder}/bench.sqlite3", folder))
        with scratch_postgres("cyberreponse_bench_incidents") as url:
            results.append(_run_backend("PostgreSQL", url, folder))
    lines = [
        "## Incidents: public form and analyst queue",
        "",
        f"waitress (8 threads per process; 1 process, then 2 processes sharing the listening socket) on "
        f"127.0.0.1; {CLIENTS} concurrent clients post {SUBMISSIONS} reports "
        "(one in four with a 2 kB PNG); each report also queues two e-mails, delivered after the response to "
        f"an aiosmtpd server on loopback. Queue: {QUEUE_REQUESTS} sequential requests by a signed-in analyst "
        f"with {QUEUE_INCIDENTS:,} incidents stored. Targets: ≥ 50 submissions/s, queue p95 ≤ 150 ms. "
        f"Machine load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (other work on the machine lowers the rates). Server CPU: the "
        "waitress processes' CPU time per submission, its e-mails included (1 process), a figure "
        "that other work on the machine disturbs less than the rates.",
        "",
        "| database | submissions/s, 1 process | submissions/s, 2 processes | server CPU per submission (ms) "
        "| queue p50 (ms) | queue p95 (ms) | by deadline, all: p50 / p95 (ms) | mails delivered "
        "| last mail after last report, 1 / 2 processes (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['rate1']:.0f} | {r['rate2']:.0f} | {r['cpu1']:.1f} | {r['queue'][0]:.1f} | "
            f"{r['queue'][1]:.1f} | "
            f"{r['deadline'][0]:.1f} / {r['deadline'][1]:.1f} | {r['mails']} | "
            f"{r['drain1']:.1f} / {r['drain2']:.1f} |"
        )
    return "\n".join(lines)

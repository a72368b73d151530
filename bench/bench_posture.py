"""Posture pages at regional scale: the CSIRT overview, the RSSI dashboard and one PDF report.

Data, written with bulk inserts (not through the services): 800 organisations (communes, EPCIs as
their parents, syndicats, schools; four départements), 1,000 assets, 365 nightly campaigns, a year of
nightly score snapshots (292,000 rows), the check results of the last 111 nights (about a million
rows: 12 checks per domain, one per IP address), findings opened and resolved along the way, and
2,000 incidents with their obligations. The pages are requested in-process through Flask's test
client by a signed-in analyst and a signed-in member (password and TOTP), so the figures are the
application's and the database's time, without a network in between.

Run on SQLite (a file) and PostgreSQL (`postgresql+psycopg://postgres@127.0.0.1:5432`, a database of
its own created and dropped here; set BENCH_POSTGRES_URL to change the server).
"""

# ruff: noqa: E501 - rows of generated data read best one per line
from __future__ import annotations

import json
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import Connection, insert, text

from bench.databases import scratch_postgres

ORGANISATIONS = 800
EPCIS = 40
NIGHTS = 365
RESULT_NIGHTS = 111
INCIDENTS = 2_000
OVERVIEW_REQUESTS = 60
DASHBOARD_REQUESTS = 100
PDF_RUNS = 5
PASSWORD = "Correct horse battery staple 42"
_KEY = Fernet.generate_key().decode()
DEPARTMENTS = ("35", "29", "22", "56")
DOMAIN_CHECKS = (
    ("mail.spf", "mail", ("spf.missing", "high")),
    ("mail.dmarc", "mail", ("dmarc.policy_none", "medium")),
    ("mail.dkim", "mail", ("dkim.no_domainkey", "medium")),
    ("mail.mx", "mail", None),
    ("mail.starttls", "mail", ("starttls.missing", "high")),
    ("dns.dnssec", "dns", ("dnssec.unsigned", "medium")),
    ("dns.caa", "dns", ("caa.missing", "info")),
    ("tls.certificate", "tls", ("tls.expiring", "high")),
    ("tls.protocols", "tls", ("tls.legacy_protocol", "medium")),
    ("web.https", "web", ("web.no_hsts", "medium")),
    ("web.security_txt", "web", ("securitytxt.missing", "info")),
    ("exposure.ports", "exposure", ("exposure.rdp", "high")),
)
IP_CHECK = ("exposure.ports", "exposure", ("exposure.smb", "critical"))


def _status(severity: str | None) -> str:
    if severity is None:
        return "pass"
    return {"info": "info", "low": "warn", "medium": "warn"}.get(severity, "fail")


def _chunks(rows: Iterable[dict[str, Any]], size: int = 20_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _copy(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL COPY (the fast path for a million rows)."""
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def _bulk(connection: Connection, table: Any, rows: Iterable[dict[str, Any]], *, copy: bool = False) -> int:
    """Insert rows; `copy` takes PostgreSQL's COPY, which skips column types' processing: only for
    tables without encrypted columns."""
    count = 0
    if copy and connection.dialect.name == "postgresql":
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return 0
        columns = list(first)
        json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}

        def values(row: dict[str, Any]) -> list[Any]:
            return [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]

        def every() -> Iterator[list[Any]]:
            nonlocal count
            for row in (first, *iterator):
                count += 1
                yield values(row)

        _copy(connection, table.name, columns, every())
        return count
    for batch in _chunks(rows):
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


class World:
    """What the data generator decided, for the measurements to use."""

    def __init__(self) -> None:
        self.member_siren = ""
        self.member_email = "rssi@bench.test"
        self.analyst_email = "analyste@bench.test"
        self.member_secret = pyotp.random_base32()
        self.analyst_secret = pyotp.random_base32()
        self.epci_sirens: list[str] = []
        self.rows: dict[str, int] = {}


def _generate(connection: Connection, moment: datetime) -> World:
    from cyberreponse.models import (
        Asset,
        Campaign,
        CheckResultRecord,
        Contact,
        Finding,
        Incident,
        Obligation,
        Organisation,
        ScoreSnapshot,
        User,
        user_organisation,
    )
    from cyberreponse.services.passwords import hash_password

    rng = random.Random(7)
    world = World()
    organisations = []
    for number in range(1, ORGANISATIONS + 1):
        department = DEPARTMENTS[number % len(DEPARTMENTS)]
        kind = (
            "epci"
            if number <= EPCIS
            else rng.choice(("commune",) * 8 + ("syndicat", "etablissement_scolaire"))
        )
        organisations.append(
            {
                "id": number,
                "siren": f"2{number:08d}",
                "name": f"{'Communauté' if kind == 'epci' else 'Commune'} {number}",
                "kind": kind,
                "insee_code": f"{department}{number % 1000:03d}",
                "parent_id": None if kind == "epci" else 1 + number % EPCIS,
                "nis2_status": rng.choice(("essential", "important", "not_subject", "unknown")),
                "scan_consent_given_by": "Maire",
                "scan_consent_at": moment - timedelta(days=400),
                "active": True,
                "created_at": moment - timedelta(days=400),
                "updated_at": moment - timedelta(days=400),
            }
        )
    world.rows["organisations"] = _bulk(connection, Organisation.__table__, organisations)
    world.epci_sirens = [o["siren"] for o in organisations if o["kind"] == "epci"]
    world.member_siren = organisations[EPCIS]["siren"]
    _bulk(
        connection,
        Contact.__table__,
        [
            {"organisation_id": o["id"], "name": f"Référent {o['id']}", "role": "RSSI", "email": f"rssi{o['id']}@x.test",
             "phone": "0299000000", "receives_alerts": True}
            for o in organisations
        ],
    )  # fmt: skip
    assets = []
    for organisation in organisations:
        assets.append({"id": len(assets) + 1, "organisation_id": organisation["id"], "kind": "domain",
                       "value": f"commune-{organisation['id']}.test"})  # fmt: skip
        if organisation["id"] % 4 == 0:
            assets.append({"id": len(assets) + 1, "organisation_id": organisation["id"], "kind": "ip",
                           "value": f"198.51.{organisation['id'] // 250}.{organisation['id'] % 250}"})  # fmt: skip
    for asset in assets:
        asset.update({"scan_enabled": True, "created_at": moment - timedelta(days=400)})
    world.rows["assets"] = _bulk(connection, Asset.__table__, assets)

    nights = [
        moment.replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=d) for d in range(NIGHTS)
    ]
    nights.reverse()
    _bulk(
        connection,
        Campaign.__table__,
        [
            {"id": i + 1, "public_id": f"CMP-bench{i:05d}", "kind": "nightly", "slot": f"nightly:{night.date()}",
             "requested_by": "scheduler", "created_at": night, "started_at": night,
             "finished_at": night + timedelta(hours=1), "status": "done", "units_total": 0, "units_done": 0,
             "units_failed": 0, "units_skipped": 0, "results_written": 0, "findings_opened": 0,
             "findings_resolved": 0}
            for i, night in enumerate(nights)
        ],
    )  # fmt: skip
    # Which problem each (asset, check) has, changing now and then: findings open and resolve.
    problem_of: dict[tuple[int, str], bool] = {}
    findings: list[dict[str, Any]] = []
    open_findings: dict[tuple[int, str], dict[str, Any]] = {}

    result_ids = iter(range(1, 10**9))

    def results() -> Iterator[dict[str, Any]]:
        for index in range(NIGHTS - RESULT_NIGHTS, NIGHTS):
            night, campaign_id = nights[index], index + 1
            observed = night + timedelta(minutes=30)
            for asset in assets:
                checks = DOMAIN_CHECKS if asset["kind"] == "domain" else (IP_CHECK,)
                for check_id, category, problem in checks:
                    key = (asset["id"], check_id)
                    if key not in problem_of or rng.random() < 0.02:
                        chance = 0.04 if check_id == "exposure.ports" else 0.3
                        problem_of[key] = problem is not None and rng.random() < chance
                    has = problem_of[key]
                    severity = problem[1] if has and problem else "none"
                    result_id = next(result_ids)
                    details: dict[str, Any] = {}
                    if check_id == "tls.certificate":  # the certificate ends within 30 days of that night
                        left = 5 + asset["id"] % 25
                        details = {
                            "not_after": (observed + timedelta(days=left)).isoformat(),
                            "days_left": left,
                        }
                    problems = (
                        [{"code": problem[0], "severity": severity, "details": details}]
                        if has and problem
                        else []
                    )
                    if has and problem and severity != "info":
                        if key not in open_findings:
                            open_findings[key] = {"asset_id": asset["id"], "check_id": check_id, "code": problem[0],
                                                  "severity": severity, "first_seen": observed,
                                                  "opened_in_campaign_id": campaign_id}  # fmt: skip
                        open_findings[key]["last_seen"] = observed
                        open_findings[key]["last_result_id"] = result_id
                    elif key in open_findings:
                        finding = open_findings.pop(key)
                        finding["resolved_at"] = observed
                        findings.append(finding)
                    yield {
                        "id": result_id,
                        "campaign_id": campaign_id, "asset_id": asset["id"], "check_id": check_id,
                        "category": category, "status": _status(severity if has else None), "severity": severity,
                        "summary": "résumé", "summary_en": "summary", "problems": problems, "evidence": {},
                        "observed_at": observed,
                    }  # fmt: skip

    world.rows["check results"] = _bulk(connection, CheckResultRecord.__table__, results(), copy=True)
    for finding in open_findings.values():
        finding["resolved_at"] = None
        findings.append(finding)
    for number, finding in enumerate(findings):
        finding.setdefault("last_result_id", None)
        finding.update({"public_id": f"{number:016x}", "alerted_at": None})
    world.rows["findings"] = _bulk(connection, Finding.__table__, findings, copy=True)

    def snapshots() -> Iterator[dict[str, Any]]:
        base = {o["id"]: rng.uniform(15, 85) for o in organisations}
        for index, night in enumerate(nights):
            for organisation in organisations:
                technical = min(100.0, max(0.0, base[organisation["id"]] + index * 0.02 + rng.uniform(-3, 3)))
                organisational = (
                    None if index < 60 else min(100.0, base[organisation["id"]] + rng.uniform(-10, 10))
                )
                maturity = technical if organisational is None else (technical + organisational) / 2
                grade = "ABCDEF"[min(5, int((100 - technical) // 15))]
                yield {
                    "organisation_id": organisation["id"], "taken_at": night + timedelta(hours=1),
                    "source": "campaign", "campaign_id": index + 1, "answer_set_id": None,
                    "technical_score": round(technical, 1), "technical_grade": grade, "uncapped_grade": grade,
                    "organisational_score": None if organisational is None else round(organisational, 1),
                    "maturity_score": round(maturity, 1), "maturity_level": 1 + int(maturity // 20),
                    "categories": {}, "caps": [], "open_findings": 0,
                }  # fmt: skip

    world.rows["snapshots"] = _bulk(connection, ScoreSnapshot.__table__, snapshots(), copy=True)

    incidents, obligations = [], []
    for number in range(1, INCIDENTS + 1):
        reported = moment - timedelta(hours=rng.uniform(1, 24 * 365))
        status = rng.choice(("new", "triage", "in_progress", "contained", "resolved", "closed", "closed"))
        incidents.append(
            {"id": number, "reference": f"CR-2026-{number:05d}", "organisation_id": 1 + number % ORGANISATIONS,
             "organisation_hint": "", "channel": "web_form", "reporter_situation": "ransomware",
             "ongoing": "unknown", "personal_data_reported": "unknown", "title": "Incident", "description": "…",
             "reported_at": reported, "aware_at": reported, "detected_at": reported - timedelta(hours=6),
             "rsit_class": rng.choice(("malicious-code", "fraud", "intrusions", None)),
             "severity": rng.choice(("low", "medium", "high", "critical", None)), "tlp": "AMBER", "pap": "AMBER",
             "status": status, "significant": True, "personal_data_breach": False, "version": 1,
             "created_at": reported, "updated_at": reported}
        )  # fmt: skip
        for kind, hours in (("nis2_early_warning", 24), ("nis2_notification", 72)):
            obligations.append({"incident_id": number, "kind": kind, "due_at": reported + timedelta(hours=hours),
                                "done_at": None if status in ("new", "triage") else reported})  # fmt: skip
    world.rows["incidents"] = _bulk(connection, Incident.__table__, incidents)
    _bulk(connection, Obligation.__table__, obligations)

    users = [
        {"id": 1, "public_id": "bench000analyst", "email": world.analyst_email, "name": "Analyste", "role": "analyst",
         "totp_secret": world.analyst_secret},
        {"id": 2, "public_id": "bench0000member", "email": world.member_email, "name": "RSSI", "role": "member",
         "totp_secret": world.member_secret},
    ]  # fmt: skip
    hashed = hash_password(PASSWORD)
    for user in users:
        user.update({"password_hash": hashed, "must_change_password": False, "totp_enabled": True,
                     "failed_logins": 0, "active": True, "created_at": moment})  # fmt: skip
    _bulk(connection, User.__table__, users)
    connection.execute(insert(user_organisation), [{"user_id": 2, "organisation_id": EPCIS + 1}])
    return world


def _fix_sequences(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    for table in ("organisation", "asset", "campaign", "incident", "user_account", "check_result"):
        connection.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608 - constant names
        )


def _login(client: Any, email: str, secret: str) -> None:
    def token(path: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
        assert match, path
        return match.group(1)

    response = client.post(
        "/connexion", data={"email": email, "password": PASSWORD, "csrf_token": token("/connexion")}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    response = client.post(
        "/connexion/verification",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": token("/connexion/verification")},
    )
    assert response.status_code == 302


def _timed(client: Any, paths: Sequence[str], count: int) -> tuple[float, float]:
    durations = []
    for index in range(count):
        start = time.perf_counter()
        response = client.get(paths[index % len(paths)])
        durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    durations.sort()
    return statistics.median(durations), durations[max(0, int(len(durations) * 0.95) - 1)]


def _run_backend(name: str, url: str, folder: str) -> dict[str, Any]:
    from cyberreponse import create_app
    from cyberreponse.config import load_settings
    from cyberreponse.crypto import Keyring, install_keyring
    from cyberreponse.db import Database
    from cyberreponse.migrate import upgrade

    install_keyring(Keyring([_KEY]))
    database = Database.from_url(url)
    moment = datetime.now(UTC)
    started = time.perf_counter()
    with database.engine.begin() as connection:
        upgrade(connection)
        world = _generate(connection, moment)
        _fix_sequences(connection)
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    generated = time.perf_counter() - started
    environ = {
        "CYBERREPONSE_SECRET_KEY": "bench-secret-key-" + "0" * 40,
        "CYBERREPONSE_ENCRYPTION_KEYS": _KEY,
        "CYBERREPONSE_DATABASE__URL": url,
        "CYBERREPONSE_MAIL__ENABLED": "false",
        "CYBERREPONSE_SECURITY__LOGIN_RATE_LIMIT": "1000 per minute",
        "CYBERREPONSE_REPORTS__RATE_LIMIT": "1000 per minute",
        "CYBERREPONSE_LOGGING__LEVEL": "WARNING",
    }
    settings = load_settings(environ=environ, instance_path=Path(folder))
    app = create_app(settings=settings, database=database)
    overview_paths = [
        "/tableau-de-bord",
        "/tableau-de-bord?department=35",
        "/tableau-de-bord?kind=commune",
        f"/tableau-de-bord?epci={world.epci_sirens[3]}",
    ]
    with app.test_client() as analyst:
        _login(analyst, world.analyst_email, world.analyst_secret)
        _timed(analyst, overview_paths, 4)  # warm caches
        overview = _timed(analyst, overview_paths, OVERVIEW_REQUESTS)
    with app.test_client() as member:
        _login(member, world.member_email, world.member_secret)
        _timed(member, ["/espace"], 3)
        dashboard = _timed(member, ["/espace"], DASHBOARD_REQUESTS)
        path = f"/organisations/{world.member_siren}/rapport-nis2"
        pdf_times = []
        for _ in range(PDF_RUNS + 1):  # the first also loads WeasyPrint and the fonts
            match = re.search(r'name="csrf_token" value="([^"]+)"', member.get(path).get_data(as_text=True))
            assert match
            start = time.perf_counter()
            response = member.post(path + "/pdf", data={"csrf_token": match.group(1)})
            pdf_times.append(time.perf_counter() - start)
            assert response.status_code == 200 and response.data.startswith(b"%PDF")
            pdf_size = len(response.data)
    database.engine.dispose()
    return {
        "name": name,
        "generated": generated,
        "rows": world.rows,
        "overview": overview,
        "dashboard": dashboard,
        "pdf": (pdf_times[0], statistics.median(pdf_times[1:]), max(pdf_times[1:])),
        "pdf_kb": pdf_size / 1024,
    }


def run() -> str:
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results.append(_run_backend("SQLite (file, WAL)", f"sqlite:///{folder}/bench.sqlite3", folder))
        with scratch_postgres("cyberreponse_bench_posture") as url:
            results.append(_run_backend("PostgreSQL", url, folder))
    rows = results[0]["rows"]
    lines = [
        "## Posture: CSIRT overview, RSSI dashboard, PDF report",
        "",
        f"{rows['organisations']} organisations ({EPCIS} EPCIs), {rows['assets']:,} assets, {NIGHTS} nightly "
        f"campaigns, {rows['snapshots']:,} score snapshots (a year, nightly), {rows['check results']:,} check "
        f"results (the last {RESULT_NIGHTS} nights), {rows['findings']:,} findings, {rows['incidents']:,} incidents; "
        "written with bulk inserts (COPY on PostgreSQL). Pages requested in-process through Flask's test client "
        f"by a signed-in analyst (overview: {OVERVIEW_REQUESTS} requests cycling through no filter, a département, a "
        f"kind and an EPCI) and a signed-in member (dashboard: {DASHBOARD_REQUESTS} requests; then {PDF_RUNS} PDF "
        "reports generated, archived and downloaded, after a first one that loads WeasyPrint and the fonts). Targets: overview p95 ≤ 300 ms, dashboard p95 ≤ 150 ms, "
        f"PDF ≤ 3 s. Machine load average (1 min) before / after: {load_before:.1f} / {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores.",
        "",
        "| database | data generated in | overview p50 / p95 (ms) | dashboard p50 / p95 (ms) | PDF first (cold) / median / slowest (s) | PDF size |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['name']} | {r['generated']:.0f} s | {r['overview'][0]:.0f} / {r['overview'][1]:.0f} | "
            f"{r['dashboard'][0]:.0f} / {r['dashboard'][1]:.0f} | {r['pdf'][0]:.2f} / {r['pdf'][1]:.2f} / {r['pdf'][2]:.2f} | "
            f"{r['pdf_kb']:.0f} kB |"
        )
    return "\n".join(lines)

"""A whole nightly campaign: 800 members × 3 assets on local peers, in-process and on 2 Celery workers,
against the checks library alone on the same targets in the same run.

Peers, all on loopback:
- DNS: the zones of bench/synthetic_dns.py (providers' SPF includes, null MX, DMARC variants, DKIM, CAA,
  one zone in ten signed), each member domain's A record moved to one of 20 local web servers, served
  by a process of its own that answers every query 20 ms late;
- web: 20 HTTPS + HTTP servers (trustme certificates naming their domains) on 127.77.x.1, one port;
- exposure: nmap (TCP connect, -T3, --max-rate from the configuration) on those 20 addresses and on
  800 member IP addresses 127.78.x.y, two of which listen on RDP (3389).
The mail servers of the synthetic zones sit in the documentation networks (192.0.2.0/24…), which the
campaign's exclusion list (`scanning.excluded`) keeps out: STARTTLS is skipped there, never attempted.

Each member has a domain (mail, dns, tls, web, exposure), its `www` host (dns, tls, web, exposure) and
an IP address (exposure): 2,400 assets, 8,000 units. Contenders, each in a process of its own:
- checks alone: the same targets and check families through `checks.runner.scan_target`, one event loop,
  the same concurrency and politeness settings, nothing stored;
- in-process: `cyberreponse campaign run` on a SQLite file (WAL), every result and finding written;
- Celery: `cyberreponse campaign run --wait` dispatching to 2 `cyberreponse worker` processes
  (4 threads each) over Redis on 127.0.0.1:6379 (a database number and queue of its own), same database.

Environment: BENCH_CAMPAIGNS_MEMBERS (800), BENCH_CAMPAIGNS_CONCURRENCY (50), BENCH_CAMPAIGNS_NMAP_RATE
(the configuration's default, 100 packets/s per nmap run).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB_SERVERS = 20
EXCLUDED = ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"]
RDP_ADDRESSES = 2


def domain_name(index: int) -> str:
    return f"commune-{index:04d}.test"


def web_address(base: int, index: int) -> str:
    return f"127.77.{base + index % WEB_SERVERS}.1"


def ip_asset(base: int, index: int) -> str:
    return f"127.78.{base + index // 250}.{index % 250 + 1}"


# --- peers ----------------------------------------------------------------------------------------
def serve_dns(address: str, port: int, members: int, base: int) -> None:
    """The DNS process: synthetic zones, A records moved to the local web servers, 20 ms per answer."""
    from bench import synthetic_dns

    async def main() -> None:
        zones, names = synthetic_dns.build_zones(members)
        for index, name in enumerate(names):
            records = synthetic_dns._domain_records(index, name)
            records = records.replace(f"@ A 192.0.2.{index % 250 + 1}", f"@ A {web_address(base, index)}")
            zones.add_zone(name, records, signed=index % 10 == 0)
        zones.build()
        front = synthetic_dns.Front(zones, 0.02)
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: synthetic_dns._Udp(front), local_addr=(address, port))
        await asyncio.start_server(lambda r, w: synthetic_dns._tcp_client(front, r, w), address, port)
        print(json.dumps({"domains": names}), flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        tls = isinstance(self.connection, ssl.SSLSocket)
        if not tls:
            status, headers = 301, {"Location": f"https://{self.headers.get('Host', '')}/"}
        elif self.path == "/":
            status, headers = 200, {"Strict-Transport-Security": "max-age=31536000"}
        else:
            status, headers = 404, {}
        body = b"bonjour" if status == 200 else b""
        self.send_response(status)
        for name, value in {"Content-Type": "text/html", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], context: ssl.SSLContext | None) -> None:
        super().__init__(address, _Handler)
        self.context = context

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.context is not None:
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                request.close()
                return
        super().finish_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def start_web(pki_dir: Path, base: int, members: int, port: int) -> list[_Server]:
    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(pki_dir / "ca.pem"))
    servers = []
    for k in range(WEB_SERVERS):
        names = [domain_name(i) for i in range(members) if i % WEB_SERVERS == k]
        leaf = ca.issue_cert(*names, *(f"www.{n}" for n in names), f"server-{k}.test")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf.configure_cert(context)
        address = web_address(base, k)
        for server in (_Server((address, port), context), _Server((address, port + 1), None)):
            threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True).start()
            servers.append(server)
    return servers


def start_rdp_listeners(base: int) -> list[socket.socket]:
    listeners = []
    for index in range(RDP_ADDRESSES):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((ip_asset(base, index), 3389))
        sock.listen(64)
        listeners.append(sock)
    return listeners


def free_port_pair(address: str) -> int:
    while True:
        port = random.randint(20000, 60000)
        try:
            for offset in (0, 1):
                with socket.socket() as probe:
                    probe.bind((address, port + offset))
            return port
        except OSError:
            continue


# --- contenders -----------------------------------------------------------------------------------
def environment(setup: dict[str, Any], database_url: str, instance: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    values = {
        "CYBERREPONSE_SECRET_KEY": "bench-secret-key-" + "0" * 40,
        "CYBERREPONSE_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CYBERREPONSE_MAIL__ENABLED": "false",
        "CYBERREPONSE_DATABASE_URL": database_url,
        "CYBERREPONSE_INSTANCE": instance,
        "CYBERREPONSE_LOGGING__LEVEL": "WARNING",
        "CYBERREPONSE_SCANNING__NAMESERVERS": json.dumps([setup["dns"]]),
        # Benchmark only: the peers live on loopback. Never in production.
        "CYBERREPONSE_SCANNING__ALLOW_PRIVATE_ADDRESSES": "true",
        "CYBERREPONSE_SCANNING__EXCLUDED": json.dumps(EXCLUDED),
        "CYBERREPONSE_SCANNING__CA_FILE": setup["ca_file"],
        "CYBERREPONSE_SCANNING__HTTPS_PORT": str(setup["port"]),
        "CYBERREPONSE_SCANNING__HTTP_PORT": str(setup["port"] + 1),
        "CYBERREPONSE_SCANNING__CONCURRENCY": str(setup["concurrency"]),
        "CYBERREPONSE_JOBS__CELERY_BROKER_URL": setup["redis"],
        "CYBERREPONSE_JOBS__CELERY_RESULT_BACKEND": setup["redis"],
        "CYBERREPONSE_JOBS__CELERY_QUEUE": setup["queue"],
        "CYBERREPONSE_JOBS__CELERY_UNITS_PER_TASK": "60",
        "CYBERREPONSE_JOBS__WORKER_CONCURRENCY": "4",
    }
    if setup.get("nmap_rate"):
        values["CYBERREPONSE_SCANNING__NMAP_MAX_RATE"] = str(setup["nmap_rate"])
    return {**os.environ, **values}


def prepare_database(setup: dict[str, Any]) -> None:
    """Migrate and fill the database: members with consent, three assets each."""
    from sqlalchemy import insert

    from cyberreponse.cli import CliContext
    from cyberreponse.clock import now
    from cyberreponse.migrate import upgrade
    from cyberreponse.models import Asset, Organisation

    ctx = CliContext()
    with ctx.database.engine.begin() as connection:
        upgrade(connection)
    moment = now()
    with ctx.database.session_scope() as session:
        for index, name in enumerate(setup["domains"]):
            organisation = session.execute(
                insert(Organisation).returning(Organisation.id),
                [
                    {
                        "siren": f"{100000000 + index:09d}",
                        "name": f"Commune {index}",
                        "kind": "commune",
                        "nis2_status": "unknown",
                        "scan_consent_at": moment,
                        "scan_consent_given_by": "Le maire",
                        "active": True,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                ],
            ).scalar_one()
            session.execute(
                insert(Asset),
                [
                    {
                        "organisation_id": organisation,
                        "kind": kind,
                        "value": value,
                        "scan_enabled": True,
                        "created_at": moment,
                    }
                    for kind, value in (
                        ("domain", name),
                        ("host", f"www.{name}"),
                        ("ip", ip_asset(setup["base"], index)),
                    )
                ],
            )
        session.commit()


def contender_checks(setup: dict[str, Any]) -> dict[str, Any]:
    """The checks library alone: same targets and families, one event loop, nothing stored."""
    from checks.context import RunState
    from checks.registry import select_checks
    from checks.runner import scan_target
    from cyberreponse.cli import CliContext
    from cyberreponse.services.scan_policy import families, scan_options, target_for

    settings = CliContext().settings
    options = scan_options(settings)
    work = []
    for index, name in enumerate(setup["domains"]):
        for kind, value in (
            ("domain", name),
            ("host", f"www.{name}"),
            ("ip", ip_asset(setup["base"], index)),
        ):
            work.append((target_for(kind, value), select_checks(families(settings, kind))))

    async def scan_all() -> int:
        run = RunState(options)
        slots = asyncio.Semaphore(options.concurrency)
        count = 0

        async def one(target: Any, checks: Any) -> None:
            nonlocal count
            async with slots:
                report = await scan_target(run, target, checks)
            count += len(report.results)

        try:
            await asyncio.gather(*(one(t, c) for t, c in work))
        finally:
            await run.close()
        return count

    start = time.perf_counter()
    results = asyncio.run(scan_all())
    return {"wall": time.perf_counter() - start, "results": results, "assets": len(work)}


def contender_campaign(setup: dict[str, Any], *, prepare: bool = True) -> dict[str, Any]:
    """`cyberreponse campaign run` in this process (its peak RSS is ours), then the rows it wrote.

    `prepare=False` when the database was filled before the workers started (the Celery run).
    """
    from sqlalchemy import func, select

    from cyberreponse.cli import CliContext
    from cyberreponse.models import Campaign, CampaignUnit, CheckResultRecord, Finding, OutboxMail

    if prepare:
        prepare_database(setup)
    from cyberreponse.cli import main

    start = time.perf_counter()
    try:
        main(["campaign", "run", "--wait"])
    except SystemExit as exit_:
        if exit_.code:
            raise
    wall = time.perf_counter() - start
    with CliContext().database.session_scope() as session:
        campaign = session.scalars(select(Campaign)).one()
        counts = {
            table.__tablename__: session.scalar(select(func.count()).select_from(table))
            for table in (CampaignUnit, CheckResultRecord, Finding, OutboxMail)
        }
        return {
            "wall": wall,
            "status": campaign.status,
            "units": campaign.units_total,
            "done": campaign.units_done,
            "failed": campaign.units_failed,
            "results": campaign.results_written,
            "findings": campaign.findings_opened,
            "rows": counts,
        }


def _child(kind: str, setup_file: Path, env: dict[str, str]) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_campaigns", kind, str(setup_file)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = process.communicate(timeout=3600)
    if process.returncode:
        raise RuntimeError(f"contender {kind} failed ({process.returncode})")
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    figures["peak_rss_mb"] = figures.pop("peak_rss_kb") / 1024
    return figures


def _peak_rss(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def contenders(setup: dict[str, Any], folder: Path, label: str) -> dict[str, dict[str, Any]]:
    """The three contenders on the same peers, each on a database of its own."""
    setup_file = folder / f"setup-{label}.json"
    setup_file.write_text(json.dumps(setup))
    instance = str(folder)
    alone = _child(
        "checks", setup_file, environment(setup, f"sqlite:///{folder / 'unused.sqlite3'}", instance)
    )
    inprocess = _child(
        "campaign",
        setup_file,
        environment(setup, f"sqlite:///{folder / f'inprocess-{label}.sqlite3'}", instance),
    )
    env_celery = environment(setup, f"sqlite:///{folder / f'celery-{label}.sqlite3'}", instance)
    env_celery["CYBERREPONSE_JOBS__EXECUTOR"] = "celery"
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, json; from bench.bench_campaigns import prepare_database;"
            "prepare_database(json.load(open(sys.argv[1])))",
            str(setup_file),
        ],
        cwd=ROOT,
        env=env_celery,
        check=True,
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "cyberreponse.cli", "worker"],
            cwd=ROOT,
            env=env_celery,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        time.sleep(3)
        env_celery["BENCH_SKIP_PREPARE"] = "1"
        celery = _child("campaign", setup_file, env_celery)
        celery["worker_rss_mb"] = [round(_peak_rss(w.pid), 1) for w in workers]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(30)
    return {"alone": alone, "inprocess": inprocess, "celery": celery}


def run() -> str:
    members = int(os.environ.get("BENCH_CAMPAIGNS_MEMBERS", "800"))
    concurrency = int(os.environ.get("BENCH_CAMPAIGNS_CONCURRENCY", "50"))
    # All nmap runs together (2 at once): 2000 gives each run the --max-rate 1000 measured before.
    fast_rate = int(os.environ.get("BENCH_CAMPAIGNS_FAST_NMAP_RATE", "2000"))
    base = random.randint(0, 200)
    dns_address = f"127.76.{random.randint(0, 255)}.{random.randint(1, 254)}"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((dns_address, 0))
        dns_port = probe.getsockname()[1]
    command = ["dns", dns_address, str(dns_port), str(members), str(base)]
    dns = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_campaigns", *command], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    redis_db = random.randint(1, 15)
    queue = f"bench-campaigns-{os.getpid()}"
    figures = {}
    load_before = os.getloadavg()[0]
    try:
        assert dns.stdout is not None
        domains = json.loads(dns.stdout.readline())["domains"]
        with tempfile.TemporaryDirectory() as directory:
            folder = Path(directory)
            port = free_port_pair(web_address(base, 0))
            start_web(folder, base, members, port)
            listeners = start_rdp_listeners(base)
            setup = {
                "domains": domains,
                "base": base,
                "dns": f"{dns_address}:{dns_port}",
                "ca_file": str(folder / "ca.pem"),
                "port": port,
                "concurrency": concurrency,
                "redis": f"redis://127.0.0.1:6379/{redis_db}",
                "queue": queue,
            }
            figures["default"] = contenders({**setup, "nmap_rate": ""}, folder, "default")
            figures["fast"] = contenders({**setup, "nmap_rate": str(fast_rate)}, folder, "fast")
            for listener in listeners:
                listener.close()
    finally:
        dns.terminate()
        dns.wait(10)
        # Only our own queue: the database number may be shared with other runs on this machine.
        subprocess.run(["redis-cli", "-n", str(redis_db), "del", queue], capture_output=True, check=False)
    fast_variant = f"nmap at {fast_rate} packets/s (`--max-rate {fast_rate // 2}` per run)"
    return "\n\n".join(
        [
            report(members, concurrency, DEFAULT_VARIANT, **figures["default"]),
            report(members, concurrency, fast_variant, **figures["fast"], heading=False),
            NOTES + f"\n- Machine load average (1 min) before / after: {load_before:.1f} / "
            f"{os.getloadavg()[0]:.1f} on 2 cores (other work on the machine lengthens the times).",
        ]
    )


DEFAULT_VARIANT = "default politeness (nmap 200 packets/s, `--max-rate 100` per run)"
NOTES = """- The checks library alone is bound by nmap at the default politeness: 200 packets per second for
  two runs at once (`--max-rate 100` each), about 30 ports on every address. The second table lifts
  that limit to show what storage and queueing cost on top of the scans.
- On Celery over Redis the limits are shared by the workers (docs/campaigns.md): however many workers
  and threads, at most `scanning.nmap_parallel_runs` nmap processes run at once in the deployment,
  within `scanning.nmap_max_rate` together. Raise those two to scan faster, not the workers.
- Rows written: one unit per asset and family, one result per check, the findings opened, and the alert
  digests queued (one per member with news)."""


def report(
    members: int,
    concurrency: int,
    variant: str,
    alone: dict[str, Any],
    inprocess: dict[str, Any],
    celery: dict[str, Any],
    *,
    heading: bool = True,
) -> str:
    assets = members * 3
    rows = lambda f: sum(f["rows"].values())  # noqa: E731
    intro = [
        f"## Campaigns: a nightly campaign of {members} members × 3 assets",
        "",
        f"{assets:,} assets (a domain, its `www` host and an IP address per member; {inprocess['units']:,} "
        f"units) on loopback peers: DNS answering 20 ms late, {WEB_SERVERS} HTTPS/HTTP servers, nmap "
        f"(-T3) on {WEB_SERVERS + members} addresses. {concurrency} assets at once. "
        "SQLite file (WAL). Each contender in a process of its own (2 CPUs).",
        "",
    ]
    lines = [
        *(intro if heading else []),
        f"### {variant}",
        "",
        "| | checks library alone | campaign, in-process | campaign, 2 Celery workers |",
        "| --- | --- | --- | --- |",
        f"| wall time | {alone['wall']:.1f} s | {inprocess['wall']:.1f} s | {celery['wall']:.1f} s |",
        f"| assets/s | {assets / alone['wall']:.1f} | {assets / inprocess['wall']:.1f} | "
        f"{assets / celery['wall']:.1f} |",
        f"| peak RSS | {alone['peak_rss_mb']:.0f} MB | {inprocess['peak_rss_mb']:.0f} MB | "
        f"{celery['peak_rss_mb']:.0f} MB (coordinator); workers "
        f"{', '.join(f'{m:.0f}' for m in celery['worker_rss_mb'])} MB |",
        f"| check results | {alone['results']:,} | {inprocess['results']:,} | {celery['results']:,} |",
        f"| rows written | — | {rows(inprocess):,} ({_rows(inprocess)}) | "
        f"{rows(celery):,} ({_rows(celery)}) |",
        f"| units done / failed | — | {inprocess['done']:,} / {inprocess['failed']} | "
        f"{celery['done']:,} / {celery['failed']} |",
        f"| findings opened | — | {inprocess['findings']:,} | {celery['findings']:,} |",
        "",
        f"- In-process: **{inprocess['wall'] / 60:.1f} min** for {assets:,} assets "
        "(target: under 10 min), "
        f"**{inprocess['wall'] / alone['wall']:.2f}×** the checks library alone (target: within 2×).",
        f"- 2 Celery workers: {celery['wall'] / 60:.1f} min, "
        f"{celery['wall'] / alone['wall']:.2f}× the library alone.",
    ]
    return "\n".join(lines)


def _rows(figures: dict[str, Any]) -> str:
    return ", ".join(f"{name} {count:,}" for name, count in figures["rows"].items())


def _main(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "dns":
        serve_dns(argv[1], int(argv[2]), int(argv[3]), int(argv[4]))
        return
    setup = json.loads(Path(argv[1]).read_text())
    if kind == "checks":
        figures = contender_checks(setup)
    else:
        figures = contender_campaign(setup, prepare=not os.environ.get("BENCH_SKIP_PREPARE"))
    figures["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    _main(sys.argv[1:])

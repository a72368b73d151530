"""Mail and DNS checks over 2,000 synthetic domains, against checkdmarc on the same domains and server.

A DNS server (bench/synthetic_dns.py) listens on port 53 of a loopback address (127.0.0.53 by default:
checkdmarc only speaks to port 53) and delays every answer by 20 ms. Each contender runs in a process of
its own, so that its peak RSS is its own, with the network guard of the tests installed: nothing beyond
loopback can be reached.

- ours: `mail.spf`, `mail.dmarc`, `mail.dkim`, `mail.mx`, `dns.dnssec`, `dns.caa` (the DNS-only mail
  checks and the DNS checks; `mail.starttls` connects to MX hosts and is left out, as checkdmarc leaves
  out its MX TLS test by default), at the given concurrency;
- checkdmarc: `check_domains(domains, nameservers=[server])`, its documented library entry point, which
  checks the domains one after the other (SPF, DMARC, MX, DNSSEC, NS, SOA, MTA-STS, TLS-RPT, BIMI).

The latency-bound floor is what 20 ms per answer alone imposes on our run: the DNS queries it sent,
counted by the server, × 20 ms ÷ the number of targets scanned at once.

The server computes each answer the first time it is asked, then serves it from its cache. That first
computation costs it a few hundred microseconds of CPU, and at our run's query rate (thousands a second on
a two-CPU machine) it would measure the server: so our scan runs once to warm that cache, then again for
the figures, and the report gives both. A real resolver answers from its cache, or upstream within the
latency simulated here. checkdmarc, one query at a time, is not affected either way.

Environment: BENCH_CHECKS_DOMAINS (2000), BENCH_CHECKS_CONCURRENCY (100), BENCH_CHECKS_ADDRESS (127.0.0.53).
"""

from __future__ import annotations

import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LATENCY = 0.02
OUR_CHECKS = ["mail.spf", "mail.dmarc", "mail.dkim", "mail.mx", "dns.dnssec", "dns.caa"]


def run() -> str:
    count = int(os.environ.get("BENCH_CHECKS_DOMAINS", "2000"))
    concurrency = int(os.environ.get("BENCH_CHECKS_CONCURRENCY", "100"))
    address = os.environ.get("BENCH_CHECKS_ADDRESS", "127.0.0.53")
    _ensure_port_free(address)
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.synthetic_dns", "--address", address, "--domains", str(count)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        ready = json.loads(server.stdout.readline())
        setup = {"trust_anchors": ready["trust_anchors"], "domains": ready["domains"], "address": address}
        with tempfile.TemporaryDirectory() as directory:
            setup_file = Path(directory) / "setup.json"
            setup_file.write_text(json.dumps(setup))
            cold = _contender("ours", setup_file, concurrency, address)
            ours = _contender("ours", setup_file, concurrency, address)
            theirs = _contender("checkdmarc", setup_file, concurrency, address)
    finally:
        server.terminate()
        server.wait(10)
    return _report(count, concurrency, ours, theirs, cold)


def _ensure_port_free(address: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((address, 53))
        except OSError as error:
            raise SystemExit(
                f"cannot listen on {address}:53 ({error.strerror}); run as root, or set BENCH_CHECKS_ADDRESS"
            ) from error


def _contender(name: str, setup_file: Path, concurrency: int, address: str) -> dict[str, Any]:
    _control(address, "reset")
    output = subprocess.run(
        [sys.executable, "-m", "bench.bench_checks", name, str(setup_file), str(concurrency)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    result["queries"] = _control(address, "queries")
    return result


def _control(address: str, what: str) -> int:
    """Ask the benchmark server for its query count (or to reset it) through a control name."""
    import dns.message
    import dns.query

    response = dns.query.udp(dns.message.make_query(f"{what}.bench-control", "TXT"), address, timeout=5)
    return int(b"".join(response.answer[0][0].strings))


def _report(
    count: int, concurrency: int, ours: dict[str, Any], theirs: dict[str, Any], cold: dict[str, Any]
) -> str:
    floor = ours["queries"] * LATENCY / concurrency
    ours_rate = count / ours["wall"]
    theirs_rate = len(theirs["domains_checked"]) / theirs["wall"]
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(ours["statuses"].items()))
    machine = f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    milliseconds = f"{LATENCY * 1000:.0f} ms"
    return "\n".join(
        [
            f"## Checks: mail and DNS checks of {count:,} domains, against checkdmarc",
            "",
            f"{count:,} synthetic `.test` domains (bench/synthetic_dns.py: providers' SPF includes, null MX, "
            f"DMARC with and without external reports, DKIM keys, CAA, one zone in ten signed) served by a "
            f"local DNS server that adds {milliseconds} to every answer; both tools point at it. Ours: "
            f"{', '.join(f'`{c}`' for c in OUR_CHECKS)}, {concurrency} targets at once. checkdmarc "
            f"{theirs['version']}: `check_domains(domains, nameservers=[server])`, its library entry point, "
            f"which checks domains one after the other. Each tool in a process of its own ({machine}).",
            "",
            "| | ours | checkdmarc |",
            "| --- | --- | --- |",
            f"| wall time | {ours['wall']:.1f} s | {theirs['wall']:.1f} s |",
            f"| throughput | {ours_rate:.1f} domains/s | {theirs_rate:.2f} domains/s |",
            f"| peak RSS | {ours['max_rss_mb']:.0f} MB | {theirs['max_rss_mb']:.0f} MB |",
            f"| DNS queries answered | {ours['queries']:,} ({ours['queries'] / count:.1f} per domain) "
            f"| {theirs['queries']:,} ({theirs['queries'] / count:.1f} per domain) |",
            f"| results | {ours['results']:,} ({statuses}) | {len(theirs['domains_checked']):,} domains |",
            "",
            f"- Throughput: **{ours_rate / theirs_rate:.0f}×** checkdmarc's (target: at least 10×).",
            f"- Peak RSS: **{ours['max_rss_mb']:.0f} MB** (target: under 300 MB).",
            f"- Latency-bound floor: {ours['queries']:,} queries × {milliseconds} ÷ {concurrency} targets "
            f"at once = {floor:.1f} s; the run took **{ours['wall'] / floor:.1f}×** the floor "
            "(target: within 3×).",
            f"- The first pass of our scan, which also filled the synthetic server's answer cache, took "
            f"{cold['wall']:.1f} s ({cold['wall'] / floor:.1f}× the floor): the difference is the server "
            "computing answers on the same two CPUs.",
        ]
    )


# --- the contenders, each run as `python -m bench.bench_checks <name> <setup file> <concurrency>` ------


def _ours(setup: dict[str, Any], concurrency: int) -> dict[str, Any]:
    from checks import policy
    from checks.context import ScanOptions
    from checks.registry import select_checks
    from checks.resolver import Nameserver
    from checks.runner import run_scan
    from checks.targets import parse_target

    options = ScanOptions(
        nameservers=(Nameserver(setup["address"], 53),),
        trust_anchors={**policy.ROOT_TRUST_ANCHORS, **setup["trust_anchors"]},
        concurrency=concurrency,
    )
    targets = [parse_target(d) for d in setup["domains"]]
    checks = select_checks(OUR_CHECKS)
    started = time.perf_counter()
    reports = run_scan(targets, checks, options)
    wall = time.perf_counter() - started
    statuses = Counter(r.status.value for report in reports for r in report.results)
    return {"wall": wall, "results": sum(statuses.values()), "statuses": dict(statuses)}


def _checkdmarc(setup: dict[str, Any], concurrency: int) -> dict[str, Any]:
    from importlib.metadata import version

    import checkdmarc

    started = time.perf_counter()
    results = checkdmarc.check_domains(setup["domains"], nameservers=[setup["address"]], timeout=2.0)
    wall = time.perf_counter() - started
    checked = [r["domain"] for r in (results if isinstance(results, list) else [results])]
    return {"wall": wall, "domains_checked": checked, "version": version("checkdmarc")}


def _contend(name: str, setup_path: str, concurrency: str) -> None:
    sys.path.insert(0, str(ROOT))
    from tests import network_guard

    network_guard.install()  # loopback only, as in the tests
    setup = json.loads(Path(setup_path).read_text())
    result = (_ours if name == "ours" else _checkdmarc)(setup, int(concurrency))
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    _contend(*sys.argv[1:4])

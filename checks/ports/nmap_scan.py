"""nmap through python-nmap: one run per batch of hosts, gentle timing, and nothing on its command line
that did not pass `ipaddress` (hosts) or come from the catalogue and options (ports, arguments).

python-nmap splits its host and argument strings with shlex and never uses a shell; validating every
host as an IP address here means a value like `-iL /etc/passwd` cannot reach nmap even if a caller
skipped checks.targets.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import nmap

from checks.context import NmapOptions
from checks.limits import ConnectionLimiter, LocalLimiter
from checks.ports.catalogue import Catalogue

MISSING_MESSAGE_FR = "nmap est introuvable : installez le paquet Debian « nmap » (apt install nmap)."
MISSING_MESSAGE_EN = "nmap was not found: install the Debian package `nmap` (apt install nmap)."
RUNS_KEY = "nmap-runs"  # the limiter's slots for nmap runs


class NmapNotFound(RuntimeError):
    def __init__(self, program: str) -> None:
        super().__init__(f"{MISSING_MESSAGE_EN} (looked for {program!r})")
        self.program = program


class NmapFailed(RuntimeError):
    pass


def find_nmap(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        raise NmapNotFound(program)
    return path


def validated_hosts(hosts: Sequence[str]) -> list[str]:
    """Canonical IP addresses, all of one family; anything else is refused before nmap runs."""
    addresses = [ipaddress.ip_address(h) for h in hosts]  # ValueError for anything that is not an IP
    if len({a.version for a in addresses}) > 1:
        raise ValueError("one nmap run scans one address family")
    return [str(a) for a in addresses]


def scan_udp(options: NmapOptions) -> bool:
    if options.udp is not None:
        return options.udp
    return hasattr(os, "geteuid") and os.geteuid() == 0


def run_rate(options: NmapOptions) -> int:
    """One run's share of the packet rate: at most `parallel_runs` runs at once (a slot each), so
    together they never exceed `max_rate`."""
    return max(1, options.max_rate // options.parallel_runs)


def nmap_command(options: NmapOptions, catalogue: Catalogue, *, ipv6: bool, udp: bool) -> tuple[str, str]:
    """(ports, arguments) for python-nmap: a TCP connect scan of the catalogue's ports, no ping, no DNS."""
    tcp = catalogue.ports("tcp")
    udp_ports = catalogue.ports("udp") if udp else []
    ports = "T:" + ",".join(map(str, tcp)) + ("," + "U:" + ",".join(map(str, udp_ports)) if udp_ports else "")
    arguments = [
        "-Pn",  # the hosts are known to exist; many drop ICMP
        "-n",  # addresses only: our resolver already resolved the names
        "-sT",
        *(["-sU"] if udp_ports else []),
        options.timing,
        "--max-rate",
        str(run_rate(options)),
        "--max-retries",
        str(int(options.max_retries)),
        "--host-timeout",
        f"{int(options.host_timeout)}s",
        *(["-6"] if ipv6 else []),
    ]
    return ports, " ".join(arguments)


@dataclass(frozen=True)
class OpenPort:
    protocol: str
    port: int
    service: str  # nmap's name for what usually listens there


@dataclass(frozen=True)
class HostScan:
    address: str
    scanned: bool  # False when nmap gave up on the host (host timeout)
    open_ports: tuple[OpenPort, ...] = ()


def parse_scan(result: dict[str, Any], hosts: Sequence[str]) -> dict[str, HostScan]:
    """python-nmap's result dictionary → one HostScan per requested host (pure)."""
    scanned = result.get("scan", {})
    scans = {}
    for host in hosts:
        entry = scanned.get(host)
        if entry is None:
            scans[host] = HostScan(host, scanned=False)
            continue
        open_ports = []
        for protocol in ("tcp", "udp"):
            for port, info in sorted(entry.get(protocol, {}).items()):
                if info.get("state") == "open":
                    open_ports.append(OpenPort(protocol, int(port), str(info.get("name") or "")))
        scans[host] = HostScan(host, scanned=True, open_ports=tuple(open_ports))
    return scans


def run_nmap(program: str, hosts: Sequence[str], ports: str, arguments: str, timeout: int) -> dict[str, Any]:
    """One blocking nmap run (call it in a thread)."""
    try:
        scanner = nmap.PortScanner(nmap_search_path=(program,))
        result: dict[str, Any] = scanner.scan(
            hosts=" ".join(validated_hosts(hosts)), ports=ports, arguments=arguments, timeout=timeout
        )
    except nmap.PortScannerTimeout as error:
        raise NmapFailed(f"nmap did not finish within {timeout} s") from error
    except nmap.PortScannerError as error:
        raise NmapFailed(str(error).strip()[:300]) from error
    return result


@dataclass
class _Batch:
    waiting: dict[str, asyncio.Future[HostScan]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None


class NmapBatcher:
    """Collects the addresses targets ask about and scans them in batches, one nmap run per batch."""

    def __init__(
        self,
        options: NmapOptions,
        catalogue: Catalogue,
        run_timeout: float,
        limiter: ConnectionLimiter | None = None,
    ) -> None:
        self.program = find_nmap(options.program)
        self.options = options
        self.catalogue = catalogue
        self.udp = scan_udp(options)
        self.run_timeout = max(1, int(run_timeout))
        self._batches = {4: _Batch(), 6: _Batch()}
        # Runs at once, each with its share of the rate: in this process, or in the whole deployment
        # with a shared limiter (a run holds its slot while nmap runs; the lease is renewed meanwhile).
        self.limiter: ConnectionLimiter = limiter or LocalLimiter(0)
        self._runs: set[asyncio.Task[None]] = set()
        self.runs = 0

    async def scan(self, address: str) -> HostScan:
        address = validated_hosts([address])[0]
        batch = self._batches[ipaddress.ip_address(address).version]
        future = batch.waiting.get(address)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            batch.waiting[address] = future
            if len(batch.waiting) >= self.options.batch_size:
                self._flush(ipaddress.ip_address(address).version)
            elif batch.timer is None:
                version = ipaddress.ip_address(address).version
                batch.timer = asyncio.get_running_loop().call_later(
                    self.options.batch_wait, self._flush, version
                )
        return await asyncio.shield(future)

    def _flush(self, version: int) -> None:
        batch = self._batches[version]
        if batch.timer is not None:
            batch.timer.cancel()
        self._batches[version] = _Batch()
        if batch.waiting:
            task = asyncio.ensure_future(self._run(batch.waiting, ipv6=version == 6))
            self._runs.add(task)
            task.add_done_callback(self._runs.discard)

    async def _run(self, waiting: dict[str, asyncio.Future[HostScan]], *, ipv6: bool) -> None:
        hosts = list(waiting)
        ports, arguments = nmap_command(self.options, self.catalogue, ipv6=ipv6, udp=self.udp)
        try:
            slot = await self.limiter.slot(RUNS_KEY, self.options.parallel_runs)
            try:
                self.runs += 1
                result = await asyncio.to_thread(
                    run_nmap, self.program, hosts, ports, arguments, self.run_timeout
                )
            finally:
                slot.release()
            scans = parse_scan(result, hosts)
        except Exception as error:
            for future in waiting.values():
                if not future.done():
                    future.set_exception(error)
                    future.exception()  # retrieved here: the checks that still wait re-raise it
            return
        for host, future in waiting.items():
            if not future.done():
                future.set_result(scans[host])

    async def close(self) -> None:
        for batch in self._batches.values():
            if batch.timer is not None:
                batch.timer.cancel()
            for future in batch.waiting.values():
                future.cancel()
        for task in list(self._runs):
            task.cancel()

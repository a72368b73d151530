"""Scan options, the state a whole run shares, and the context one check gets for one target."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from checks import policy
from checks.connector import Connector
from checks.limits import ConnectionLimiter, LocalLimiter
from checks.resolver import DnsView, Nameserver, Resolver

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Ports:
    """Where services are looked for; tests move them to ephemeral ports on loopback."""

    smtp: int = 25
    http: int = 80
    https: int = 443


@dataclass(frozen=True)
class NmapOptions:
    program: str = "nmap"  # looked up in PATH
    batch_size: int = policy.NMAP_BATCH_SIZE
    batch_wait: float = policy.NMAP_BATCH_WAIT
    max_rate: int = policy.NMAP_MAX_RATE  # all runs together: each gets max_rate / parallel_runs
    parallel_runs: int = policy.NMAP_PARALLEL_RUNS
    max_retries: int = policy.NMAP_MAX_RETRIES
    host_timeout: int = policy.NMAP_HOST_TIMEOUT
    timing: str = policy.NMAP_TIMING  # "-T3" (normal) or slower; faster templates are refused
    udp: bool | None = None  # None: scan UDP services only when running as root (nmap needs raw sockets)
    catalogue: Path | None = None  # None: the catalogue shipped in checks/data


@dataclass(frozen=True)
class ScanOptions:
    nameservers: tuple[Nameserver, ...] = ()
    dns_timeout: float = policy.DNS_TIMEOUT
    dns_attempts: int = policy.DNS_ATTEMPTS
    connect_timeout: float = policy.CONNECT_TIMEOUT
    io_timeout: float = policy.IO_TIMEOUT
    check_timeout: float = policy.CHECK_TIMEOUT
    exposure_timeout: float = policy.EXPOSURE_TIMEOUT
    concurrency: int = policy.DEFAULT_CONCURRENCY
    ca_file: Path | None = None  # extra trusted CA certificates (PEM): a CSIRT's private CA, tests' CA
    # DNSSEC trust anchors: zone → DS records (presentation form). The root's by default.
    trust_anchors: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(policy.ROOT_TRUST_ANCHORS)
    )
    ports: Ports = Ports()
    # Only globally routable addresses are contacted unless this is set (tests, internal scans).
    allow_private_addresses: bool = False
    # Never contacted, even when a name resolves to them (a deployment's exclusion list); CIDR texts.
    excluded_networks: tuple[str, ...] = ()
    # Politeness: connections open at once to one address (0: no limit), new connections per second
    # overall (0: no limit). nmap has its own packet rate (NmapOptions.max_rate).
    per_address_connections: int = 0
    connections_per_second: float = 0
    # Where these limits are kept: "" for this run alone (in-process), or a Redis URL for limits that
    # every process of a deployment shares; a process that dies gives its slots back after the lease.
    shared_limits_url: str = ""
    shared_limits_lease: float = policy.SHARED_LIMITS_LEASE
    shared_limits_prefix: str = "cyberreponse:limits"
    user_agent: str = policy.USER_AGENT
    helo_name: str = policy.HELO_NAME
    nmap: NmapOptions = NmapOptions()
    clock: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.check_timeout <= 0 or self.dns_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.ca_file is not None and not Path(self.ca_file).is_file():
            raise ValueError(f"CA file not found: {self.ca_file}")
        parse_trust_anchors(self.trust_anchors)
        for network in self.excluded_networks:
            ipaddress.ip_network(network, strict=False)  # ValueError for a malformed network
        if self.shared_limits_url and not self.shared_limits_url.startswith(
            ("redis://", "rediss://", "unix://")
        ):
            raise ValueError("shared limits need a redis://, rediss:// or unix:// URL")
        if self.shared_limits_lease <= 0:
            raise ValueError("the shared limits' lease must be positive")
        if self.nmap.parallel_runs < 1:
            raise ValueError("nmap needs at least one run at once")
        if self.nmap.timing not in policy.NMAP_ALLOWED_TIMINGS:
            raise ValueError(f"nmap timing must be one of {', '.join(policy.NMAP_ALLOWED_TIMINGS)}")


def parse_trust_anchors(anchors: Mapping[str, tuple[str, ...]]) -> dict[dns.name.Name, list[Any]]:
    """Zone name → DS rdata; a malformed anchor is a configuration error (ValueError)."""
    parsed: dict[dns.name.Name, list[Any]] = {}
    for zone, records in anchors.items():
        try:
            name = dns.name.from_text(zone)
            parsed[name] = [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, r) for r in records]
        except Exception as error:
            raise ValueError(f"invalid DNSSEC trust anchor for {zone!r}: {error}") from error
    return parsed


class Memo:
    """Work shared by every target of a run (a parent zone's DNSSEC keys, say), done once.

    A failure is not kept: the next target asks again.
    """

    def __init__(self) -> None:
        self._tasks: dict[Hashable, asyncio.Task[Any]] = {}

    async def get(self, key: Hashable, factory: Callable[[], Awaitable[T]]) -> T:
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(factory())
            self._tasks[key] = task
            task.add_done_callback(lambda t: self._forget_failure(key, t))
        result: T = await asyncio.shield(task)
        return result

    def _forget_failure(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if task.cancelled() or task.exception() is not None:
            self._tasks.pop(key, None)


def make_limiter(options: ScanOptions) -> ConnectionLimiter:
    """The run's limiter: shared through Redis when a URL is set, in-process otherwise. Made inside the
    run's event loop (a Redis client belongs to the loop that first uses it)."""
    if not options.shared_limits_url:
        return LocalLimiter(options.connections_per_second)
    from checks.shared_limits import RedisLimiter  # redis and limits only where they are used

    return RedisLimiter(
        options.shared_limits_url,
        connections_per_second=options.connections_per_second,
        lease_seconds=options.shared_limits_lease,
        prefix=options.shared_limits_prefix,
    )


class RunState:
    """What one scan run shares across targets: resolver, connector, trust anchors, memo, nmap batches."""

    def __init__(self, options: ScanOptions) -> None:
        self.options = options
        self.resolver = Resolver(
            options.nameservers, timeout=options.dns_timeout, attempts=options.dns_attempts
        )
        self.connector = Connector(
            ca_file=options.ca_file,
            allow_private_addresses=options.allow_private_addresses,
            connect_timeout=options.connect_timeout,
            io_timeout=options.io_timeout,
            excluded_networks=options.excluded_networks,
            per_address_connections=options.per_address_connections,
            connections_per_second=options.connections_per_second,
            limiter=make_limiter(options),
        )
        self.trust_anchors = parse_trust_anchors(options.trust_anchors)
        self.memo = Memo()
        self.services: dict[str, Any] = {}  # run-wide helpers a check family starts on first use

    def service(self, name: str, factory: Callable[[], T]) -> T:
        if name not in self.services:
            self.services[name] = factory()
        service: T = self.services[name]
        return service

    async def close(self) -> None:
        for service in self.services.values():
            closer = getattr(service, "close", None)
            if closer is not None:
                await closer()
        await self.connector.close()


@dataclass
class CheckContext:
    """What a check may use for one target: options, the target's DNS view, the connector, the run."""

    run: RunState
    dns: DnsView

    @property
    def options(self) -> ScanOptions:
        return self.run.options

    @property
    def connector(self) -> Connector:
        return self.run.connector

    def now(self) -> datetime:
        return self.options.clock()

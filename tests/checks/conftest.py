"""Fixtures for the checks: a DNS server per test, a test CA per session, and a helper that runs one
check for real (resolver, connections, nmap) and returns its result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from checks.base import CheckResult
from checks.context import Ports, ScanOptions
from checks.registry import select_checks
from checks.runner import run_scan
from checks.targets import parse_target
from tests.peers.certificates import Pki
from tests.peers.dns_server import DnsPeer
from tests.peers.servers import WebPeer


@pytest.fixture
def dns_peer() -> Iterator[DnsPeer]:
    peer = DnsPeer().start()
    yield peer
    peer.stop()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


def options_for(peer: DnsPeer, pki: Pki | None = None, **overrides: Any) -> ScanOptions:
    """Options pointing at the test's DNS server, trusting the test CA, allowing loopback addresses."""
    settings: dict[str, Any] = {
        "nameservers": (peer.nameserver,),
        "dns_timeout": 0.5,
        "dns_attempts": 1,
        "connect_timeout": 2.0,
        "io_timeout": 2.0,
        "check_timeout": 10.0,
        "allow_private_addresses": True,
        "ca_file": pki.ca_file if pki else None,
        "trust_anchors": peer.trust_anchors,
    }
    settings.update(overrides)
    return ScanOptions(**settings)


RunCheck = Callable[..., CheckResult]


@pytest.fixture
def run_check(dns_peer: DnsPeer, pki: Pki) -> RunCheck:
    """run_check("mairie.test", "mail.spf", ports=Ports(...)) → the CheckResult of that check."""

    def run(target: str, check_id: str, **overrides: Any) -> CheckResult:
        options = options_for(dns_peer, pki, **overrides)
        [report] = run_scan([parse_target(target)], select_checks([check_id]), options)
        [result] = report.results
        return result

    return run


def codes(result: CheckResult) -> list[str]:
    return [p.code for p in result.problems]


def problem(result: CheckResult, code: str) -> dict[str, Any]:
    return next(p.to_json() for p in result.problems if p.code == code)


@pytest.fixture
def web_site(dns_peer: DnsPeer) -> Iterator[Callable[..., WebPeer]]:
    """web_site("site.test", https=context, ...) → a running WebPeer that the name resolves to."""
    started: list[WebPeer] = []

    def make(name: str, **kwargs: Any) -> WebPeer:
        peer = WebPeer(**kwargs).start()
        started.append(peer)
        dns_peer.add_zone(name, f"@ A {peer.address}")
        return peer

    yield make
    for peer in started:
        peer.stop()


def web_ports(peer: WebPeer) -> Ports:
    return Ports(http=peer.http_port, https=peer.https_port)

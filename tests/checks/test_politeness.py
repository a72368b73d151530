"""Politeness and exclusion options of the checks library: an excluded address is never contacted,
connection openings are spaced, nmap never runs faster than -T3."""

from __future__ import annotations

import asyncio

import pytest

from checks.base import Status
from checks.context import NmapOptions, ScanOptions
from checks.limits import RateLimiter
from tests.checks.conftest import RunCheck, web_ports
from tests.peers.certificates import Pki
from tests.peers.dns_server import DnsPeer
from tests.peers.servers import WebPeer


def test_an_excluded_address_is_never_contacted_even_where_private_addresses_are_allowed(
    pki: Pki, dns_peer: DnsPeer, run_check: RunCheck
) -> None:
    peer = WebPeer(https=pki.issue("exclu.test").server_context(), http_routes={}).start()
    try:
        dns_peer.add_zone("exclu.test", f"@ A {peer.address}")
        result = run_check(
            "exclu.test", "web.https", ports=web_ports(peer), excluded_networks=(f"{peer.address}/32",)
        )
    finally:
        peer.stop()
    assert result.status is Status.SKIPPED
    assert result.to_json()["evidence"]["skipped"]["reason"] == "excluded_address"
    assert peer.requests_seen == []


def test_connection_openings_are_spaced_by_the_overall_rate() -> None:
    async def five_openings() -> float:
        limiter = RateLimiter(20)  # 20 per second: one every 50 ms
        start = asyncio.get_running_loop().time()
        for _ in range(5):
            await limiter.acquire()
        return asyncio.get_running_loop().time() - start

    assert asyncio.run(five_openings()) >= 0.19


@pytest.mark.parametrize("timing", ["-T4", "-T5"])
def test_aggressive_nmap_timings_are_refused(timing: str) -> None:
    with pytest.raises(ValueError, match="nmap timing"):
        ScanOptions(nmap=NmapOptions(timing=timing))


def test_connection_openings_to_one_address_wait_for_each_other_beyond_the_limit() -> None:
    """A listener that never accepts: its queue fills, later openings hang until the connect timeout.
    With at most 2 openings in progress, 5 attempts take at least two rounds of that timeout."""
    import socket

    from checks.connector import ConnectionFailed, Connector

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]

    async def attempts(limit: int) -> float:
        connector = Connector(
            allow_private_addresses=True, per_address_connections=limit, connect_timeout=0.4
        )
        loop = asyncio.get_running_loop()
        start = loop.time()
        outcomes = await asyncio.gather(
            *(connector.open_tcp("127.0.0.1", port) for _ in range(5)), return_exceptions=True
        )
        for outcome in outcomes:
            if not isinstance(outcome, BaseException):
                outcome[1].close()
            else:
                assert isinstance(outcome, ConnectionFailed)
        return loop.time() - start

    try:
        assert asyncio.run(attempts(2)) >= 0.75
    finally:
        listener.close()


def test_in_process_the_host_never_sees_more_connections_at_once_than_the_limit() -> None:
    """The default limiter, no Redis: a slot is held from opening to closing, as the host counts."""
    from checks.connector import Connector, close_quietly
    from tests.peers.counting import CountingPeer

    peer = CountingPeer(hold=0.05).start()

    async def scan() -> None:
        connector = Connector(allow_private_addresses=True, per_address_connections=2)

        async def one() -> None:
            reader, writer = await connector.open_tcp(peer.address, peer.port)
            await reader.read()
            await close_quietly(writer)

        await asyncio.gather(*(one() for _ in range(8)))
        await connector.close()

    try:
        asyncio.run(scan())
    finally:
        peer.stop()
    assert (len(peer.opened_at), peer.most_open) == (8, 2)

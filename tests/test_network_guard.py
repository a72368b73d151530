"""The guard that keeps tests on loopback really stops other connections."""

from __future__ import annotations

import socket

import pytest

from tests.network_guard import NetworkGuardError


@pytest.mark.parametrize(
    "address", [("192.0.2.1", 80), ("8.8.8.8", 53), ("example.org", 443), ("10.0.0.1", 22)]
)
def test_tcp_connection_beyond_loopback_fails_loudly(address: tuple[str, int]) -> None:
    with socket.socket() as sock, pytest.raises(NetworkGuardError, match="only loopback"):
        sock.connect(address)


def test_udp_datagram_beyond_loopback_fails_loudly() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, pytest.raises(NetworkGuardError):
        sock.sendto(b"\x00", ("9.9.9.9", 53))


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=2):
            pass

"""Make any connection beyond loopback fail loudly (DESIGN §9): tests never touch the internet.

Loaded as a pytest plugin from conftest. Unix sockets, 127.0.0.0/8 and ::1 are allowed;
so is "localhost"; any other address or name raises NetworkGuardError at once.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex
_original_sendto = socket.socket.sendto


class NetworkGuardError(RuntimeError):
    pass


def is_loopback(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # AF_UNIX paths and abstract sockets stay on this machine
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check(address: Any) -> None:
    if not is_loopback(address):
        raise NetworkGuardError(f"test tried to reach {address!r}: only loopback is allowed in tests")


def _connect(self: socket.socket, address: Any) -> None:
    _check(address)
    _original_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(address)
    return _original_connect_ex(self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(args[-1])
    return _original_sendto(self, data, *args)  # type: ignore[arg-type]


def install() -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]


def pytest_configure(config: Any) -> None:
    install()

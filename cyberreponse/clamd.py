"""A small client of clamd's INSTREAM command (ClamAV's daemon), over TCP or a Unix socket.

The protocol (clamd(8)): send `zINSTREAM\\0`, then the content in chunks, each preceded by its length
as 4 bytes in network order, and a zero-length chunk to finish; clamd answers one NUL-terminated line:
`stream: OK`, `stream: <signature> FOUND`, or `<reason> ERROR` (e.g. the stream exceeded its
StreamMaxLength). Every socket operation has a timeout. Anything but a clear OK or FOUND raises
`AntivirusUnavailable`: the caller must then refuse the file rather than accept it unscanned.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol

CHUNK_BYTES = 64 * 1024
_MAX_REPLY_BYTES = 4096


class AntivirusUnavailable(Exception):
    """The scanner could not give a verdict (unreachable, timed out, refused the stream)."""


@dataclass(frozen=True)
class Verdict:
    """`signature` names what was found; None when the content is clean."""

    signature: str | None = None

    @property
    def infected(self) -> bool:
        return self.signature is not None


class Antivirus(Protocol):
    @property
    def enabled(self) -> bool: ...

    def scan(self, content: bytes) -> Verdict: ...


class NoAntivirus:
    """`uploads.antivirus = "off"`: files are accepted without a virus scan (documented default
    for a first `make run`; production enables clamd)."""

    enabled = False

    def scan(self, content: bytes) -> Verdict:
        return Verdict()


def parse_address(raw: str) -> tuple[socket.AddressFamily, str | tuple[str, int]]:
    """`unix:///run/clamav/clamd.ctl` (or a bare absolute path) or `tcp://host:port`."""
    value = raw.strip()
    if value.startswith("unix://"):
        value = value[len("unix://") :]
    if value.startswith("/"):
        return socket.AF_UNIX, value
    if value.startswith("tcp://"):
        host, _, port = value[len("tcp://") :].rstrip("/").rpartition(":")
        host = host.strip("[]")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return socket.AF_INET6 if ":" in host else socket.AF_INET, (host, int(port))
    raise ValueError(f"not a clamd address: {raw!r} (expected unix:///path or tcp://host:port)")


class ClamdClient:
    enabled = True

    def __init__(self, address: str, timeout: float) -> None:
        self.family, self.address = parse_address(address)
        self.timeout = timeout

    def _connect(self) -> socket.socket:
        connection = socket.socket(self.family, socket.SOCK_STREAM)
        connection.settimeout(self.timeout)
        try:
            connection.connect(self.address)
        except BaseException:
            connection.close()
            raise
        return connection

    def _exchange(self, parts: list[bytes]) -> str:
        try:
            with self._connect() as connection:
                for part in parts:
                    connection.sendall(part)
                reply = b""
                while not reply.endswith(b"\0") and len(reply) < _MAX_REPLY_BYTES:
                    received = connection.recv(_MAX_REPLY_BYTES)
                    if not received:
                        break
                    reply += received
        except OSError as error:  # refused, missing socket, timeout, reset
            raise AntivirusUnavailable(f"clamd: {type(error).__name__}: {error}") from error
        return reply.rstrip(b"\0").decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        try:
            return self._exchange([b"zPING\0"]) == "PONG"
        except AntivirusUnavailable:
            return False

    def scan(self, content: bytes) -> Verdict:
        parts = [b"zINSTREAM\0"]
        for start in range(0, len(content), CHUNK_BYTES):
            chunk = content[start : start + CHUNK_BYTES]
            parts.append(struct.pack("!I", len(chunk)) + chunk)
        parts.append(struct.pack("!I", 0))
        return parse_reply(self._exchange(parts))


def parse_reply(reply: str) -> Verdict:
    """`stream: OK` → clean; `stream: Name FOUND` → infected; anything else → no verdict."""
    body = reply.removeprefix("stream:").strip()
    if reply.startswith("stream:") and body == "OK":
        return Verdict()
    if reply.startswith("stream:") and body.endswith(" FOUND"):
        return Verdict(signature=body.removesuffix(" FOUND").strip() or "inconnu")
    raise AntivirusUnavailable(f"clamd gave no verdict: {reply[:200]!r}")

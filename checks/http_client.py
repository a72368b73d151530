"""One HTTP/1.1 GET to an address we resolved, with Host (and SNI) set to the name. No redirect is
followed here: callers decide, which keeps requests on the addresses the scan was given."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from checks.connector import ConnectionFailed, Connector, close_quietly


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: tuple[tuple[str, str], ...]  # (lower-case name, value), in the order received
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first header of that name (RFC 6797 §8.1: only the first HSTS header counts)."""
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)


async def http_get(
    connector: Connector,
    address: str,
    port: int,
    host: str,
    path: str,
    *,
    tls: bool,
    user_agent: str,
    max_body: int = 0,
) -> HttpResponse:
    """Raises ConnectionFailed (refused, timeout, tls_handshake, closed, bad_response)."""
    if tls:
        reader, writer, _info = await connector.open_tls(address, port, host, verify=False)
    else:
        reader, writer = await connector.open_tcp(address, port)
    default_port = 443 if tls else 80
    host_header = host if port == default_port else f"{host}:{port}"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {user_agent}\r\n"
        "Accept: */*\r\nConnection: close\r\n\r\n"
    )
    try:
        writer.write(request.encode("ascii"))
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), connector.io_timeout)
        except TimeoutError as error:
            raise ConnectionFailed(address, port, "timeout", "no HTTP response") from error
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError) as error:
            raise ConnectionFailed(address, port, "bad_response", type(error).__name__) from error
        status, headers = parse_head(head, address, port)
        body = b""
        if max_body:
            try:
                body = await asyncio.wait_for(_read_body(reader, headers, max_body), connector.io_timeout)
            except (TimeoutError, asyncio.IncompleteReadError, OSError, ValueError) as error:
                raise ConnectionFailed(
                    address, port, "bad_response", "body " + type(error).__name__
                ) from error
        return HttpResponse(status, headers, body)
    finally:
        await close_quietly(writer)


def parse_head(head: bytes, address: str = "", port: int = 0) -> tuple[int, tuple[tuple[str, str], ...]]:
    lines = head.decode("iso-8859-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit() or len(parts[1]) != 3:
        raise ConnectionFailed(address, port, "bad_response", "not an HTTP status line")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name and name == name.strip():
            headers.append((name.lower(), value.strip()))
    return int(parts[1]), tuple(headers)


async def _read_body(reader: asyncio.StreamReader, headers: tuple[tuple[str, str], ...], limit: int) -> bytes:
    fields = dict(headers)
    if "chunked" in fields.get("transfer-encoding", "").lower():
        body = b""
        while len(body) < limit:
            size_line = await reader.readline()
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            wanted = min(size, limit - len(body))
            body += await reader.readexactly(wanted)
            if wanted < size:
                break
            await reader.readline()
        return body[:limit]
    length = fields.get("content-length", "")
    if length.isdigit():
        return await reader.readexactly(min(int(length), limit))
    return await reader.read(limit)

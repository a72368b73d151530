"""Just enough SMTP to learn whether a server offers STARTTLS and which certificate it then shows.

Banner, EHLO, STARTTLS, TLS handshake (SNI = the MX name), QUIT: no mail is ever sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from checks import policy
from checks.connector import ConnectionFailed, Connector, TlsInfo, close_quietly


@dataclass(frozen=True)
class SmtpProbe:
    banner: str
    starttls_offered: bool
    tls: TlsInfo | None  # set when STARTTLS was offered and the handshake completed


async def probe_starttls(
    connector: Connector, address: str, port: int, server_name: str, helo_name: str, *, verify: bool
) -> SmtpProbe:
    """Raises ConnectionFailed (refused, timeout, tls_handshake...) or CertificateRejected when verifying."""
    reader, writer = await connector.open_tcp(address, port)
    try:
        code, lines = await _reply(connector, reader, address, port)
        if code != 220:
            raise ConnectionFailed(address, port, "smtp_refused", f"banner {code}")
        banner = lines[0] if lines else ""
        writer.write(f"EHLO {helo_name}\r\n".encode("ascii"))
        code, lines = await _reply(connector, reader, address, port)
        if code != 250:
            raise ConnectionFailed(address, port, "smtp_refused", f"EHLO {code}")
        offered = any(line.split(" ", 1)[0].upper() == "STARTTLS" for line in lines[1:])
        if not offered:
            writer.write(b"QUIT\r\n")
            return SmtpProbe(banner, False, None)
        writer.write(b"STARTTLS\r\n")
        code, _lines = await _reply(connector, reader, address, port)
        if code != 220:
            raise ConnectionFailed(address, port, "tls_handshake", f"STARTTLS answered {code}")
        tls = await connector.start_tls(writer, address, port, server_name, verify=verify)
        writer.write(b"QUIT\r\n")
        return SmtpProbe(banner, True, tls)
    finally:
        await close_quietly(writer)


async def _reply(
    connector: Connector, reader: asyncio.StreamReader, address: str, port: int
) -> tuple[int, list[str]]:
    """One (possibly multi-line) reply: its code and the text of each line."""
    lines: list[str] = []
    for _ in range(policy.SMTP_MAX_REPLY_LINES):
        raw = await connector.read_line(reader, address, port)
        if not raw:
            raise ConnectionFailed(address, port, "closed", "connection closed by the server")
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if len(line) < 3 or not line[:3].isdigit():
            raise ConnectionFailed(address, port, "smtp_refused", "not an SMTP reply")
        lines.append(line[4:])
        if len(line) == 3 or line[3] != "-":
            return int(line[:3]), lines
    raise ConnectionFailed(address, port, "smtp_refused", "reply too long")

"""One DNS question to one server: UDP from a fresh socket (random source port), TCP when truncated.

The query is written by hand rather than through dnspython's message objects, and the socket is driven
with the event loop's low-level calls rather than a datagram transport: for a scan of thousands of
domains that is most of the client's CPU (see docs/benchmarks.md). The answer is parsed by dnspython.
Each socket is connected to the server, so the kernel drops datagrams from anyone else; the reply must
also carry our random ID and repeat our question.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
import struct

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.name

_SIMPLE_NAME = re.compile(r"^(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}$")
_RD, _CD = 0x0100, 0x0010
EDNS_PAYLOAD = 1232  # the DNS flag day 2020 recommendation: no IP fragmentation


def question_wire(name: str, rdtype: int) -> bytes:
    """The question section for a name written without its final dot ("" or "." is the root)."""
    if name in ("", "."):
        qname = b"\0"
    elif _SIMPLE_NAME.match(name):
        qname = b"".join(bytes((len(label),)) + label.encode("ascii") for label in name.split(".")) + b"\0"
    else:
        qname = dns.name.from_text(name).to_wire() or b"\0"  # escapes, odd characters: dnspython checks
    return qname + struct.pack("!HH", rdtype, 1)


def query_wire(query_id: int, question: bytes, *, dnssec: bool) -> bytes:
    """Header (RD, and CD when asking for DNSSEC data), the question, an OPT record (DO when dnssec)."""
    flags = _RD | (_CD if dnssec else 0)
    header = struct.pack("!HHHHHH", query_id, flags, 1, 0, 0, 1)
    opt = b"\0" + struct.pack("!HHIH", 41, EDNS_PAYLOAD, 0x8000 if dnssec else 0, 0)
    return header + question + opt


def _matches(reply: bytes, query_id: int, question: bytes) -> bool:
    return (
        len(reply) >= 12 + len(question)
        and struct.unpack("!H", reply[:2])[0] == query_id
        and reply[2] & 0x80 != 0  # QR: a response
        and reply[4:6] == b"\0\1"
        and reply[12 : 12 + len(question)].lower() == question.lower()
    )


async def exchange(
    name: str, rdtype: int, host: str, port: int, timeout: float, *, dnssec: bool, authority: bool = False
) -> dns.message.Message:
    """The server's reply. Raises dns.exception.Timeout, OSError or dns.exception.DNSException.

    Without `authority`, the authority and additional sections are not parsed: for negative answers
    (most of a scan's) the SOA they carry costs more to parse than all the rest.
    """
    loop = asyncio.get_running_loop()
    question = question_wire(name, rdtype)
    query_id = secrets.randbits(16)
    wire = query_wire(query_id, question, dnssec=dnssec)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = loop.time() + timeout
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        sock.connect((host, port))
        await loop.sock_sendall(sock, wire)
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    reply = await loop.sock_recv(sock, 65535)
                    if _matches(reply, query_id, question):
                        break  # anything else (a late reply to an earlier query) is ignored
        except TimeoutError as error:
            raise dns.exception.Timeout from error
    if not authority:
        reply = reply[:8] + b"\0\0\0\0" + reply[12:]  # NSCOUNT = ARCOUNT = 0; the rest is ignored
    message = dns.message.from_wire(reply, ignore_trailing=not authority)
    if message.flags & dns.flags.TC:
        query = dns.message.from_wire(wire)
        return await dns.asyncquery.tcp(query, host, timeout=max(deadline - loop.time(), 0.1), port=port)
    return message

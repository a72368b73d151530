"""A DNS server for the checks benchmark: synthetic `.test` domains, every answer delayed by 20 ms.

The zones are built and answered by tests.peers.dns_server.Zones (dnspython zones, dnslib messages), the
same code the tests use. The sockets are asyncio rather than dnslib's thread-per-query server: answering
several thousand queries a second, each held 20 ms, with a thread apiece would make the server the
bottleneck and measure it rather than the clients. Answers are computed once per question and cached.

`python -m bench.synthetic_dns --address 127.0.0.53 --port 53 --domains 2000 --delay 0.02` prints one JSON
line (trust anchor, domain names) once it listens. Two control names, answered at once and not counted:
TXT `queries.bench-control` gives the number of queries answered so far, `reset.bench-control` resets it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import sys
from typing import Any

from dnslib import QTYPE, RR, TXT, DNSRecord

from tests.peers.dns_server import Zones

PROVIDERS = 20


def domain_name(index: int) -> str:
    return f"commune-{index:04d}.test"


def build_zones(count: int) -> tuple[Zones, list[str]]:
    """`count` member domains with a realistic spread of good and bad mail and DNS set-ups."""
    zones = Zones()
    zones.add_zone("test", "", signed=True)
    for k in range(PROVIDERS):
        zones.add_zone(
            f"provider-{k}.test",
            f'_spf TXT "v=spf1 ip4:198.51.100.0/24 include:_spf2.provider-{k}.test -all"\n'
            f'_spf2 TXT "v=spf1 ip4:203.0.113.0/24 ip6:2001:db8:{k:x}::/48 -all"\n'
            f"mx A 198.51.100.{k + 1}\n",
        )
    # An SPF provider whose record alone needs 11 lookups (every domain including it fails).
    zones.add_zone(
        "heavy.test",
        '_spf TXT "v=spf1 '
        + " ".join(f"a:h{i}.heavy.test" for i in range(11))
        + ' -all"\n'
        + "".join(f"h{i} A 192.0.2.{i + 1}\n" for i in range(11)),
    )
    names = [domain_name(i) for i in range(count)]
    authorisations = "".join(f'{name}._report._dmarc TXT "v=DMARC1"\n' for name in names[::2])
    zones.add_zone("dmarc-analyse.test", authorisations)
    for index, name in enumerate(names):
        zones.add_zone(name, _domain_records(index, name), signed=index % 10 == 0)
    return zones, names


def _domain_records(index: int, name: str) -> str:
    provider = f"provider-{index % PROVIDERS}.test"
    lines = [f"@ A 192.0.2.{index % 250 + 1}", f"www CNAME {name}."]
    kind = index % 20
    if kind == 0:
        lines.append("@ MX 0 .")  # null MX: sends and receives no mail
    elif kind < 6:
        lines += ["@ MX 10 mx", "mx A 192.0.2.200"]
    else:
        lines.append(f"@ MX 10 mx.{provider}.")
    spf = {
        1: "v=spf1 mx a -all",
        2: "v=spf1 mx a -all",
        3: "v=spf1 include:_spf.heavy.test -all",
        4: "v=spf1 +all",
        5: None,
        6: None,
        7: None,
        8: "v=spf1 ptr ?all",
    }.get(kind % 10, f"v=spf1 include:_spf.{provider} ~all")
    if kind == 0:
        spf = "v=spf1 -all"
    if spf:
        lines.append(f'@ TXT "{spf}"')
    dmarc = {
        0: "v=DMARC1; p=reject; rua=mailto:dmarc@{name}",
        1: "v=DMARC1; p=none; rua=mailto:rapports@dmarc-analyse.test",
        2: "v=DMARC1; p=quarantine; pct=50; rua=mailto:dmarc@{name}",
        3: None,
        4: "v=DMARC1; p=reject; sp=none",
    }[index % 5]
    if dmarc:
        lines.append('_dmarc TXT "' + dmarc.replace("{name}", name) + '"')
    if index % 5 < 3:
        lines.append(
            'default._domainkey TXT "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"'
        )
    if index % 5 == 0:
        lines.append('@ CAA 0 issue "letsencrypt.org"')
    lines.append('google-site-verification TXT "abcdef"')
    return "\n".join(lines) + "\n"


class Front:
    """Answers from the zones, each answer sent `delay` seconds after the question arrived."""

    def __init__(self, zones: Zones, delay: float) -> None:
        self.zones = zones
        self.delay = delay
        self.queries = 0
        self._cache: dict[bytes, bytes | None] = {}
        self._loop = asyncio.get_running_loop()

    def respond(self, data: bytes, send: Any, *args: Any, limit: int | None) -> None:
        """Send the reply to a wire-format query after the delay (control queries at once)."""
        parsed = _question(data)
        if parsed is None:
            return
        key, payload = parsed
        if key.startswith((b"queries.bench-control", b"reset.bench-control")):
            send(self._control(data, key), *args)
            return
        response = self.reply(data, key, payload, limit)
        if response is not None:
            self._loop.call_later(self.delay, send, response, *args)

    def reply(self, data: bytes, key: bytes, payload: int, limit: int | None) -> bytes | None:
        """The reply (None: send nothing), computed once per question."""
        self.queries += 1
        if key not in self._cache:
            reply = self.zones.answer(DNSRecord.parse(data))
            self._cache[key] = reply.pack()[2:] if reply is not None else None
        body = self._cache[key]
        if body is None:
            return None
        response = data[:2] + body
        if limit is not None and len(response) > max(limit, payload):
            truncated = DNSRecord.parse(response).truncate()
            return truncated.pack()
        return response

    def _control(self, data: bytes, key: bytes) -> bytes:
        request = DNSRecord.parse(data)
        if key.startswith(b"reset"):
            self.queries = 0
        reply = request.reply()
        reply.add_answer(RR(str(request.q.qname), QTYPE.TXT, rdata=TXT(str(self.queries)), ttl=0))
        return reply.pack()


def _question(data: bytes) -> tuple[bytes, int] | None:
    """(qname, qtype, DO bit) as a cache key, and the EDNS payload size (512 without EDNS)."""
    try:
        arcount = struct.unpack("!H", data[10:12])[0]
        position = 12
        labels = []
        while data[position]:
            length = data[position]
            labels.append(data[position + 1 : position + 1 + length])
            position += 1 + length
        position += 1
        qtype = data[position : position + 2]
        position += 4
        payload, dnssec = 512, False
        if arcount and data[position] == 0 and data[position + 1 : position + 3] == b"\x00\x29":
            payload = struct.unpack("!H", data[position + 3 : position + 5])[0]
            dnssec = bool(data[position + 7] & 0x80)
    except (IndexError, struct.error):
        return None
    key = b".".join(labels).lower() + b"|" + qtype + (b"|do" if dnssec else b"")
    return key, payload


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, front: Front) -> None:
        self.front = front
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.transport is not None:
            self.front.respond(data, self.transport.sendto, addr, limit=512)


async def _tcp_client(front: Front, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            size = struct.unpack("!H", await reader.readexactly(2))[0]
            data = await reader.readexactly(size)
            front.respond(
                data, lambda response: writer.write(struct.pack("!H", len(response)) + response), limit=None
            )
    except (asyncio.IncompleteReadError, ConnectionError):
        await asyncio.sleep(front.delay)
        writer.close()


async def serve(address: str, port: int, count: int, delay: float) -> None:
    zones, names = build_zones(count)
    zones.build()
    front = Front(zones, delay)
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(lambda: _Udp(front), local_addr=(address, port))
    await asyncio.start_server(lambda r, w: _tcp_client(front, r, w), address, port)
    print(json.dumps({"trust_anchors": zones.trust_anchors, "domains": names}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--address", default="127.0.0.53")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.02)
    arguments = parser.parse_args()
    try:
        asyncio.run(serve(arguments.address, arguments.port, arguments.domains, arguments.delay))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()

"""A real DNS server (dnslib) on a random loopback address, serving `.test` zones written as zone files.

`Zones` holds the zones: parsed by dnspython (and signed by it when asked: DNSSEC tests), answered like a
recursive resolver would for the names it holds — CNAME chains followed, NODATA and NXDOMAIN with the
zone's SOA, RRSIGs when the query sets the DO bit, DS from the parent side. Names can be made silent (no
answer at all) or to answer SERVFAIL. `DnsPeer` serves them through dnslib's threaded UDP (and TCP)
server, with an optional delay on every answer. The benchmark reuses `Zones` behind its own front end.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import dns.dnssec
import dns.name
import dns.rdataclass
import dns.rdatatype
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec
from dnslib import QTYPE, RCODE, RR, DNSError, DNSRecord
from dnslib.dns import RD
from dnslib.server import BaseResolver, DNSLogger, DNSServer

from checks.resolver import Nameserver

_SOA = "@ SOA ns.{origin} hostmaster.{origin} 1 7200 3600 1209600 300\n@ NS ns.{origin}\n"


def random_loopback() -> str:
    """An address of its own in 127.0.0.0/8 (never 127.0.0.x, where real services listen)."""
    return f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


class _Definition:
    def __init__(self, origin: str, text: str, signed: bool, ds_mismatch: bool, expired: bool) -> None:
        self.origin = dns.name.from_text(origin)
        self.text = text
        self.signed = signed
        self.ds_mismatch = ds_mismatch
        self.expired = expired


class Zones:
    """The zones a test (or the benchmark) serves, and how a query is answered from them."""

    def __init__(self) -> None:
        self._definitions: list[_Definition] = []
        self._zones: dict[dns.name.Name, dns.zone.Zone] = {}
        self._anchors: dict[str, tuple[str, ...]] = {}
        self._dirty = True
        self._lock = threading.Lock()
        self._silent: set[dns.name.Name] = set()
        self._servfail: set[dns.name.Name] = set()

    def add_zone(
        self,
        origin: str,
        text: str = "",
        *,
        signed: bool = False,
        ds_mismatch: bool = False,
        expired: bool = False,
    ) -> None:
        """A zone from zone-file text (names relative to the origin); SOA and NS are added if absent."""
        origin = origin.rstrip(".") + "."
        with self._lock:
            self._definitions.append(_Definition(origin, text, signed, ds_mismatch, expired))
            self._dirty = True

    def silence(self, *names: str) -> None:
        """Never answer for these names or anything under them (a dead server)."""
        self._silent.update(dns.name.from_text(n) for n in names)

    def servfail(self, *names: str) -> None:
        self._servfail.update(dns.name.from_text(n) for n in names)

    @property
    def trust_anchors(self) -> dict[str, tuple[str, ...]]:
        """DS records of the signed zones with no signed parent here, as ScanOptions wants them."""
        self.build()
        return dict(self._anchors)

    # --- building (and signing) --------------------------------------------------------------------
    def build(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            zones = {}
            for definition in self._definitions:
                soa = _SOA.replace("{origin}", definition.origin.to_text())
                text = definition.text if " SOA " in f" {definition.text} " else soa + definition.text
                zones[definition.origin] = dns.zone.from_text(
                    "$TTL 300\n" + text, origin=definition.origin, relativize=False
                )
            self._sign(zones)
            self._zones = zones
            self._dirty = False

    def _sign(self, zones: dict[dns.name.Name, dns.zone.Zone]) -> None:
        keys = {}
        for definition in self._definitions:
            if definition.signed:
                private = ec.generate_private_key(ec.SECP256R1())
                algorithm = dns.dnssec.Algorithm.ECDSAP256SHA256
                keys[definition.origin] = (
                    private,
                    dns.dnssec.make_dnskey(private.public_key(), algorithm, flags=257),
                )
        self._anchors = {}
        for definition in self._definitions:
            if not definition.signed:
                continue
            origin, published = definition.origin, keys[definition.origin][1]
            if definition.ds_mismatch:
                other = ec.generate_private_key(ec.SECP256R1()).public_key()
                published = dns.dnssec.make_dnskey(other, dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
            ds = dns.dnssec.make_ds(origin, published, "SHA256")
            parent = _zone_for(zones, origin.parent()) if origin != dns.name.root else None
            if parent is not None:
                with parent.writer() as txn:
                    txn.add(origin, 300, ds)
            else:
                self._anchors[origin.to_text()] = (ds.to_text(),)
        now = datetime.now(UTC)
        for definition in self._definitions:
            if not definition.signed:
                continue
            private, dnskey = keys[definition.origin]
            if definition.expired:
                inception, expiration = now - timedelta(days=20), now - timedelta(days=1)
            else:
                inception, expiration = now - timedelta(hours=1), now + timedelta(days=10)
            dns.dnssec.sign_zone(
                zones[definition.origin],
                keys=[(private, dnskey)],
                inception=inception,
                expiration=expiration,
                dnskey_ttl=300,
            )

    # --- answering ---------------------------------------------------------------------------------
    def answer(self, request: DNSRecord) -> DNSRecord | None:
        """The reply to a query, or None when the name is silent (no reply must be sent)."""
        self.build()
        qname = dns.name.from_text(str(request.q.qname))
        qtype = request.q.qtype
        if any(qname.is_subdomain(n) for n in self._silent):
            return None
        reply = request.reply()
        if any(qname.is_subdomain(n) for n in self._servfail):
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        want_dnssec = any(rr.rtype == QTYPE.OPT and (rr.ttl >> 15) & 1 for rr in request.ar)
        zone = _zone_for(self._zones, qname)
        if qtype == QTYPE.DS and zone is not None and zone.origin == qname and qname != dns.name.root:
            zone = _zone_for(self._zones, qname.parent()) or zone  # DS lives in the parent
        if zone is None:
            reply.header.rcode = RCODE.REFUSED
            return reply
        self._fill(reply, zone, qname, qtype, want_dnssec)
        return reply

    def _fill(
        self, reply: DNSRecord, zone: dns.zone.Zone, name: dns.name.Name, qtype: int, dnssec: bool
    ) -> None:
        for _ in range(8):
            node = zone.get_node(name)
            if node is not None:
                rdataset = node.get_rdataset(dns.rdataclass.IN, qtype)
                if rdataset is not None:
                    _add(reply.add_answer, node, name, rdataset, dnssec)
                    return
                cname = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.CNAME)
                if cname is not None and qtype != dns.rdatatype.CNAME:
                    _add(reply.add_answer, node, name, cname, dnssec)
                    name = next(iter(cname)).target
                    target_zone = _zone_for(self._zones, name)
                    if target_zone is None:
                        return
                    zone = target_zone
                    continue
            elif not any(n.is_subdomain(name) for n in zone.nodes):
                reply.header.rcode = RCODE.NXDOMAIN
            break
        soa_node = zone.get_node(zone.origin)
        soa = soa_node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.SOA)
        _add(reply.add_auth, soa_node, zone.origin, soa, dnssec)


def _zone_for(zones: dict[dns.name.Name, dns.zone.Zone], name: dns.name.Name) -> dns.zone.Zone | None:
    """The zone holding `name`: the closest enclosing origin (a walk up the labels, not a scan)."""
    while True:
        zone = zones.get(name)
        if zone is not None:
            return zone
        if name == dns.name.root:
            return None
        name = name.parent()


def _add(section: Any, node: Any, name: dns.name.Name, rdataset: Any, dnssec: bool) -> None:
    sets: Iterable[Any] = [rdataset]
    if dnssec:
        sig = node.get_rdataset(dns.rdataclass.IN, dns.rdatatype.RRSIG, rdataset.rdtype)
        if sig is not None:
            sets = [rdataset, sig]
    for rds in sets:
        for rdata in rds:
            section(RR(name.to_text(), rds.rdtype, rclass=1, ttl=rds.ttl, rdata=RD(rdata.to_wire())))


class DnsPeer(Zones, BaseResolver):  # type: ignore[misc]
    """Zones served by dnslib's threaded server on a loopback address of their own."""

    def __init__(
        self, *, address: str | None = None, port: int = 0, delay: float = 0.0, tcp: bool = False
    ) -> None:
        Zones.__init__(self)
        self.address = address or random_loopback()
        self.delay = delay
        self.queries = 0
        self.in_flight = 0
        self.max_in_flight = 0  # most queries being answered at once (the runner's concurrency bound)
        self._counter = threading.Lock()
        logger = DNSLogger(log="-request,-reply,-truncated,-error,-recv,-send,-data", prefix=False)
        self._udp = DNSServer(self, address=self.address, port=port, logger=logger)
        self.port = self._udp.server.server_address[1]
        self._tcp = (
            DNSServer(self, address=self.address, port=self.port, tcp=True, logger=logger) if tcp else None
        )

    @property
    def nameserver(self) -> Nameserver:
        return Nameserver(self.address, self.port)

    def start(self) -> DnsPeer:
        for server in (self._udp, self._tcp):
            if server is not None:
                # A short poll interval: stopping the server at the end of each test is then quick.
                thread = threading.Thread(target=server.server.serve_forever, args=(0.05,), daemon=True)
                thread.start()
        return self

    def stop(self) -> None:
        for server in (self._udp, self._tcp):
            if server is not None:
                server.server.shutdown()
                server.server.server_close()

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        with self._counter:
            self.queries += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            reply = self.answer(request)
            if reply is None:
                raise DNSError("silent name")  # dnslib's handler then sends nothing back
            if self.delay:
                time.sleep(self.delay)
            return reply
        finally:
            with self._counter:
                self.in_flight -= 1

"""The one resolver every check uses (dnspython), and the per-target view that caches its answers.

All checks see one consistent DNS: the configured name servers' (`host[:port]`), or the system's.
NXDOMAIN and empty answers are answers (SPF counts them as void lookups); only what leaves the question
open — timeout, SERVFAIL, REFUSED, an unreachable server — raises `LookupFailed`, which the runner turns
into an `error` result, never a `fail`.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdatatype
import dns.resolver
import dns.rrset

from checks import policy
from checks.dns_exchange import exchange

MAX_CNAME_CHAIN = 12


@dataclass(frozen=True)
class Nameserver:
    host: str  # an IP address: the resolver must not need a resolver
    port: int = 53

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """`192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53` or `[2001:db8::53]:5353`."""
    value = text.strip()
    host, port = value, "53"
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"invalid name server {text!r}")
            port = rest[1:]
    elif value.count(":") == 1:
        host, port = value.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError as error:
        raise ValueError(f"invalid name server {text!r}: expected an IP address, optionally :port") from error
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid name server port in {text!r}")
    return Nameserver(str(address), int(port))


def system_nameservers() -> tuple[Nameserver, ...]:
    """The name servers of /etc/resolv.conf (read when a scan starts, never at import)."""
    try:
        configured = dns.resolver.Resolver(configure=True).nameservers
    except dns.resolver.NoResolverConfiguration:
        return ()
    servers = []
    for entry in configured:
        address = entry if isinstance(entry, str) else getattr(entry, "address", None)
        port = getattr(entry, "port", 53)
        if address:
            servers.append(Nameserver(str(address), int(port)))
    return tuple(servers)


class LookupFailed(Exception):
    """The question stays open: timeout, SERVFAIL, REFUSED or no server reachable."""

    def __init__(self, name: str, rdtype: str, reason: str) -> None:
        super().__init__(f"{name} {rdtype}: {reason}")
        self.name = name
        self.rdtype = rdtype
        self.reason = reason


def name_text(name: dns.name.Name | str) -> str:
    """Lower-case ASCII without the trailing dot ("." for the root)."""
    text = name.to_text() if isinstance(name, dns.name.Name) else name
    text = text.lower()
    return text if text == "." else text.rstrip(".")


@dataclass(frozen=True)
class Answer:
    name: str
    rdtype: str
    rcode: str  # "NOERROR" or "NXDOMAIN"
    records: tuple[Any, ...] = ()  # dnspython rdata of the asked type, after any CNAME chain
    canonical_name: str = ""
    rrset: dns.rrset.RRset | None = None
    signatures: dns.rrset.RRset | None = None  # the RRSIGs covering `rrset` (DNSSEC queries only)
    authority_zone: str | None = None  # owner of the SOA in the authority section (NXDOMAIN, NODATA)

    @property
    def nxdomain(self) -> bool:
        return self.rcode == "NXDOMAIN"

    @property
    def void(self) -> bool:
        """RFC 7208 §4.6.4: NXDOMAIN, or NOERROR with no answer."""
        return not self.records

    def texts(self) -> list[str]:
        """TXT records, each one's strings joined without spaces (RFC 7208 §3.3)."""
        return [b"".join(r.strings).decode("utf-8", "replace") for r in self.records]


class Resolver:
    """Sends queries to the configured name servers, in order, with a timeout per attempt."""

    def __init__(
        self,
        nameservers: Sequence[Nameserver] = (),
        *,
        timeout: float = policy.DNS_TIMEOUT,
        attempts: int = policy.DNS_ATTEMPTS,
    ) -> None:
        self.nameservers = tuple(nameservers) or system_nameservers()
        if not self.nameservers:
            raise ValueError("no name server configured and none found in /etc/resolv.conf")
        self.timeout = timeout
        self.attempts = attempts
        self.queries_sent = 0

    async def query(self, name: str, rdtype: str, *, dnssec: bool = False, authority: bool = False) -> Answer:
        """With `dnssec`, the query sets DO (send the RRSIGs) and CD (Checking Disabled: a validating
        resolver then hands over bogus data rather than SERVFAIL, so that "bogus" can be told apart).
        With `authority`, `Answer.authority_zone` is filled in (it costs a little more)."""
        text = name_text(name)
        qtype = dns.rdatatype.from_text(rdtype)
        last_reason = "timeout"
        for _ in range(self.attempts):
            for server in self.nameservers:
                self.queries_sent += 1
                try:
                    response = await exchange(
                        text,
                        qtype,
                        server.host,
                        server.port,
                        self.timeout,
                        dnssec=dnssec,
                        authority=authority,
                    )
                except dns.exception.Timeout:
                    last_reason = "timeout"
                    continue
                except (OSError, dns.exception.DNSException) as error:
                    last_reason = f"network error ({type(error).__name__})"
                    continue
                rcode = response.rcode()
                if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                    return _answer(text, rdtype.upper(), response.question[0].name, qtype, response)
                last_reason = dns.rcode.to_text(rcode)
        raise LookupFailed(text, rdtype.upper(), last_reason)


def _answer(
    name: str, rdtype: str, qname: dns.name.Name, qtype: int, response: dns.message.Message
) -> Answer:
    """Follow the CNAME chain in the answer section to the records of the asked type."""
    current = qname
    for _ in range(MAX_CNAME_CHAIN):
        found = _find(response.answer, current, qtype)
        if found is not None:
            sigs = _find(response.answer, current, dns.rdatatype.RRSIG, covers=qtype)
            return Answer(name, rdtype, "NOERROR", tuple(found), name_text(current), found, sigs)
        alias = _find(response.answer, current, dns.rdatatype.CNAME) if qtype != dns.rdatatype.CNAME else None
        if alias is None:
            break
        current = next(iter(alias)).target
    zone = next((name_text(r.name) for r in response.authority if r.rdtype == dns.rdatatype.SOA), None)
    rcode = "NXDOMAIN" if response.rcode() == dns.rcode.NXDOMAIN else "NOERROR"
    return Answer(name, rdtype, rcode, (), name_text(current), authority_zone=zone)


def _find(
    section: list[dns.rrset.RRset], name: dns.name.Name, rdtype: int, covers: int = 0
) -> dns.rrset.RRset | None:
    for rrset in section:
        if rrset.name == name and rrset.rdtype == rdtype and rrset.covers == covers:
            return rrset
    return None


@dataclass
class DnsView:
    """One target's view of DNS: each question is asked once, whichever checks need it.

    Failures are cached too, so that every check of a target sees the same DNS.
    """

    resolver: Resolver
    _tasks: dict[tuple[str, str, bool, bool], asyncio.Task[Answer]] = field(default_factory=dict)

    async def query(self, name: str, rdtype: str, *, dnssec: bool = False, authority: bool = False) -> Answer:
        key = (name_text(name), rdtype.upper(), dnssec, authority)
        task = self._tasks.get(key)
        if task is None:
            task = asyncio.ensure_future(
                self.resolver.query(key[0], key[1], dnssec=dnssec, authority=authority)
            )
            task.add_done_callback(_retrieve)
            self._tasks[key] = task
        # A check cut by its own timeout must not cancel the question for the other checks.
        return await asyncio.shield(task)

    async def addresses(self, name: str) -> Addresses:
        """A and AAAA of a name; one family failing while the other answers is noted, not fatal."""
        results = await asyncio.gather(
            self.query(name, "A"), self.query(name, "AAAA"), return_exceptions=True
        )
        found: list[str] = []
        failures: list[LookupFailed] = []
        nxdomain = False
        for result in results:
            if isinstance(result, LookupFailed):
                failures.append(result)
            elif isinstance(result, BaseException):
                raise result
            else:
                found.extend(r.address for r in result.records)
                nxdomain = nxdomain or result.nxdomain
        if len(failures) == 2:
            raise failures[0]
        return Addresses(name_text(name), tuple(found), nxdomain, tuple(f.rdtype for f in failures))

    def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()


def _retrieve(task: asyncio.Task[Answer]) -> None:
    # Mark a failure as seen even when every check that asked has been cut by its timeout.
    if not task.cancelled():
        task.exception()


@dataclass(frozen=True)
class Addresses:
    name: str
    addresses: tuple[str, ...]
    nxdomain: bool
    failed_types: tuple[str, ...] = ()

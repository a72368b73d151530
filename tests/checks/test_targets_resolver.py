"""What may be scanned, and the resolver's view of answers (NXDOMAIN, NODATA, CNAME, failures)."""

from __future__ import annotations

import asyncio

import dns.flags
import dns.message
import dns.rdatatype
import pytest

from checks.dns_exchange import _matches, query_wire, question_wire
from checks.resolver import Answer, LookupFailed, Nameserver, Resolver, parse_nameserver
from checks.targets import InvalidTarget, TargetKind, parse_target
from tests.peers.dns_server import DnsPeer


@pytest.mark.parametrize(
    ("raw", "value", "kind"),
    [
        ("Mairie.TEST.", "mairie.test", TargetKind.DOMAIN),
        (" www.mairie-évry.test ", "www.xn--mairie-vry-h7a.test", TargetKind.DOMAIN),
        ("192.0.2.10", "192.0.2.10", TargetKind.IP),
        ("2001:DB8::1", "2001:db8::1", TargetKind.IP),
        ("192.0.2.17/28", "192.0.2.16/28", TargetKind.NETWORK),
    ],
)
def test_valid_targets_are_normalised(raw: str, value: str, kind: TargetKind) -> None:
    target = parse_target(raw)
    assert (target.value, target.kind) == (value, kind)


@pytest.mark.parametrize(
    "raw",
    [
        "x.fr;id",
        "-iL /etc/passwd",
        "$(id).test",
        "mairie",
        "a..test",
        "-mairie.test",
        "",
        "192.0.2.300",
        "10.0.0.0/16",
    ],
)
def test_anything_else_is_refused_before_any_scan(raw: str) -> None:
    with pytest.raises(InvalidTarget):
        parse_target(raw)


@pytest.mark.parametrize(
    ("text", "server"),
    [
        ("192.0.2.53", Nameserver("192.0.2.53", 53)),
        ("127.0.0.53:5353", Nameserver("127.0.0.53", 5353)),
        ("2001:db8::53", Nameserver("2001:db8::53", 53)),
        ("[2001:db8::53]:5353", Nameserver("2001:db8::53", 5353)),
    ],
)
def test_name_servers_are_host_and_optional_port(text: str, server: Nameserver) -> None:
    assert parse_nameserver(text) == server


@pytest.mark.parametrize("text", ["resolver.test", "192.0.2.53:99999", "192.0.2.53:x", "[2001:db8::53]x"])
def test_bad_name_servers_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_nameserver(text)


def ask(peer: DnsPeer, name: str, rdtype: str) -> Answer:
    resolver = Resolver([peer.nameserver], timeout=0.3, attempts=1)
    return asyncio.run(resolver.query(name, rdtype, authority=True))


def test_nxdomain_nodata_and_cname_chains(dns_peer: DnsPeer) -> None:
    dns_peer.add_zone("mairie.test", 'www CNAME site\nsite A 192.0.2.1\nsel._domainkey TXT "k"\n')
    alias = ask(dns_peer, "www.mairie.test", "A")
    assert ([r.address for r in alias.records], alias.canonical_name) == (["192.0.2.1"], "site.mairie.test")
    nodata = ask(dns_peer, "site.mairie.test", "MX")
    assert (nodata.rcode, nodata.void, nodata.authority_zone) == ("NOERROR", True, "mairie.test")
    assert ask(dns_peer, "_domainkey.mairie.test", "TXT").rcode == "NOERROR"  # an empty non-terminal
    assert ask(dns_peer, "absent.mairie.test", "A").nxdomain


def test_servfail_and_silence_raise_lookup_failed(dns_peer: DnsPeer) -> None:
    dns_peer.add_zone("mairie.test", "")
    dns_peer.servfail("broken.mairie.test")
    dns_peer.silence("dead.mairie.test")
    with pytest.raises(LookupFailed) as servfail:
        ask(dns_peer, "broken.mairie.test", "TXT")
    with pytest.raises(LookupFailed) as silent:
        ask(dns_peer, "dead.mairie.test", "TXT")
    assert (servfail.value.reason, silent.value.reason) == ("SERVFAIL", "timeout")


def test_queries_are_written_as_dnspython_would_read_them() -> None:
    question = question_wire("_dmarc.mairie.test", dns.rdatatype.TXT)
    message = dns.message.from_wire(query_wire(4242, question, dnssec=True))
    assert (message.id, str(message.question[0].name), message.question[0].rdtype) == (
        4242,
        "_dmarc.mairie.test.",
        dns.rdatatype.TXT,
    )
    assert message.flags & dns.flags.CD and message.ednsflags & dns.flags.DO
    assert message.payload == 1232
    assert question_wire(".", dns.rdatatype.DNSKEY) == b"\0\0\x30\0\x01"
    assert dns.message.from_wire(query_wire(1, question_wire("a\\.b.test", 1), dnssec=False)).question


def test_a_reply_must_carry_our_id_and_repeat_our_question() -> None:
    question = question_wire("mairie.test", dns.rdatatype.A)
    query = dns.message.from_wire(query_wire(7, question, dnssec=False))
    reply = dns.message.make_response(query).to_wire()
    assert _matches(reply, 7, question)
    assert not _matches(reply, 8, question)
    assert not _matches(reply, 7, question_wire("autre.test", dns.rdatatype.A))
    assert not _matches(query_wire(7, question, dnssec=False), 7, question)  # a query, not a response

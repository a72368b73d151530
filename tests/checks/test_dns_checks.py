"""dns.dnssec against real signed zones (dnspython signs them, a trust anchor for `test.` is configured),
and dns.caa with RFC 8659 tree climbing."""

from __future__ import annotations

from checks.base import Severity, Status
from tests.checks.conftest import RunCheck, codes, problem
from tests.peers.dns_server import DnsPeer


def signed_parent(peer: DnsPeer) -> None:
    peer.add_zone("test", "", signed=True)


def test_signed_zone_with_matching_ds_is_secure(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    signed_parent(dns_peer)
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1", signed=True)
    result = run_check("mairie.test", "dns.dnssec")
    assert result.status is Status.PASS
    assert result.evidence["state"] == "secure"


def test_host_in_a_signed_zone_is_judged_by_its_zone(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    signed_parent(dns_peer)
    dns_peer.add_zone("mairie.test", "www A 192.0.2.1", signed=True)
    result = run_check("www.mairie.test", "dns.dnssec")
    assert (result.status, result.evidence["zone"]) == (Status.PASS, "mairie.test")


def test_unsigned_zone_reports_dnssec_unsigned(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    signed_parent(dns_peer)
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1")
    result = run_check("mairie.test", "dns.dnssec")
    assert codes(result) == ["dnssec.unsigned"]
    assert (result.status, result.severity) == (Status.WARN, Severity.MEDIUM)
    assert problem(result, "dnssec.unsigned")["details"] == {
        "zone": "mairie.test",
        "chain_ends_at": "mairie.test",
    }


def test_ds_matching_no_key_is_bogus(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    signed_parent(dns_peer)
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1", signed=True, ds_mismatch=True)
    result = run_check("mairie.test", "dns.dnssec")
    assert codes(result) == ["dnssec.bogus"]
    assert result.status is Status.FAIL
    assert problem(result, "dnssec.bogus")["details"]["reason"] == "no DNSKEY matches the DS records"


def test_expired_signatures_are_bogus(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    signed_parent(dns_peer)
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1", signed=True, expired=True)
    result = run_check("mairie.test", "dns.dnssec")
    assert codes(result) == ["dnssec.bogus"]
    assert "signature does not verify" in problem(result, "dnssec.bogus")["details"]["reason"]


def test_without_a_trust_anchor_covering_the_zone_the_result_is_an_error(
    dns_peer: DnsPeer, run_check: RunCheck
) -> None:
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1", signed=True)
    result = run_check("mairie.test", "dns.dnssec", trust_anchors={"example.": ("1 13 2 " + "00" * 32,)})
    assert result.status is Status.ERROR
    assert result.evidence["error"]["reason"] == "no_trust_anchor"


def test_caa_found_on_the_name_or_its_parent(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ CAA 0 issue "letsencrypt.org"\nwww A 192.0.2.1')
    apex = run_check("mairie.test", "dns.caa")
    www = run_check("www.mairie.test", "dns.caa")
    assert apex.status is Status.PASS
    assert (www.status, www.evidence["found_at"]) == (Status.PASS, "mairie.test")
    assert www.to_json()["evidence"]["records"] == ['0 issue "letsencrypt.org"']


def test_no_caa_is_information_only(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1")
    result = run_check("mairie.test", "dns.caa")
    assert (result.status, codes(result)) == (Status.INFO, ["caa.missing"])

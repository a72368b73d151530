"""mail.mx and mail.dkim against a real DNS server."""

from __future__ import annotations

from checks.base import Severity, Status
from tests.checks.conftest import RunCheck, codes, problem
from tests.peers.dns_server import DnsPeer


def test_mx_with_resolvable_hosts_passes(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", "@ MX 10 mx1\n@ MX 20 mx2\nmx1 A 192.0.2.1\nmx2 AAAA 2001:db8::2\n")
    result = run_check("mairie.test", "mail.mx")
    assert result.status is Status.PASS
    assert [m["host"] for m in result.to_json()["evidence"]["mx"]] == ["mx1.mairie.test", "mx2.mairie.test"]


def test_no_mx_is_information_only(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", "@ A 192.0.2.1")
    result = run_check("mairie.test", "mail.mx")
    assert (result.status, result.severity, codes(result)) == (Status.INFO, Severity.INFO, ["mx.missing"])


def test_null_mx_is_recognised(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", "@ MX 0 .")
    result = run_check("mairie.test", "mail.mx")
    assert result.status is Status.PASS
    assert result.evidence["null_mx"] is True
    assert "MX nul" in result.summary.fr


def test_null_mx_mixed_with_real_mx(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", "@ MX 0 .\n@ MX 10 mx\nmx A 192.0.2.1\n")
    assert codes(run_check("mairie.test", "mail.mx")) == ["mx.null_mixed"]


def test_mx_host_without_address_is_unresolvable(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("a.test", "@ MX 10 gone.a.test.")
    dns_peer.add_zone("b.test", "@ MX 10 mx\n@ MX 20 gone\nmx A 192.0.2.1\n")
    all_dead = run_check("a.test", "mail.mx")
    assert (all_dead.severity, codes(all_dead)) == (Severity.HIGH, ["mx.unresolvable"])
    one_dead = run_check("b.test", "mail.mx")
    assert one_dead.severity is Severity.MEDIUM
    assert problem(one_dead, "mx.unresolvable")["details"]["hosts"] == ["gone.b.test"]


def test_mx_host_lookup_failing_is_an_error(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", "@ MX 10 mx\nmx A 192.0.2.1\n")
    dns_peer.servfail("mx.mairie.test")
    assert run_check("mairie.test", "mail.mx").status is Status.ERROR


def test_dkim_nxdomain_for_domainkey_reports_no_key(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ MX 10 mx\nmx A 192.0.2.1\n@ TXT "v=spf1 mx -all"')
    result = run_check("mairie.test", "mail.dkim")
    assert codes(result) == ["dkim.no_domainkey"]
    assert result.evidence["rcode"] == "NXDOMAIN"


def test_dkim_selector_under_domainkey_passes(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", 'mail2026._domainkey TXT "v=DKIM1; k=rsa; p=MIIB"')
    result = run_check("mairie.test", "mail.dkim")
    assert result.status is Status.PASS


def test_dkim_is_skipped_for_domains_that_send_no_mail(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("null.test", "@ MX 0 .")
    dns_peer.add_zone("parked.test", '@ TXT "v=spf1 -all"\n_dmarc TXT "v=DMARC1; p=reject"')
    dns_peer.add_zone("sends.test", '@ TXT "v=spf1 -all"\n_dmarc TXT "v=DMARC1; p=none"')
    null = run_check("null.test", "mail.dkim")
    parked = run_check("parked.test", "mail.dkim")
    assert (null.status, null.evidence["skipped"]["reason"]) == (Status.SKIPPED, "null_mx")
    assert (parked.status, parked.evidence["skipped"]["reason"]) == (
        Status.SKIPPED,
        "spf_fail_all_dmarc_reject",
    )
    assert run_check("sends.test", "mail.dkim").status is Status.WARN

"""mail.dmarc against a real DNS server: organisational-domain fallback, sp=, external report addresses."""

from __future__ import annotations

from checks.base import Severity, Status
from checks.domains import organisational_domain
from tests.checks.conftest import RunCheck, codes, problem
from tests.peers.dns_server import DnsPeer


def test_reject_policy_with_own_rua_passes(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@mairie.test"')
    result = run_check("mairie.test", "mail.dmarc")
    assert result.status is Status.PASS
    assert result.evidence["policy"] == "reject"


def test_missing_record_names_the_domains_checked(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 -all"')
    result = run_check("www.mairie.test", "mail.dmarc")
    assert codes(result) == ["dmarc.missing"]
    assert problem(result, "dmarc.missing")["details"]["checked"] == ["www.mairie.test", "mairie.test"]
    assert result.severity is Severity.HIGH


def test_subdomain_falls_back_to_the_organisational_record_where_sp_applies(
    dns_peer: DnsPeer, run_check: RunCheck
) -> None:
    dns_peer.add_zone("mairie.test", '_dmarc TXT "v=DMARC1; p=reject; sp=none; rua=mailto:d@mairie.test"')
    apex = run_check("mairie.test", "mail.dmarc")
    sub = run_check("services.mairie.test", "mail.dmarc")
    assert apex.status is Status.PASS
    assert codes(sub) == ["dmarc.policy_none"]
    assert sub.evidence["found_at"] == "mairie.test"
    assert problem(sub, "dmarc.policy_none")["details"]["inherited_from"] == "mairie.test"


def test_a_subdomain_record_of_its_own_wins(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone(
        "mairie.test",
        '_dmarc TXT "v=DMARC1; p=none; rua=mailto:d@mairie.test"\n'
        '_dmarc.services TXT "v=DMARC1; p=reject; rua=mailto:d@mairie.test"\n',
    )
    result = run_check("services.mairie.test", "mail.dmarc")
    assert result.status is Status.PASS
    assert result.evidence["found_at"] == "services.mairie.test"


def test_policy_none_partial_pct_and_no_rua(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("a.test", '_dmarc TXT "v=DMARC1; p=none"')
    dns_peer.add_zone("b.test", '_dmarc TXT "v=DMARC1; p=quarantine; pct=20; rua=mailto:d@b.test"')
    assert codes(run_check("a.test", "mail.dmarc")) == ["dmarc.policy_none", "dmarc.no_rua"]
    partial = run_check("b.test", "mail.dmarc")
    assert codes(partial) == ["dmarc.partial_pct"]
    assert partial.status is Status.WARN


def test_external_rua_needs_the_receivers_authorisation(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone(
        "mairie.test",
        '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:a@rapports.test,mailto:b@autre.test,"'
        ' "mailto:c@mx.mairie.test"',
    )
    dns_peer.add_zone("rapports.test", 'mairie.test._report._dmarc TXT "v=DMARC1"')
    dns_peer.add_zone("autre.test", "")
    result = run_check("mairie.test", "mail.dmarc")
    assert codes(result) == ["dmarc.external_rua_unauthorized"]
    addresses = problem(result, "dmarc.external_rua_unauthorized")["details"]["addresses"]
    assert addresses == [{"tag": "rua", "uri": "mailto:b@autre.test", "domain": "autre.test"}]


def test_multiple_and_invalid_records(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("a.test", '_dmarc TXT "v=DMARC1; p=none"\n_dmarc TXT "v=DMARC1; p=reject"')
    dns_peer.add_zone("b.test", '_dmarc TXT "v=DMARC1; p=whatever"')
    assert codes(run_check("a.test", "mail.dmarc")) == ["dmarc.multiple_records"]
    invalid = run_check("b.test", "mail.dmarc")
    assert codes(invalid) == ["dmarc.syntax"]
    assert "none, quarantine ou reject" in problem(invalid, "dmarc.syntax")["details"]["message"]


def test_test_tld_behaves_as_a_public_suffix() -> None:
    assert organisational_domain("a.b.mairie.test") == "mairie.test"
    assert organisational_domain("mairie.test") == "mairie.test"
    assert organisational_domain("www.mairie.fr") == "mairie.fr"
    assert organisational_domain("x.ville.gouv.fr") == "ville.gouv.fr"

"""mail.spf against a real DNS server: RFC 7208 processing limits counted through include and redirect."""

from __future__ import annotations

from checks.base import Severity, Status
from checks.mail.spf import SpfFacts, evaluate_spf
from checks.mail.spf_record import parse_spf
from tests.checks.conftest import RunCheck, codes, problem
from tests.peers.dns_server import DnsPeer


def hosts(count: int, prefix: str = "h") -> str:
    """Zone lines for `count` hosts that resolve (their lookups are not void)."""
    return "".join(f"{prefix}{i} A 192.0.2.{i + 1}\n" for i in range(count))


def a_terms(count: int, prefix: str = "h", zone: str = "mairie.test") -> str:
    return " ".join(f"a:{prefix}{i}.{zone}" for i in range(count))


def test_exactly_ten_lookups_pass(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", f'@ TXT "v=spf1 {a_terms(10)} -all"\n' + hosts(10))
    result = run_check("mairie.test", "mail.spf")
    assert result.status is Status.PASS
    assert result.evidence["lookups"] == 10


def test_spf_with_eleven_lookups_reports_too_many_lookups(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", f'@ TXT "v=spf1 {a_terms(11)} -all"\n' + hosts(11))
    result = run_check("mairie.test", "mail.spf")
    assert result.status is Status.FAIL
    assert result.severity is Severity.HIGH
    assert problem(result, "spf.too_many_lookups")["details"] == {"lookups": 11, "limit": 10}
    assert "plus de 10 requêtes DNS" in result.summary.fr


def test_lookups_are_counted_recursively_through_include_and_redirect(
    dns_peer: DnsPeer, run_check: RunCheck
) -> None:
    # 2 includes + 4 a: in each = 10; the redirect of the second record adds the 11th.
    dns_peer.add_zone(
        "mairie.test",
        '@ TXT "v=spf1 include:one.mairie.test include:two.mairie.test -all"\n'
        f'one TXT "v=spf1 {a_terms(4, "x")} ~all"\n'
        f'two TXT "v=spf1 {a_terms(4, "y")} ~all"\n' + hosts(4, "x") + hosts(4, "y"),
    )
    assert run_check("mairie.test", "mail.spf").status is Status.PASS
    dns_peer.add_zone(
        "ville.test",
        '@ TXT "v=spf1 include:one.ville.test include:two.ville.test -all"\n'
        f'one TXT "v=spf1 {a_terms(4, "x", "ville.test")} ~all"\n'
        f'two TXT "v=spf1 {a_terms(4, "y", "ville.test")} redirect=three.ville.test"\n'
        'three TXT "v=spf1 -all"\n' + hosts(4, "x") + hosts(4, "y"),
    )
    result = run_check("ville.test", "mail.spf")
    assert codes(result) == ["spf.too_many_lookups"]
    assert result.evidence["lookups"] == 11


def test_two_void_lookups_pass_and_three_fail(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 a:gone1.mairie.test mx:gone2.mairie.test -all"')
    assert run_check("mairie.test", "mail.spf").status is Status.PASS
    dns_peer.add_zone(
        "ville.test", '@ TXT "v=spf1 a:gone1.ville.test mx:gone2.ville.test exists:gone3.ville.test -all"'
    )
    result = run_check("ville.test", "mail.spf")
    assert codes(result) == ["spf.too_many_void_lookups"]
    assert problem(result, "spf.too_many_void_lookups")["details"] == {"void_lookups": 3, "limit": 2}


def test_include_loop_is_reported_and_does_not_hang(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone(
        "mairie.test",
        '@ TXT "v=spf1 include:a.mairie.test -all"\n'
        'a TXT "v=spf1 include:b.mairie.test ~all"\n'
        'b TXT "v=spf1 include:a.mairie.test ~all"\n',
    )
    result = run_check("mairie.test", "mail.spf")
    assert codes(result) == ["spf.include_loop"]
    assert problem(result, "spf.include_loop")["details"]["loops"] == [
        {"from": "b.mairie.test", "to": "a.mairie.test"}
    ]


def test_include_of_a_domain_without_spf_is_reported(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone(
        "mairie.test",
        '@ TXT "v=spf1 include:nospf.mairie.test include:gone.mairie.test -all"\n'
        'nospf TXT "google-site-verification=abc"\n',
    )
    result = run_check("mairie.test", "mail.spf")
    assert codes(result) == ["spf.include_missing"]
    targets = problem(result, "spf.include_missing")["details"]["targets"]
    assert {t["target"] for t in targets} == {"nospf.mairie.test", "gone.mairie.test"}


def test_redirect_target_all_applies(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 mx redirect=_spf.mairie.test"\n_spf TXT "v=spf1 +all"\n')
    result = run_check("mairie.test", "mail.spf")
    assert codes(result) == ["spf.permissive_all"]
    assert problem(result, "spf.permissive_all")["details"] == {"qualifier": "+all"}


def test_soft_and_hard_fail_all_pass_but_neutral_all_warns(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("a.test", '@ TXT "v=spf1 ~all"')
    dns_peer.add_zone("b.test", '@ TXT "v=spf1 -all"')
    dns_peer.add_zone("c.test", '@ TXT "v=spf1 ?all"')
    assert run_check("a.test", "mail.spf").status is Status.PASS
    assert run_check("b.test", "mail.spf").status is Status.PASS
    neutral = run_check("c.test", "mail.spf")
    assert (neutral.status, neutral.severity, codes(neutral)) == (
        Status.WARN,
        Severity.MEDIUM,
        ["spf.permissive_all"],
    )


def test_missing_multiple_and_invalid_records(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("none.test", '@ TXT "v=DMARC1; p=none"')
    dns_peer.add_zone("two.test", '@ TXT "v=spf1 -all"\n@ TXT "v=spf1 mx -all"')
    dns_peer.add_zone("bad.test", '@ TXT "v=spf1 ip4:999.1.1.1 -all"')
    assert codes(run_check("none.test", "mail.spf")) == ["spf.missing"]
    assert codes(run_check("two.test", "mail.spf")) == ["spf.multiple_records"]
    bad = run_check("bad.test", "mail.spf")
    assert codes(bad) == ["spf.syntax"]
    assert problem(bad, "spf.syntax")["details"]["term"] == "ip4:999.1.1.1"


def test_record_split_across_txt_strings_is_joined(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 ip4:192.0.2.0/24 " "-all"')
    result = run_check("mairie.test", "mail.spf")
    assert result.status is Status.PASS
    assert result.to_json()["evidence"]["records"] == ["v=spf1 ip4:192.0.2.0/24 -all"]


def test_ptr_and_missing_all(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 ptr mx"')
    result = run_check("mairie.test", "mail.spf")
    assert codes(result) == ["spf.no_all", "spf.ptr_used"]
    assert result.status is Status.WARN


def test_servfail_on_an_include_is_an_error_not_a_fail(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 include:broken.mairie.test -all"')
    dns_peer.servfail("broken.mairie.test")
    result = run_check("mairie.test", "mail.spf")
    assert result.status is Status.ERROR
    assert result.evidence["error"]["dns_error"] == "SERVFAIL"
    assert "broken.mairie.test" in result.summary.fr


def test_evaluate_spf_on_collected_facts() -> None:
    facts = SpfFacts(
        "mairie.test", ("v=spf1 mx ~all",), parse_spf("v=spf1 mx ~all"), lookups=1, effective_all="~"
    )
    assert evaluate_spf(facts) == []
    facts.lookups, facts.void_lookups = 12, 3
    assert [p.code for p in evaluate_spf(facts)] == ["spf.too_many_lookups", "spf.too_many_void_lookups"]

"""The runner: many targets, bounded concurrency, a hard timeout per check, and no target stops a run."""

from __future__ import annotations

from checks.base import Category, Check, Outcome, Status, Text
from checks.context import Ports
from checks.registry import select_checks
from checks.runner import run_scan
from checks.targets import TargetKind, parse_target
from tests.checks.conftest import options_for
from tests.peers.dns_server import DnsPeer
from tests.peers.servers import PortListeners


def test_a_target_whose_dns_never_answers_gets_errors_and_the_run_goes_on(dns_peer: DnsPeer) -> None:
    dns_peer.add_zone("dead.test", '@ TXT "v=spf1 -all"')
    dns_peer.add_zone(
        "alive.test", '@ TXT "v=spf1 -all"\n_dmarc TXT "v=DMARC1; p=reject; rua=mailto:a@alive.test"'
    )
    dns_peer.silence("dead.test")
    checks = select_checks(["mail", "dns"])
    reports = run_scan([parse_target("dead.test"), parse_target("alive.test")], checks, options_for(dns_peer))
    dead, alive = reports
    assert [r.target.value for r in reports] == ["dead.test", "alive.test"]
    assert {r.status for r in dead.results} == {Status.ERROR}
    assert all(r.evidence["error"]["reason"] in ("dns", "timeout") for r in dead.results)
    assert all("Vérification impossible" in r.summary.fr for r in dead.results)
    by_check = {r.check: r.status for r in alive.results}
    assert by_check["mail.spf"] is Status.PASS
    assert by_check["mail.dmarc"] is Status.PASS


def test_a_check_that_hangs_is_cut_by_its_hard_timeout(dns_peer: DnsPeer) -> None:
    mute = PortListeners([2525]).start()  # accepts connections, never says a word
    try:
        dns_peer.add_zone("mairie.test", f"@ MX 10 mx\nmx A {mute.address}\n")
        options = options_for(dns_peer, check_timeout=0.5, io_timeout=30, ports=Ports(smtp=2525))
        [report] = run_scan([parse_target("mairie.test")], select_checks(["mail.starttls"]), options)
    finally:
        mute.stop()
    [result] = report.results
    assert result.status is Status.ERROR
    assert result.evidence["error"] == {"reason": "timeout", "timeout_seconds": 0.5}
    assert "pas de réponse en 0.5 s" in result.summary.fr


def test_no_more_targets_than_the_concurrency_are_scanned_at_once(dns_peer: DnsPeer) -> None:
    dns_peer.delay = 0.05
    for index in range(8):
        dns_peer.add_zone(f"m{index}.test", "")
    targets = [parse_target(f"m{index}.test") for index in range(8)]
    run_scan(targets, select_checks(["dns.caa"]), options_for(dns_peer, concurrency=3))
    assert dns_peer.max_in_flight == 3


def test_a_bug_in_one_check_is_an_error_result_not_a_crash(dns_peer: DnsPeer) -> None:
    async def broken(context: object, target: object) -> Outcome:
        raise KeyError("a bug")

    buggy = Check(
        id="mail.buggy",
        category=Category.MAIL,
        nis2=("j",),
        title=Text("x", "x"),
        pass_summary=Text("x", "x"),
        problem_types=(),
        target_kinds=frozenset({TargetKind.DOMAIN}),
        run=broken,  # type: ignore[arg-type]
    )
    dns_peer.add_zone("mairie.test", '@ TXT "v=spf1 -all"')
    [report] = run_scan(
        [parse_target("mairie.test")], [buggy, *select_checks(["mail.spf"])], options_for(dns_peer)
    )
    bug, spf = report.results
    assert (bug.status, bug.evidence["error"]) == (
        Status.ERROR,
        {"reason": "internal", "exception": "KeyError"},
    )
    assert spf.status is Status.PASS


def test_domain_checks_are_skipped_for_ip_targets(dns_peer: DnsPeer) -> None:
    [report] = run_scan(
        [parse_target("192.0.2.7")], select_checks(["mail.spf", "tls"]), options_for(dns_peer)
    )
    assert {r.status for r in report.results} == {Status.SKIPPED}
    assert report.results[0].summary.fr == "Ce contrôle ne s'applique pas à une adresse IP."


def test_internationalised_domain_names_are_scanned_in_their_ascii_form(dns_peer: DnsPeer) -> None:
    dns_peer.add_zone("xn--mairie-vry-h7a.test", '@ TXT "v=spf1 -all"')
    target = parse_target("Mairie-Évry.test")
    [report] = run_scan([target], select_checks(["mail.spf"]), options_for(dns_peer))
    assert report.to_json()["target"] == "xn--mairie-vry-h7a.test"
    assert target.display == "mairie-évry.test"
    assert report.results[0].status is Status.PASS

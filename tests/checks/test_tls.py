"""tls.certificate and tls.protocols against real TLS servers with generated certificates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from checks.base import Severity, Status
from checks.certificates import Trust, hostname_matches, judge_certificate, parse_certificate
from checks.context import Ports
from tests.checks.conftest import RunCheck, codes, problem, web_ports
from tests.peers.certificates import Pki
from tests.peers.servers import WebPeer

Site = Callable[..., WebPeer]


def certificate_of(run_check: RunCheck, peer: WebPeer, name: str = "site.test") -> object:
    return run_check(name, "tls.certificate", ports=web_ports(peer))


def test_valid_certificate_passes(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.issue("site.test").server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert result.status is Status.PASS
    [seen] = result.to_json()["evidence"]["certificates"]
    assert seen["trusted"] is True
    assert seen["certificate"]["dns_names"] == ["site.test"]


def test_expired_certificate_reports_tls_expired(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.expiring_in("site.test", -3).server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert codes(result) == ["tls.expired"]
    assert result.status is Status.FAIL
    assert problem(result, "tls.expired")["details"]["days_left"] == -3


def test_certificate_expiring_within_thirty_days_is_high(
    pki: Pki, web_site: Site, run_check: RunCheck
) -> None:
    peer = web_site("site.test", https=pki.expiring_in("site.test", 20.5).server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert (codes(result), result.severity) == (["tls.expiring"], Severity.HIGH)
    assert problem(result, "tls.expiring")["details"]["days_left"] == 20


def test_certificate_expiring_within_sixty_days_is_medium(
    pki: Pki, web_site: Site, run_check: RunCheck
) -> None:
    peer = web_site("site.test", https=pki.expiring_in("site.test", 45.5).server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert (codes(result), result.severity, result.status) == (["tls.expiring"], Severity.MEDIUM, Status.WARN)


def test_self_signed_certificate(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.self_signed("site.test").server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert codes(result) == ["tls.self_signed"]
    assert "auto-signé" in result.summary.fr


def test_certificate_from_an_unknown_ca_is_untrusted(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.issue("site.test").server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer), ca_file=None)
    assert codes(result) == ["tls.untrusted"]
    assert "unable to get local issuer" in problem(result, "tls.untrusted")["details"]["reason"]


def test_certificate_for_another_name(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.issue("autre.test", "*.autre.test").server_context())
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert codes(result) == ["tls.hostname_mismatch"]
    assert problem(result, "tls.hostname_mismatch")["details"]["dns_names"] == ["autre.test", "*.autre.test"]


def test_weak_key_and_sha1_signature(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    weak = web_site("weak.test", https=pki.weak_key("weak.test").server_context())
    sha1 = web_site("sha1.test", https=pki.sha1_signed("sha1.test").server_context())
    weak_result = run_check("weak.test", "tls.certificate", ports=web_ports(weak))
    sha1_result = run_check("sha1.test", "tls.certificate", ports=web_ports(sha1))
    assert codes(weak_result) == ["tls.weak_key"]
    assert problem(weak_result, "tls.weak_key")["details"] == {
        "address": weak.address,
        "key_type": "RSA",
        "key_bits": 1024,
        "minimum_bits": 2048,
    }
    assert codes(sha1_result) == ["tls.weak_signature"]
    assert problem(sha1_result, "tls.weak_signature")["details"]["hash"] == "sha1"


def test_no_https_service_is_skipped(web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", http_routes={})
    result = run_check("site.test", "tls.certificate", ports=web_ports(peer))
    assert (result.status, result.evidence["skipped"]["reason"]) == (Status.SKIPPED, "no_https_service")


def test_a_server_that_is_not_tls_is_an_error_not_a_fail(web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", http_routes={"/": (200, {}, b"")})
    result = run_check("site.test", "tls.certificate", ports=Ports(https=peer.http_port))
    assert result.status is Status.ERROR
    assert result.evidence["error"]["reason"] == "connection"


def test_tls_1_0_enabled_reports_legacy_protocol(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.issue("site.test").server_context(legacy=True))
    result = run_check("site.test", "tls.protocols", ports=web_ports(peer))
    assert codes(result) == ["tls.legacy_protocol"]
    assert problem(result, "tls.legacy_protocol")["details"]["protocols"] == ["TLSv1", "TLSv1.1"]
    [server] = result.to_json()["evidence"]["servers"]
    assert server["accepted"] == {"TLSv1": True, "TLSv1.1": True, "TLSv1.2": True, "TLSv1.3": True}


def test_modern_server_passes_and_tls12_only_lacks_tls13(
    pki: Pki, web_site: Site, run_check: RunCheck
) -> None:
    modern = web_site("modern.test", https=pki.issue("modern.test").server_context())
    old = web_site("old.test", https=pki.issue("old.test").server_context(tls13=False))
    assert run_check("modern.test", "tls.protocols", ports=web_ports(modern)).status is Status.PASS
    result = run_check("old.test", "tls.protocols", ports=web_ports(old))
    assert (result.status, codes(result)) == (Status.INFO, ["tls.no_tls13"])


@pytest.mark.parametrize(
    ("name", "sans", "matches"),
    [
        ("site.test", ("site.test",), True),
        ("SITE.test.", ("site.test",), True),
        ("www.site.test", ("*.site.test",), True),
        ("site.test", ("*.site.test",), False),
        ("a.b.site.test", ("*.site.test",), False),
        ("mairie.test", ("*.test",), False),
        ("www.site.test", ("w*.site.test",), False),
        ("site.test", (), False),
    ],
)
def test_hostname_matching_follows_rfc_6125(name: str, sans: tuple[str, ...], matches: bool) -> None:
    assert hostname_matches(name, sans) is matches


def test_judging_a_certificate_at_a_given_time(pki: Pki) -> None:
    facts = parse_certificate(
        x509.load_pem_x509_certificate(pki.issue("site.test").cert_file.read_bytes()).public_bytes(
            Encoding.DER
        )
    )
    trusted = Trust(True)
    assert judge_certificate(facts, "site.test", trusted, facts.not_after - timedelta(days=90)) == []
    [verdict] = judge_certificate(facts, "site.test", trusted, facts.not_after - timedelta(days=59))
    assert (verdict.kind, verdict.severity) == ("expiring", Severity.MEDIUM)
    [verdict] = judge_certificate(facts, "site.test", trusted, facts.not_after + timedelta(hours=1))
    assert verdict.kind == "expired"
    refused = Trust(False, 20, "unable to get local issuer certificate")
    kinds = [v.kind for v in judge_certificate(facts, "autre.test", refused, facts.not_before)]
    assert kinds == ["untrusted", "hostname_mismatch"]
    assert Trust(False, 10, "certificate has expired").chain_ok

"""web.https and web.security_txt against real HTTP and HTTPS servers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from checks.base import Severity, Status
from checks.http_client import HttpResponse
from checks.web.https import WebProbe, evaluate_web, hsts_max_age
from checks.web.security_txt import evaluate_security_txt, parse_security_txt
from tests.checks.conftest import RunCheck, codes, problem, web_ports
from tests.peers.certificates import Pki
from tests.peers.dns_server import DnsPeer
from tests.peers.servers import WebPeer, ok, redirect

Site = Callable[..., WebPeer]
HSTS_YEAR = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


def test_https_with_redirect_and_a_year_of_hsts_passes(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/": ok(HSTS_YEAR)},
        http_routes={"/": redirect("https://site.test/")},
    )
    result = run_check("site.test", "web.https", ports=web_ports(peer))
    assert result.status is Status.PASS
    [server] = result.to_json()["evidence"]["servers"]
    assert server["http"]["location"] == "https://site.test/"


def test_http_only_site_reports_no_https(web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", http_routes={"/": ok()})
    result = run_check("site.test", "web.https", ports=web_ports(peer))
    assert (codes(result), result.severity) == (["web.no_https"], Severity.HIGH)
    assert "Site sans HTTPS" in result.summary.fr


def test_http_not_redirected_and_no_hsts(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/": ok()},
        http_routes={"/": ok()},
    )
    result = run_check("site.test", "web.https", ports=web_ports(peer))
    assert codes(result) == ["web.no_hsts", "web.no_redirect"]
    assert problem(result, "web.no_redirect")["details"]["status"] == 200


def test_redirect_to_plain_http_elsewhere_is_not_a_redirect_to_https(
    pki: Pki, web_site: Site, run_check: RunCheck
) -> None:
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/": ok(HSTS_YEAR)},
        http_routes={"/": redirect("http://www.site.test/")},
    )
    assert codes(run_check("site.test", "web.https", ports=web_ports(peer))) == ["web.no_redirect"]


def test_short_hsts(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/": ok({"Strict-Transport-Security": "max-age=86400"})},
    )
    result = run_check("site.test", "web.https", ports=web_ports(peer))
    assert codes(result) == ["web.hsts_short"]
    assert problem(result, "web.hsts_short")["details"]["max_age"] == 86400


def test_no_web_server_at_all_is_skipped(web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test")
    result = run_check("site.test", "web.https", ports=web_ports(peer))
    assert (result.status, result.evidence["skipped"]["reason"]) == (Status.SKIPPED, "no_web_service")


def test_name_without_address_is_skipped(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("site.test", '@ TXT "v=spf1 -all"')
    result = run_check("site.test", "web.https")
    assert (result.status, result.evidence["skipped"]["reason"]) == (Status.SKIPPED, "no_address")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("max-age=31536000", 31536000),
        ('max-age="600"; includeSubDomains', 600),
        ("includeSubDomains; MAX-AGE = 10", 10),
        ("max-age=1; max-age=2", None),
        ("max-age=abc", None),
        (None, None),
    ],
)
def test_hsts_max_age_parsing(header: str | None, expected: int | None) -> None:
    assert hsts_max_age(header) == expected


def test_https_timeout_is_undecided_not_a_fail() -> None:
    problems, state = evaluate_web("192.0.2.1", WebProbe(HttpResponse(200, ()), "timeout"))
    assert (problems, state) == ([], "undecided")


def security_txt(expires: datetime, contact: bool = True) -> bytes:
    lines = ["# contact the team", f"Expires: {expires.isoformat().replace('+00:00', 'Z')}"]
    if contact:
        lines.insert(1, "Contact: mailto:securite@site.test")
    return "\n".join(lines).encode()


TEXT = {"Content-Type": "text/plain; charset=utf-8"}


def test_current_security_txt_passes(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    body = security_txt(datetime.now(UTC) + timedelta(days=200))
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/.well-known/security.txt": (200, TEXT, body)},
    )
    result = run_check("site.test", "web.security_txt", ports=web_ports(peer))
    assert result.status is Status.PASS
    assert result.evidence["url"] == "https://site.test/.well-known/security.txt"


def test_expired_security_txt(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    body = security_txt(datetime.now(UTC) - timedelta(days=2))
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/security.txt": (200, TEXT, body)},  # the legacy location still counts
    )
    result = run_check("site.test", "web.security_txt", ports=web_ports(peer))
    assert (codes(result), result.status) == (["securitytxt.expired"], Status.WARN)


def test_missing_security_txt_is_information(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site("site.test", https=pki.issue("site.test").server_context(), https_routes={"/": ok()})
    result = run_check("site.test", "web.security_txt", ports=web_ports(peer))
    assert (codes(result), result.status) == (["securitytxt.missing"], Status.INFO)


def test_security_txt_served_as_html_does_not_count(pki: Pki, web_site: Site, run_check: RunCheck) -> None:
    peer = web_site(
        "site.test",
        https=pki.issue("site.test").server_context(),
        https_routes={"/.well-known/security.txt": ok(body=b"<html>404</html>")},
    )
    assert codes(run_check("site.test", "web.security_txt", ports=web_ports(peer))) == ["securitytxt.missing"]


def test_security_txt_without_contact_is_invalid() -> None:
    now = datetime.now(UTC)
    parsed = parse_security_txt(security_txt(now + timedelta(days=10), contact=False).decode())
    [problem_found] = evaluate_security_txt(parsed, now, "https://site.test/.well-known/security.txt")
    assert problem_found.code == "securitytxt.invalid"
    assert problem_found.details["missing_or_invalid"] == ("Contact",)
    no_date = parse_security_txt("Contact: mailto:a@site.test\nExpires: next year\n")
    assert evaluate_security_txt(no_date, now)[0].details["missing_or_invalid"] == ("Expires",)


@pytest.mark.parametrize("private", ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.1.1", "::1"])
def test_names_resolving_to_private_addresses_are_not_contacted(
    dns_peer: DnsPeer, run_check: RunCheck, private: str
) -> None:
    record = "AAAA" if ":" in private else "A"
    dns_peer.add_zone("interne.test", f"@ {record} {private}")
    for check in ("web.https", "tls.certificate", "web.security_txt"):
        result = run_check("interne.test", check, allow_private_addresses=False)
        assert (result.status, result.evidence["skipped"]["reason"]) == (Status.SKIPPED, "private_address")
        assert result.to_json()["evidence"]["skipped"]["addresses"] == [private]


def test_the_address_policy_applies_to_the_very_address_connected_to(
    pki: Pki, web_site: Site, run_check: RunCheck
) -> None:
    peer = web_site(
        "site.test", https=pki.issue("site.test").server_context(), https_routes={"/": ok(HSTS_YEAR)}
    )
    refused = run_check("site.test", "web.https", ports=web_ports(peer), allow_private_addresses=False)
    assert refused.status is Status.SKIPPED
    assert peer.requests_seen == []
    allowed = run_check("site.test", "web.https", ports=web_ports(peer))
    assert allowed.status is Status.PASS
    assert peer.requests_seen == ["/"]


def test_security_txt_redirect_to_another_host_is_not_followed(
    pki: Pki, web_site: Site, dns_peer: DnsPeer, run_check: RunCheck
) -> None:
    """ASVS 13.2.4 / 1.3.6: a scanned site cannot send the scanner elsewhere (another name, an
    internal address), even one that resolves to an address the scan may contact."""
    body = security_txt(datetime.now(UTC) + timedelta(days=200))
    peer = web_site(
        "site.test",
        https=pki.issue("site.test", "autre.test").server_context(),
        https_routes={
            "/.well-known/security.txt": redirect("https://autre.test/cible-interne.txt"),
            "/security.txt": redirect("https://169.254.169.254/latest/meta-data/"),
            "/cible-interne.txt": (200, TEXT, body),
        },
    )
    dns_peer.add_zone("autre.test", f"@ A {peer.address}")
    result = run_check("site.test", "web.security_txt", ports=web_ports(peer))
    assert codes(result) == ["securitytxt.missing"]
    assert peer.requests_seen == ["/.well-known/security.txt", "/security.txt"]

"""mail.starttls against real SMTP servers (aiosmtpd), with and without STARTTLS."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from checks.base import Severity, Status
from checks.context import Ports
from tests.checks.conftest import RunCheck, codes, problem
from tests.peers.certificates import Pki
from tests.peers.dns_server import DnsPeer, random_loopback
from tests.peers.servers import SmtpPeer, free_port

MailServer = Callable[..., SmtpPeer]


@pytest.fixture
def mail_server(dns_peer: DnsPeer) -> Iterator[MailServer]:
    """mail_server("mairie.test", tls=context) → an SMTP server that is the domain's only MX."""
    started: list[SmtpPeer] = []

    def make(domain: str, **kwargs: object) -> SmtpPeer:
        peer = SmtpPeer(**kwargs).start()  # type: ignore[arg-type]
        started.append(peer)
        dns_peer.add_zone(domain, f"@ MX 10 mx\nmx A {peer.address}\n")
        return peer

    yield make
    for peer in started:
        peer.stop()


def test_starttls_with_a_good_certificate_passes(
    pki: Pki, mail_server: MailServer, run_check: RunCheck
) -> None:
    server = mail_server("mairie.test", tls=pki.issue("mx.mairie.test").server_context())
    result = run_check("mairie.test", "mail.starttls", ports=Ports(smtp=server.port))
    assert result.status is Status.PASS
    [seen] = result.to_json()["evidence"]["servers"]
    assert (seen["host"], seen["starttls"], seen["trusted"]) == ("mx.mairie.test", True, True)
    assert seen["tls_version"] == "TLSv1.3"


def test_mx_without_starttls_reports_starttls_missing(mail_server: MailServer, run_check: RunCheck) -> None:
    server = mail_server("mairie.test")
    result = run_check("mairie.test", "mail.starttls", ports=Ports(smtp=server.port))
    assert (codes(result), result.severity, result.status) == (
        ["starttls.missing"],
        Severity.HIGH,
        Status.FAIL,
    )
    assert problem(result, "starttls.missing")["details"] == {
        "host": "mx.mairie.test",
        "address": server.address,
    }


def test_certificate_problems_on_mx_are_information_only(
    pki: Pki, mail_server: MailServer, run_check: RunCheck
) -> None:
    server = mail_server("mairie.test", tls=pki.self_signed("mail.hebergeur.test").server_context())
    result = run_check("mairie.test", "mail.starttls", ports=Ports(smtp=server.port))
    assert codes(result) == ["starttls.certificate_self_signed", "starttls.certificate_hostname_mismatch"]
    assert (result.status, result.severity) == (Status.INFO, Severity.INFO)


def test_mx_refusing_connections_is_skipped(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    address = random_loopback()
    dns_peer.add_zone("mairie.test", f"@ MX 10 mx\nmx A {address}\n")
    result = run_check("mairie.test", "mail.starttls", ports=Ports(smtp=free_port(address)))
    assert (result.status, result.evidence["skipped"]["reason"]) == (Status.SKIPPED, "no_smtp_service")


def test_null_mx_and_no_mx_are_skipped(dns_peer: DnsPeer, run_check: RunCheck) -> None:
    dns_peer.add_zone("null.test", "@ MX 0 .")
    dns_peer.add_zone("nomx.test", "@ A 192.0.2.1")
    assert run_check("null.test", "mail.starttls").evidence["skipped"]["reason"] == "null_mx"
    assert run_check("nomx.test", "mail.starttls").evidence["skipped"]["reason"] == "no_mx"

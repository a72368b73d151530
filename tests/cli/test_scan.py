"""`cyberreponse scan`: standalone (no database, no secrets), JSON contract, exit codes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cyberreponse.cli import _register, cli
from tests.peers.dns_server import DnsPeer

CONTRACT_KEYS = {"check", "category", "status", "severity", "summary", "problems", "evidence", "nis2"}


@pytest.fixture
def dns_peer() -> Iterator[DnsPeer]:
    peer = DnsPeer().start()
    peer.add_zone(
        "mairie.test",
        '@ TXT "v=spf1 include:_spf.mairie.test -all"\n'
        '_spf TXT "v=spf1 ip4:192.0.2.0/24 ~all"\n'
        '_dmarc TXT "v=DMARC1; p=none; rua=mailto:dmarc@mairie.test"\n',
    )
    yield peer
    peer.stop()


def scan(*args: str, env: dict[str, str | None] | None = None) -> Result:
    _register()
    # Standalone: no secret key, no encryption key, no database configured.
    bare: dict[str, str | None] = {name: None for name in os.environ if name.startswith("CYBERREPONSE_")}
    return CliRunner().invoke(cli, ["scan", *args], env={**bare, **(env or {})})


def test_json_output_is_the_documented_document(dns_peer: DnsPeer) -> None:
    result = scan(
        "Mairie.test", "--checks", "mail,dns", "--nameserver", str(dns_peer.nameserver), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    [target] = document["targets"]
    assert set(document) == {"targets"}
    assert target["target"] == "mairie.test"
    assert [r["check"] for r in target["results"]] == [
        "mail.spf",
        "mail.dmarc",
        "mail.dkim",
        "mail.mx",
        "mail.starttls",
        "dns.dnssec",
        "dns.caa",
    ]
    assert all(set(r) == CONTRACT_KEYS for r in target["results"])
    dmarc = target["results"][1]
    assert (dmarc["status"], dmarc["severity"]) == ("warn", "medium")
    assert dmarc["problems"] == [
        {
            "code": "dmarc.policy_none",
            "severity": "medium",
            "details": {"policy": "none", "inherited_from": None},
        }
    ]
    assert dmarc["summary"]["fr"] == "Politique DMARC « none » (surveillance seule)"
    assert dmarc["nis2"] == ["h", "j"]


def test_table_output_for_people_with_progress_on_stderr(dns_peer: DnsPeer, tmp_path: Path) -> None:
    targets = tmp_path / "cibles.txt"
    targets.write_text("# communes du département\nmairie.test\n\nmairie.test  # twice: scanned once\n")
    result = scan(
        "--targets-file", str(targets), "--checks", "mail.spf", "--nameserver", str(dns_peer.nameserver)
    )
    assert result.exit_code == 0, result.output
    assert "mairie.test\n  OK" in result.stdout
    assert "SPF correctement configuré." in result.stdout
    assert "1 cible(s), 1 contrôle(s) : 1 OK." in result.stdout
    assert "Analyse" in result.stderr


def test_exit_code_is_zero_whatever_the_scans_found(dns_peer: DnsPeer) -> None:
    result = scan("absent.mairie.test", "--checks", "mail.spf", "--nameserver", str(dns_peer.nameserver))
    assert result.exit_code == 0
    assert "Aucun enregistrement SPF" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give at least one TARGET"),
        (("x.fr;id",), "not a domain, IP address or small network: 'x.fr;id'"),
        (("-iL", "/etc/passwd"), "No such option '-i'"),
        (("mairie.test", "--checks", "mail,smtp"), "unknown check(s) smtp"),
        (("mairie.test", "--nameserver", "resolver.test"), "expected an IP address"),
        (("mairie.test", "--concurrency", "0"), "--concurrency"),
        (("mairie.test", "--format", "xml"), "--format"),
    ],
)
def test_usage_errors_exit_with_2(args: tuple[str, ...], message: str) -> None:
    result = scan(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_targets_file_with_an_injection_attempt_is_refused_before_any_scan(tmp_path: Path) -> None:
    targets = tmp_path / "cibles.txt"
    targets.write_text("mairie.test\n-iL /etc/passwd\n")
    result = scan("--targets-file", str(targets), "--checks", "exposure")
    assert result.exit_code == 2
    assert "'-iL /etc/passwd'" in result.output


def test_missing_nmap_is_a_configuration_error_naming_the_package(tmp_path: Path) -> None:
    result = scan("192.0.2.1", "--checks", "exposure", env={"PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert "install the Debian package `nmap`" in result.output


def test_bad_trust_anchor_file_is_a_usage_error(tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.txt"
    anchors.write_text("test. IN DNSKEY 257 3 13 abc\n")
    result = scan("mairie.test", "--trust-anchor", str(anchors))
    assert result.exit_code == 2
    assert "line 1: expected 'zone. IN DS" in result.output

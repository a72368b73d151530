"""The clamd client against a real clamd (TCP and Unix socket), and its failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberreponse.clamd import AntivirusUnavailable, ClamdClient, Verdict, parse_address, parse_reply
from cyberreponse.config import ConfigError, load_settings
from cyberreponse.services.upload_screening import antivirus_for
from tests.conftest import environ_for_tests
from tests.peers.clamd import EICAR, REPORTED_NAME, ClamdPeer, unused_tcp_address


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_clamd_finds_eicar_and_passes_clean_content(clamd_peer: ClamdPeer, transport: str) -> None:
    address = clamd_peer.tcp_address if transport == "tcp" else clamd_peer.unix_address
    client = ClamdClient(address, timeout=10)
    assert client.scan(b"Bonjour, voici le compte rendu.") == Verdict()
    assert client.scan(b"prefix " + EICAR + b" suffix").signature == REPORTED_NAME


def test_a_large_file_is_streamed_in_chunks_and_scanned_whole(clamd_peer: ClamdPeer) -> None:
    client = ClamdClient(clamd_peer.tcp_address, timeout=30)
    content = bytes(9 * 1024 * 1024) + EICAR  # the signature sits in the last chunk
    assert client.scan(content).infected


def test_unreachable_clamd_gives_no_verdict(tmp_path: Path) -> None:
    for address in (unused_tcp_address(), f"unix://{tmp_path / 'absent.sock'}"):
        with pytest.raises(AntivirusUnavailable):
            ClamdClient(address, timeout=2).scan(b"x")


def test_a_reply_that_is_neither_ok_nor_found_is_no_verdict() -> None:
    assert parse_reply("stream: OK") == Verdict()
    assert parse_reply("stream: Win.Test.EICAR_HDB-1 FOUND").signature == "Win.Test.EICAR_HDB-1"
    for reply in ("INSTREAM size limit exceeded. ERROR", "", "stream: something"):
        with pytest.raises(AntivirusUnavailable):
            parse_reply(reply)


def test_clamd_addresses_are_checked_when_the_settings_are_read(tmp_path: Path) -> None:
    assert parse_address("unix:///run/clamav/clamd.ctl")[1] == "/run/clamav/clamd.ctl"
    assert parse_address("tcp://127.0.0.1:3310")[1] == ("127.0.0.1", 3310)
    with pytest.raises(ConfigError, match=r"uploads\.clamd_address"):
        load_settings(
            environ=environ_for_tests(CYBERREPONSE_UPLOADS__CLAMD_ADDRESS="clamd.example:3310"),
            instance_path=tmp_path,
        )


def test_the_antivirus_is_off_by_default_and_clamd_when_configured(tmp_path: Path) -> None:
    default = load_settings(environ=environ_for_tests(), instance_path=tmp_path)
    assert not antivirus_for(default).enabled
    configured = load_settings(
        environ=environ_for_tests(CYBERREPONSE_UPLOADS__ANTIVIRUS="clamd"), instance_path=tmp_path
    )
    assert isinstance(antivirus_for(configured), ClamdClient)


def test_a_file_beyond_clamds_stream_limit_gets_no_verdict_rather_than_a_pass(clamd_peer: ClamdPeer) -> None:
    # The fixture's clamd takes 30 MB per stream; beyond it clamd answers an error (or hangs up).
    with pytest.raises(AntivirusUnavailable):
        ClamdClient(clamd_peer.tcp_address, timeout=30).scan(bytes(31 * 1024 * 1024))

"""exposure.ports with the real nmap against listeners the test opens on its own loopback address."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from checks.base import Severity, Status
from checks.context import NmapOptions
from checks.data_files import DataFileError
from checks.ports.catalogue import load_catalogue
from checks.ports.exposure import evaluate_exposure
from checks.ports.nmap_scan import HostScan, NmapBatcher, OpenPort, nmap_command, parse_scan, validated_hosts
from tests.checks.conftest import RunCheck, codes, problem
from tests.peers.dns_server import DnsPeer, random_loopback
from tests.peers.servers import PortListeners

FAST = NmapOptions(batch_wait=0.05, host_timeout=30)


@pytest.fixture
def listeners() -> Iterator[PortListeners]:
    peer = PortListeners([3389, 6379, 5432, 8080]).start()  # RDP, Redis, PostgreSQL, and a harmless port
    yield peer
    peer.stop()


def test_open_rdp_and_databases_are_reported_by_code(
    listeners: PortListeners, dns_peer: DnsPeer, run_check: RunCheck
) -> None:
    dns_peer.add_zone("mairie.test", f"@ A {listeners.address}")
    result = run_check("mairie.test", "exposure.ports", nmap=FAST)
    assert codes(result) == ["exposure.rdp", "exposure.database"]
    assert (result.status, result.severity) == (Status.FAIL, Severity.HIGH)
    databases = problem(result, "exposure.database")["details"]["services"]
    assert {(s["address"], s["port"], s["protocol"]) for s in databases} == {
        (listeners.address, 5432, "tcp"),
        (listeners.address, 6379, "tcp"),
    }
    assert "Bureau à distance Windows (RDP)" in result.summary.fr
    assert sorted(result.to_json()["evidence"]["hosts"][listeners.address]) == [
        "tcp/3389",
        "tcp/5432",
        "tcp/6379",
    ]


def test_declared_ip_addresses_are_scanned(run_check: RunCheck) -> None:
    first = PortListeners([5900]).start()
    second = PortListeners([]).start()
    try:
        vnc = run_check(first.address, "exposure.ports", nmap=FAST)
        clean = run_check(second.address, "exposure.ports", nmap=FAST)
    finally:
        first.stop()
        second.stop()
    assert codes(vnc) == ["exposure.vnc"]
    assert clean.status is Status.PASS
    assert "Aucun service à risque" in clean.summary.fr


def test_hosts_asked_together_share_one_nmap_run() -> None:
    peers = [PortListeners(ports).start() for ports in ([21], [23, 11211], [])]

    async def scan_all() -> tuple[list[HostScan], int]:
        batcher = NmapBatcher(NmapOptions(batch_wait=0.2, udp=False), load_catalogue(), 60)
        scans = await asyncio.gather(*(batcher.scan(p.address) for p in peers))
        return list(scans), batcher.runs

    try:
        scans, runs = asyncio.run(scan_all())
    finally:
        for peer in peers:
            peer.stop()
    assert runs == 1
    assert [[p.port for p in scan.open_ports] for scan in scans] == [[21], [23, 11211], []]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="nmap scans UDP only as root")
def test_snmp_answering_on_udp_is_a_management_exposure(run_check: RunCheck) -> None:
    address = random_loopback()
    responder = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    responder.bind((address, 161))

    def answer() -> None:
        while True:
            try:
                data, peer = responder.recvfrom(2048)
                responder.sendto(data, peer)
            except OSError:
                return

    threading.Thread(target=answer, daemon=True).start()
    try:
        result = run_check(address, "exposure.ports", nmap=FAST)
    finally:
        responder.close()
    assert codes(result) == ["exposure.management"]
    [service] = problem(result, "exposure.management")["details"]["services"]
    assert (service["port"], service["protocol"]) == (161, "udp")


def test_missing_nmap_gives_an_error_naming_the_debian_package(run_check: RunCheck) -> None:
    address = random_loopback()
    result = run_check(address, "exposure.ports", nmap=NmapOptions(program="/nonexistent/nmap"))
    assert result.status is Status.ERROR
    assert "paquet Debian « nmap »" in result.summary.fr
    assert "apt install nmap" in result.summary.en


def test_private_addresses_are_not_scanned_unless_allowed(run_check: RunCheck) -> None:
    result = run_check("10.0.0.1", "exposure.ports", allow_private_addresses=False, nmap=FAST)
    assert (result.status, result.evidence["skipped"]["reason"]) == (Status.SKIPPED, "private_address")


@pytest.mark.parametrize(
    "value", ["x.fr;id", "-iL /etc/passwd", "127.0.0.1 -oN /tmp/x", "$(id)", "example.test"]
)
def test_only_ip_addresses_ever_reach_the_nmap_command_line(value: str) -> None:
    with pytest.raises(ValueError):
        validated_hosts([value])
    assert validated_hosts(["::1"]) == ["::1"]


def test_nmap_arguments_are_gentle_and_fixed() -> None:
    catalogue = load_catalogue()
    ports, arguments = nmap_command(NmapOptions(), catalogue, ipv6=False, udp=False)
    assert arguments == "-Pn -n -sT -T3 --max-rate 100 --max-retries 1 --host-timeout 120s"
    assert ports.startswith("T:21,23,") and "U:" not in ports
    ports, arguments = nmap_command(NmapOptions(), catalogue, ipv6=True, udp=True)
    assert ports.endswith(",U:161,623")
    assert arguments.endswith("-6") and "-sU" in arguments


@pytest.mark.parametrize(("max_rate", "runs", "share"), [(100, 2, 50), (100, 3, 33), (90, 1, 90)])
def test_each_nmap_run_takes_its_share_of_the_packet_rate(max_rate: int, runs: int, share: int) -> None:
    options = NmapOptions(max_rate=max_rate, parallel_runs=runs)
    _ports, arguments = nmap_command(options, load_catalogue(), ipv6=False, udp=False)
    assert f"--max-rate {share} " in arguments and share * runs <= max_rate


def test_parse_scan_marks_hosts_nmap_gave_up_on() -> None:
    result = {
        "scan": {
            "192.0.2.1": {"tcp": {3389: {"state": "open", "name": "ms-wbt-server"}, 21: {"state": "closed"}}}
        }
    }
    scans = parse_scan(result, ["192.0.2.1", "192.0.2.2"])
    assert scans["192.0.2.1"].open_ports == (OpenPort("tcp", 3389, "ms-wbt-server"),)
    assert scans["192.0.2.2"].scanned is False


def test_evaluate_exposure_groups_ports_by_code() -> None:
    catalogue = load_catalogue()
    scans = [
        HostScan(
            "192.0.2.1", True, (OpenPort("tcp", 445, "microsoft-ds"), OpenPort("tcp", 139, "netbios-ssn"))
        )
    ]
    [smb] = evaluate_exposure(catalogue, scans)
    assert (smb.code, smb.severity) == ("exposure.smb", Severity.CRITICAL)
    assert [s["port"] for s in smb.details["services"]] == [445, 139]


def test_shipped_catalogue_covers_the_services_of_the_issue() -> None:
    catalogue = load_catalogue()
    expected = {
        ("tcp", 3389): "exposure.rdp",
        ("tcp", 445): "exposure.smb",
        ("tcp", 139): "exposure.smb",
        ("tcp", 23): "exposure.telnet",
        ("tcp", 21): "exposure.ftp",
        ("tcp", 5900): "exposure.vnc",
        ("tcp", 27017): "exposure.database",
        ("tcp", 11211): "exposure.database",
        ("tcp", 2375): "exposure.management",
        ("tcp", 10250): "exposure.management",
        ("udp", 161): "exposure.management",
        ("udp", 623): "exposure.management",
    }
    assert {key: catalogue.by_port[key].code for key in expected} == expected
    assert all(service.explanation and service.name for service in catalogue.services)


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("[[service]]\ncode = 'exposure.x'\n", "service[0].explanation", "missing"),
        ("[[service", "(syntax)", "not valid TOML"),
        ("other = 1\n", "other", "unknown top-level key"),
        (
            "[[service]]\ncode='rdp'\nname='n'\nseverity='high'\nports=['tcp/1']\nexplanation='e'\n",
            "service[0].code",
            'expected "exposure."',
        ),
        (
            "[[service]]\ncode='exposure.x'\nname='n'\nseverity='urgent'\nports=['tcp/1']\nexplanation='e'\n",
            "service[0].severity",
            "expected one of info, low, medium, high, critical",
        ),
        (
            "[[service]]\ncode='exposure.x'\nname='n'\nseverity='high'\nports=['tcp/70000']\nexplanation='e'\n",
            "service[0].ports[0]",
            'expected "tcp/<1-65535>"',
        ),
        (
            "[[service]]\ncode='exposure.x'\nname='n'\nseverity='high'\nports=['tcp/1']\nexplanation='e'\n"
            "[[service]]\ncode='exposure.y'\nname='n'\nseverity='high'\nports=['udp/2', 'tcp/1']\n"
            "explanation='e'\n",
            "service[1].ports[1]",
            "tcp/1 already belongs to exposure.x",
        ),
    ],
)
def test_a_bad_catalogue_names_file_key_and_expectation(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    path = tmp_path / "ports.toml"
    path.write_text(text)
    with pytest.raises(DataFileError) as raised:
        load_catalogue(path)
    assert (raised.value.path, raised.value.key) == (path, key)
    assert message in raised.value.message

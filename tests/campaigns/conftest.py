"""Campaign fixtures: a DNS server on a loopback address of its own, settings that point the scans at
it (and allow loopback addresses, which production never does), and consenting members."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.models import Asset, Contact, Organisation
from tests.factories import make_asset, make_organisation
from tests.peers.dns_server import DnsPeer

# A mail domain with a few findings: SPF "+all" (high), DMARC p=none (medium), no DKIM (medium).
WEAK_MAIL = (
    '@ TXT "v=spf1 +all"\n'
    '_dmarc TXT "v=DMARC1; p=none; rua=mailto:dmarc@{name}"\n'
    "@ MX 10 mx.{name}.\n"
    "mx A 127.0.0.1\n"
)
GOOD_MAIL = '@ TXT "v=spf1 -all"\n_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{name}"\n@ MX 0 .\n'


@pytest.fixture
def dns_peer() -> Iterator[DnsPeer]:
    peer = DnsPeer().start()
    yield peer
    peer.stop()


def scan_overrides(peer: DnsPeer, **extra: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "scanning.nameservers": [f"{peer.address}:{peer.port}"],
        "scanning.allow_private_addresses": True,  # tests only: the peers live on loopback
        "scanning.families": ["mail", "dns"],
        "scanning.check_timeout": 10,
        "jobs.unit_lease_seconds": 60,
    }
    values.update(extra)
    return values


@pytest.fixture
def scan_settings(settings: Settings, dns_peer: DnsPeer) -> Settings:
    return settings.with_overrides(scan_overrides(dns_peer))


def add_domain(peer: DnsPeer, name: str, records: str) -> None:
    peer.add_zone(name, records.format(name=name))


def consenting_member(session: Session, name: str, *domains: str, **fields: Any) -> Organisation:
    organisation = make_organisation(session, name, scan_consent_at=now(), scan_consent_given_by="Le maire")
    for domain in domains:
        make_asset(session, organisation, domain)
    organisation.contacts.append(
        Contact(name="Référente", email=f"rssi@{domains[0] if domains else 'x.test'}", receives_alerts=True)
    )
    session.flush()
    return organisation


def asset_named(session: Session, value: str) -> Asset:
    from sqlalchemy import select

    asset = session.scalars(select(Asset).where(Asset.value == value)).one()
    return asset

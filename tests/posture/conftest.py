"""A commune with a domain and an IP address scanned, as most posture tests need."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from cyberreponse.models import Asset, Organisation
from tests.factories import make_asset, make_organisation
from tests.posture.data import result, scan


@dataclass
class Commune:
    organisation: Organisation
    domain: Asset
    address: Asset


@pytest.fixture
def commune(session: Session) -> Commune:
    organisation = make_organisation(
        session, "Commune de Saint-Exemple", insee_code="35238", nis2_status="important"
    )
    domain = make_asset(session, organisation, "saint-exemple.test")
    address = make_asset(session, organisation, "192.0.2.10", kind="ip")
    scan(
        session,
        domain,
        [
            result("mail.spf"),
            result("mail.dmarc", "dmarc.policy_none"),
            result("dns.dnssec", "dnssec.unsigned"),
            result("dns.caa", "caa.missing"),
            result(
                "tls.certificate",
                "tls.expired",
                details={"not_after": "2026-01-01T00:00:00+00:00", "days_left": -3},
            ),
            result("web.https"),
            result("exposure.ports", status="error"),
        ],
    )
    scan(session, address, [result("exposure.ports", "exposure.smb")])
    return Commune(organisation, domain, address)


@pytest.fixture(autouse=True)
def fresh_trend_cache() -> None:
    """Rolled-back tests reuse snapshot ids: the overview's per-process trend cache must not carry
    one test's trends into the next."""
    from cyberreponse.services import overview

    overview._TREND_CACHE.clear()

"""A campaign run in-process against a local DNS server: who is scanned, results, findings."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.jobs.campaign_runner import run_campaign
from cyberreponse.models import Campaign, CampaignUnit, CheckResultRecord, Finding
from cyberreponse.services.campaigns import start_campaign, start_nightly
from tests.campaigns.conftest import GOOD_MAIL, WEAK_MAIL, add_domain, asset_named, consenting_member
from tests.factories import make_asset, make_organisation
from tests.peers.dns_server import DnsPeer

pytestmark = pytest.mark.db
CLI = system_actor("test")


def _run(db: Database, settings: Settings, session: Session) -> Campaign:
    campaign = start_campaign(session, CLI, settings)
    finished = run_campaign(db, settings, campaign.id, "test-runner", poll_seconds=0.1)
    session.expire_all()
    return finished


def _open_codes(session: Session, value: str) -> set[str]:
    asset = asset_named(session, value)
    return set(
        session.scalars(
            select(Finding.code).where(Finding.asset_id == asset.id, Finding.resolved_at.is_(None))
        )
    )


def test_campaign_scans_only_consenting_members_and_opens_findings(
    db: Database, session: Session, scan_settings: Settings, dns_peer: DnsPeer
) -> None:
    add_domain(dns_peer, "mairie-faible.test", WEAK_MAIL)
    add_domain(dns_peer, "sans-accord.test", WEAK_MAIL)
    consenting_member(session, "Commune Faible", "mairie-faible.test")
    refusing = make_organisation(session, "Commune Sans Accord")
    make_asset(session, refusing, "sans-accord.test")
    inactive = consenting_member(session, "Commune Dissoute", "dissoute.test")
    inactive.active = False
    disabled = consenting_member(session, "Commune Prudente", "prudente.test")
    disabled.assets[0].scan_enabled = False
    session.commit()

    campaign = _run(db, scan_settings, session)

    assert campaign.status == "done"
    assert (campaign.units_total, campaign.units_done) == (2, 2)  # mail and dns of one asset
    scanned = set(session.scalars(select(CheckResultRecord.asset_id).distinct()))
    assert scanned == {asset_named(session, "mairie-faible.test").id}
    assert campaign.results_written == 7  # spf, dmarc, dkim, mx, starttls; dnssec, caa
    assert {"spf.permissive_all", "dmarc.policy_none"} <= _open_codes(session, "mairie-faible.test")
    assert "caa.missing" not in _open_codes(session, "mairie-faible.test")  # information only
    assert campaign.findings_opened == len(_open_codes(session, "mairie-faible.test"))


def test_fixed_problem_resolves_its_finding_and_an_undecided_check_leaves_findings_open(
    db: Database, session: Session, scan_settings: Settings, dns_peer: DnsPeer
) -> None:
    add_domain(dns_peer, "mairie-corrige.test", WEAK_MAIL)
    consenting_member(session, "Commune Corrige", "mairie-corrige.test")
    session.commit()
    _run(db, scan_settings, session)
    spf = session.scalars(select(Finding).where(Finding.code == "spf.permissive_all")).one()
    first_seen = spf.first_seen

    add_domain(dns_peer, "mairie-corrige.test", WEAK_MAIL.replace("+all", "-all"))
    second = _run(db, scan_settings, session)
    session.refresh(spf)
    assert spf.resolved_at is not None and spf.first_seen == first_seen
    assert second.findings_resolved == 1 and second.findings_opened == 0
    dmarc = session.scalars(select(Finding).where(Finding.code == "dmarc.policy_none")).one()
    assert dmarc.resolved_at is None and dmarc.last_seen > first_seen  # seen again, still open

    dns_peer.servfail("_dmarc.mairie-corrige.test")  # DMARC can no longer be decided: error
    third = _run(db, scan_settings, session)
    session.refresh(dmarc)
    result = session.scalars(
        select(CheckResultRecord).where(
            CheckResultRecord.campaign_id == third.id, CheckResultRecord.check_id == "mail.dmarc"
        )
    ).one()
    assert result.status == "error"
    assert dmarc.resolved_at is None and dmarc.last_seen < result.observed_at
    assert session.scalar(select(func.count(Finding.id)).where(Finding.code == "dmarc.policy_none")) == 1


def test_consent_withdrawn_mid_campaign_skips_the_units_not_yet_run(
    db: Database, session: Session, scan_settings: Settings, dns_peer: DnsPeer
) -> None:
    add_domain(dns_peer, "retrait.test", WEAK_MAIL)
    organisation = consenting_member(session, "Commune Retrait", "retrait.test")
    session.commit()
    campaign = start_campaign(session, CLI, scan_settings)
    assert campaign.units_total == 2
    organisation.scan_consent_at = None  # withdrawn after the campaign fanned out, before its units ran
    session.commit()
    queries_before = dns_peer.queries

    finished = run_campaign(db, scan_settings, campaign.id, "test-runner", poll_seconds=0.1)

    assert (finished.status, finished.units_skipped, finished.units_done) == ("done", 2, 0)
    assert session.scalar(select(func.count(CheckResultRecord.id))) == 0
    details = set(session.scalars(select(CampaignUnit.detail).where(CampaignUnit.campaign_id == campaign.id)))
    assert details == {"consent withdrawn"}
    assert dns_peer.queries == queries_before  # nothing was sent towards the member


def test_excluded_domain_is_never_scanned_even_when_registered(
    db: Database, session: Session, scan_settings: Settings, dns_peer: DnsPeer
) -> None:
    add_domain(dns_peer, "hors-champ.test", WEAK_MAIL)
    add_domain(dns_peer, "dans-champ.test", GOOD_MAIL)
    consenting_member(session, "Commune Hors Champ", "www.hors-champ.test", "dans-champ.test")
    session.commit()
    settings = scan_settings.with_overrides({"scanning.excluded": ["hors-champ.test", "192.0.2.0/24"]})

    campaign = _run(db, settings, session)

    assert campaign.units_total == 2
    assert set(session.scalars(select(CheckResultRecord.asset_id).distinct())) == {
        asset_named(session, "dans-champ.test").id
    }


def test_a_night_has_one_nightly_campaign_whoever_starts_it(
    session: Session, scan_settings: Settings
) -> None:
    consenting_member(session, "Commune Nocturne", "nocturne.test")
    session.commit()
    moment = now()
    first = start_nightly(session, system_actor("scheduler-a"), scan_settings, moment)
    second = start_nightly(session, system_actor("scheduler-b"), scan_settings, moment)
    assert first is not None and second is None
    assert session.scalar(select(func.count(Campaign.id)).where(Campaign.kind == "nightly")) == 1

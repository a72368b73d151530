"""A real `cyberreponse campaign run` killed mid-way: `campaign resume` finishes the missing units and
redoes none of the finished ones."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cyberreponse.models import Campaign, CampaignUnit, CheckResultRecord
from tests.campaigns.conftest import WEAK_MAIL
from tests.campaigns.processes import (
    add_members,
    migrated,
    process_environment,
    shared_database,
    start,
    wait_until,
)
from tests.peers.dns_server import DnsPeer

pytestmark = [pytest.mark.db, pytest.mark.slow]
DOMAINS = [f"reprise-{index:02d}.test" for index in range(30)]


def test_killed_campaign_run_is_resumed_without_redoing_finished_units(tmp_path: Path) -> None:
    peer = DnsPeer(delay=0.05).start()  # slow answers: the run lasts long enough to be killed mid-way
    for domain in DOMAINS:
        peer.add_zone(domain, WEAK_MAIL.format(name=domain))
    database = migrated(shared_database(tmp_path, "resume"))
    add_members(database, DOMAINS)
    environ = process_environment(
        database.engine.url.render_as_string(hide_password=False),
        tmp_path,
        {
            "CYBERREPONSE_SCANNING__NAMESERVERS": json.dumps([f"{peer.address}:{peer.port}"]),
            "CYBERREPONSE_SCANNING__ALLOW_PRIVATE_ADDRESSES": "true",  # tests only: peers on loopback
            "CYBERREPONSE_SCANNING__FAMILIES": json.dumps(["mail", "dns"]),
            "CYBERREPONSE_SCANNING__CONCURRENCY": "2",
            "CYBERREPONSE_JOBS__UNIT_LEASE_SECONDS": "3",
        },
    )
    log = tmp_path / "campaign.log"

    def units_done() -> int:
        with database.session_scope() as session:
            return int(session.scalar(select(func.coalesce(func.sum(Campaign.units_done), 0))) or 0)

    try:
        runner = start(["campaign", "run"], environ, log)
        wait_until(lambda: units_done() >= 16, 60, "a third of the units")
        runner.send_signal(signal.SIGKILL)  # a crash: no clean-up, its claims stay until the lease ends
        runner.wait(10)
        with database.session_scope() as session:
            campaign = session.scalars(select(Campaign)).one()
            assert campaign.status == "running"
            finished_before = dict(
                session.execute(
                    select(CampaignUnit.id, CampaignUnit.finished_at).where(CampaignUnit.state == "done")
                ).all()
            )
            results_before = session.scalar(select(func.count(CheckResultRecord.id)))
        assert 16 <= len(finished_before) < 60

        resume = start(["campaign", "resume"], environ, log)
        assert resume.wait(120) == 0, log.read_text()
    finally:
        peer.stop()

    with database.session_scope() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert (campaign.status, campaign.units_total, campaign.units_done) == ("done", 60, 60)
        units = dict(session.execute(select(CampaignUnit.id, CampaignUnit.finished_at)).all())
        assert all(units[unit] == finished for unit, finished in finished_before.items())  # not redone
        assert session.scalar(select(func.count(CheckResultRecord.id))) == 30 * 7
        assert campaign.results_written == 30 * 7 and results_before == len(finished_before) // 2 * 7
    database.engine.dispose()

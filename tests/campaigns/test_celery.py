"""Campaigns on real Celery workers (subprocesses) over the local Redis: same results as in-process,
and a worker killed mid-campaign loses no unit.

Each test uses a Redis database number and a queue name of its own (several checkouts run tests on
this machine at once) and deletes its queue at the end.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from cyberreponse.db import Database
from cyberreponse.models import Asset, Campaign, CampaignUnit, CheckResultRecord
from tests.campaigns.conftest import GOOD_MAIL, WEAK_MAIL
from tests.campaigns.processes import (
    add_members,
    migrated,
    process_environment,
    shared_database,
    start,
    wait_until,
)
from tests.peers.counting import CountingPeer
from tests.peers.dns_server import DnsPeer
from tests.peers.servers import free_port

pytestmark = [pytest.mark.db, pytest.mark.slow]


@pytest.fixture
def broker() -> Iterator[dict[str, str]]:
    number = random.randint(1, 15)
    queue = f"cyberreponse-test-{uuid.uuid4().hex[:12]}"
    url = f"redis://127.0.0.1:6379/{number}"
    yield {"url": url, "queue": queue}
    client = redis.Redis.from_url(url)
    client.delete(queue)
    for key in client.scan_iter(queue + ":limits*"):  # the politeness limits shared by the workers
        client.delete(key)
    client.close()


def _environment(
    database: Database, tmp_path: Path, peer: DnsPeer, broker: dict[str, str], **extra: str
) -> dict[str, str]:
    return process_environment(
        database.engine.url.render_as_string(hide_password=False),
        tmp_path,
        {
            "CYBERREPONSE_SCANNING__NAMESERVERS": json.dumps([f"{peer.address}:{peer.port}"]),
            "CYBERREPONSE_SCANNING__ALLOW_PRIVATE_ADDRESSES": "true",  # tests only: peers on loopback
            "CYBERREPONSE_SCANNING__FAMILIES": json.dumps(["mail", "dns"]),
            "CYBERREPONSE_JOBS__CELERY_BROKER_URL": broker["url"],
            "CYBERREPONSE_JOBS__CELERY_RESULT_BACKEND": broker["url"],
            "CYBERREPONSE_JOBS__CELERY_QUEUE": broker["queue"],
            "CYBERREPONSE_SCANNING__SHARED_LIMITS_PREFIX": broker["queue"] + ":limits",
            "CYBERREPONSE_LOGGING__LEVEL": "WARNING",
            **extra,
        },
    )


def _outcomes(database: Database, campaign_id: int) -> dict[tuple[str, str], tuple[str, str, list[str]]]:
    with database.session_scope() as session:
        rows = session.execute(
            select(Asset.value, CheckResultRecord)
            .join(CheckResultRecord, CheckResultRecord.asset_id == Asset.id)
            .where(CheckResultRecord.campaign_id == campaign_id)
        ).all()
        return {
            (value, r.check_id): (r.status, r.severity, sorted(p["code"] for p in r.problems))
            for value, r in rows
        }


def _stop(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_celery_workers_give_the_same_results_as_the_in_process_executor(
    tmp_path: Path, broker: dict[str, str]
) -> None:
    domains = [f"celery-{index:02d}.test" for index in range(10)]
    peer = DnsPeer().start()
    for index, domain in enumerate(domains):
        peer.add_zone(domain, (WEAK_MAIL if index % 2 else GOOD_MAIL).format(name=domain))
    database = migrated(shared_database(tmp_path, "celery_same"))
    add_members(database, domains)
    log = tmp_path / "processes.log"
    inprocess_env = _environment(database, tmp_path, peer, broker)
    celery_env = {
        **inprocess_env,
        "CYBERREPONSE_JOBS__EXECUTOR": "celery",
        "CYBERREPONSE_JOBS__CELERY_UNITS_PER_TASK": "3",
    }
    workers = [start(["worker", "--concurrency", "2"], celery_env, log) for _ in range(2)]
    try:
        assert start(["campaign", "run"], inprocess_env, log).wait(60) == 0, log.read_text()
        assert start(["campaign", "run", "--wait"], celery_env, log).wait(90) == 0, log.read_text()
    finally:
        _stop(workers)
        peer.stop()

    with database.session_scope() as session:
        first, second = session.scalars(select(Campaign).order_by(Campaign.id)).all()
        ids = (first.id, second.id)
        assert (second.status, second.units_done, second.units_total) == ("done", 20, 20)
    in_process, distributed = _outcomes(database, ids[0]), _outcomes(database, ids[1])
    assert len(in_process) == 70
    assert distributed == in_process
    database.engine.dispose()


def test_a_worker_killed_mid_campaign_loses_no_unit(tmp_path: Path, broker: dict[str, str]) -> None:
    domains = [f"tue-{index:02d}.test" for index in range(24)]
    peer = DnsPeer(delay=0.05).start()
    for domain in domains:
        peer.add_zone(domain, WEAK_MAIL.format(name=domain))
    database = migrated(shared_database(tmp_path, "celery_kill"))
    add_members(database, domains)
    log = tmp_path / "processes.log"
    environ = _environment(
        database,
        tmp_path,
        peer,
        broker,
        CYBERREPONSE_JOBS__EXECUTOR="celery",
        CYBERREPONSE_JOBS__CELERY_UNITS_PER_TASK="4",
        CYBERREPONSE_JOBS__UNIT_LEASE_SECONDS="4",
        CYBERREPONSE_JOBS__CELERY_VISIBILITY_TIMEOUT="4",
    )
    victim = start(["worker", "--concurrency", "2"], environ, log)
    survivor = start(["worker", "--concurrency", "2"], environ, log)
    coordinator = start(["campaign", "run", "--wait"], environ, log)

    def running_or_done() -> int:
        with database.session_scope() as session:
            return int(
                session.scalar(
                    select(func.count(CampaignUnit.id)).where(
                        CampaignUnit.state.in_(("running", "done")),
                        CampaignUnit.claimed_by.like("%" + f":{victim.pid}:%"),
                    )
                )
                or 0
            )

    try:
        wait_until(lambda: running_or_done() >= 4, 60, "the first worker to hold units")
        victim.send_signal(signal.SIGKILL)  # mid-task: its message is unacknowledged, its claims stay
        victim.wait(10)
        assert coordinator.wait(120) == 0, log.read_text()
    finally:
        _stop([victim, survivor, coordinator])
        peer.stop()

    with database.session_scope() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert (campaign.status, campaign.units_done, campaign.units_failed) == ("done", 48, 0)
        assert session.scalar(select(func.count(CheckResultRecord.id))) == 24 * 7
        assert campaign.results_written == 24 * 7  # each unit written once
        holders = {h.split("#")[0] for h in session.scalars(select(CampaignUnit.claimed_by))}
        assert any(f":{survivor.pid}:" in h for h in holders)
    database.engine.dispose()


def test_celery_workers_together_keep_to_the_per_address_limit_of_a_shared_host(
    tmp_path: Path, broker: dict[str, str]
) -> None:
    """Twenty members' sites on one address (shared hosting), two workers of two threads each, the
    limits shared through the broker's Redis (the default): the host never sees more than
    `per_address_connections` of our connections at once."""
    domains = [f"mutualise-{index:02d}.test" for index in range(20)]
    host = CountingPeer(hold=0.2).start()
    peer = DnsPeer().start()
    for domain in domains:
        peer.add_zone(domain, f"@ A {host.address}")
    database = migrated(shared_database(tmp_path, "celery_polite"))
    add_members(database, domains)
    log = tmp_path / "processes.log"
    environ = _environment(
        database,
        tmp_path,
        peer,
        broker,
        CYBERREPONSE_JOBS__EXECUTOR="celery",
        CYBERREPONSE_JOBS__CELERY_UNITS_PER_TASK="2",
        CYBERREPONSE_SCANNING__FAMILIES=json.dumps(["web"]),
        CYBERREPONSE_SCANNING__HTTP_PORT=str(host.port),
        CYBERREPONSE_SCANNING__HTTPS_PORT=str(free_port(host.address)),  # refused: no slot held long
        CYBERREPONSE_SCANNING__PER_ADDRESS_CONNECTIONS="2",
    )
    workers = [start(["worker", "--concurrency", "2"], environ, log) for _ in range(2)]
    try:
        assert start(["campaign", "run", "--wait"], environ, log).wait(120) == 0, log.read_text()
    finally:
        _stop(workers)
        peer.stop()
        host.stop()

    with database.session_scope() as session:
        campaign = session.scalars(select(Campaign)).one()
        assert (campaign.status, campaign.units_done) == ("done", 20)
    assert len(host.opened_at) >= 20  # every site was fetched over HTTP
    assert host.most_open == 2  # four scanning threads, yet never more than two connections at once
    database.engine.dispose()

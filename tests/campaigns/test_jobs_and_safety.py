"""The scheduled jobs of campaigns, the production network default, and the configuration rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import ConfigError, Settings
from cyberreponse.db import Database
from cyberreponse.jobs import runtime, tasks
from cyberreponse.jobs.campaign_runner import run_campaign
from cyberreponse.jobs.celery_app import make_celery
from cyberreponse.models import Campaign, CheckResultRecord, JobRun, OutboxMail
from cyberreponse.services.campaigns import start_campaign
from tests.campaigns.conftest import WEAK_MAIL, add_domain, consenting_member
from tests.factories import make_asset, make_finding
from tests.peers.certificates import Pki
from tests.peers.dns_server import DnsPeer
from tests.peers.servers import WebPeer

pytestmark = pytest.mark.db


def _job_run(session: Session, job: str) -> JobRun:
    session.expire_all()
    run = session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc())).first()
    assert run is not None
    return run


def test_nightly_job_runs_tonights_campaign_once_and_finishes_an_interrupted_one(
    session: Session, scan_settings: Settings, db: Database, dns_peer: DnsPeer
) -> None:
    add_domain(dns_peer, "nuit.test", WEAK_MAIL)
    consenting_member(session, "Commune Nuit", "nuit.test")
    session.commit()
    interrupted = start_campaign(session, system_actor("cli"), scan_settings)  # left running by a crash
    runtime.configure(runtime.Runtime(scan_settings, db, "test-scheduler"))

    tasks.nightly_campaign()
    tasks.nightly_campaign()  # a second scheduler, or a restart, the same night

    session.expire_all()
    campaigns = session.scalars(select(Campaign).order_by(Campaign.id)).all()
    assert [(c.kind, c.status) for c in campaigns] == [("on_demand", "done"), ("nightly", "done")]
    assert campaigns[0].id == interrupted.id and campaigns[1].units_done == 2
    assert "tonight's campaign already exists" in _job_run(session, "nightly_campaign").detail


def test_certificate_digest_lists_certificates_expiring_within_thirty_days(
    session: Session, settings: Settings, db: Database
) -> None:
    organisation = consenting_member(session, "Commune Certificat")
    finding = make_finding(session, make_asset(session, organisation, "certificat.test"), "tls.expiring")
    assert finding.last_result is not None
    finding.last_result.problems = [
        {
            "code": "tls.expiring",
            "severity": "high",
            "details": {"days_left": 9, "not_after": (now() + timedelta(days=9, hours=12)).isoformat()},
        }
    ]
    session.commit()
    runtime.configure(runtime.Runtime(settings, db, "test-scheduler"))

    tasks.certificate_digest()

    [mail] = session.scalars(
        select(OutboxMail)
        .options(undefer(OutboxMail.text_body))
        .where(OutboxMail.kind == "certificate_digest")
    ).all()
    assert (
        "certificat.test (Commune Certificat" in mail.text_body and "9 jour(s) restant(s)" in mail.text_body
    )
    assert _job_run(session, "certificate_digest").detail == "1 certificate(s) listed"


def test_by_default_a_name_resolving_to_a_loopback_address_is_never_contacted(
    session: Session, settings: Settings, db: Database, dns_peer: DnsPeer, tmp_path: object
) -> None:
    pki = Pki(tmp_path)  # type: ignore[arg-type]
    site = WebPeer(https=pki.issue("interne.test").server_context(), http_routes={}).start()
    try:
        dns_peer.add_zone("interne.test", f"@ A {site.address}")
        consenting_member(session, "Commune Interne", "interne.test")
        session.commit()
        production_like = settings.with_overrides(
            {
                "scanning.nameservers": [f"{dns_peer.address}:{dns_peer.port}"],
                "scanning.families": ["tls", "web"],
                "scanning.https_port": site.https_port,
                "scanning.http_port": site.http_port,
            }
        )
        assert production_like.get_bool("scanning.allow_private_addresses") is False
        campaign = start_campaign(session, system_actor("test"), production_like)
        run_campaign(db, production_like, campaign.id, "test-runner", poll_seconds=0.1)
    finally:
        site.stop()
    session.expire_all()
    results = session.scalars(select(CheckResultRecord)).all()
    assert results and {r.status for r in results} == {"skipped"}
    assert {r.evidence["skipped"]["reason"] for r in results} == {"private_address"}
    assert site.requests_seen == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("jobs.executor", "threads"),
        ("scanning.nmap_timing", "T4"),
        ("scanning.excluded", ["x.fr;id"]),
        ("scanning.families", ["mail", "malware"]),
        ("alerts.webhook_url", "ftp://chat.example.test/hook"),
    ],
)
def test_unusable_campaign_settings_are_refused_with_the_key_named(
    settings: Settings, key: str, value: object
) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        settings.with_overrides({key: value})


def test_celery_speaks_json_only_and_acknowledges_late(settings: Settings) -> None:
    conf = make_celery(settings).conf
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"  # never pickle (ASVS 1.5.2)
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier == 1


def test_campaign_status_command_lists_the_latest_campaigns(
    session: Session,
    scan_settings: Settings,
    db: Database,
    dns_peer: DnsPeer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cyberreponse.cli import CliContext, _register, cli

    add_domain(dns_peer, "statut.test", WEAK_MAIL)
    consenting_member(session, "Commune Statut", "statut.test")
    session.commit()
    campaign = start_campaign(session, system_actor("cli"), scan_settings)
    run_campaign(db, scan_settings, campaign.id, "test-runner", poll_seconds=0.1)
    context = CliContext()
    context.__dict__.update(settings=scan_settings, database=db)
    _register()
    result = CliRunner().invoke(cli, ["campaign", "status"], obj=context)
    assert result.exit_code == 0, result.output
    assert campaign.public_id in result.output and "2/2 units (2 done, 0 failed, 0 skipped)" in result.output

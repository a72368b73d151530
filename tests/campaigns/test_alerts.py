"""Alerts: one digest per organisation and campaign, once per finding; a webhook retried with backoff."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from cyberreponse.actors import system_actor
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.jobs.campaign_runner import run_campaign
from cyberreponse.models import Finding, OutboxMail
from cyberreponse.services.campaigns import start_campaign
from tests.campaigns.conftest import GOOD_MAIL, WEAK_MAIL, add_domain, consenting_member
from tests.peers.certificates import Pki
from tests.peers.dns_server import DnsPeer, random_loopback
from tests.peers.servers import WebPeer

pytestmark = pytest.mark.db


def _campaign(db: Database, session: Session, settings: Settings) -> None:
    campaign = start_campaign(session, system_actor("test"), settings)
    run_campaign(db, settings, campaign.id, "test-runner", poll_seconds=0.1)
    session.expire_all()


def _alerts(session: Session) -> list[OutboxMail]:
    return list(
        session.scalars(
            select(OutboxMail)
            .options(undefer(OutboxMail.text_body))
            .where(OutboxMail.kind == "posture_alert")
        )
    )


def test_new_high_findings_are_mailed_once_in_one_digest_per_organisation(
    db: Database, session: Session, scan_settings: Settings, dns_peer: DnsPeer
) -> None:
    add_domain(dns_peer, "alerte.test", WEAK_MAIL)
    add_domain(dns_peer, "annexe-alerte.test", WEAK_MAIL)
    add_domain(dns_peer, "sereine.test", GOOD_MAIL)
    member = consenting_member(session, "Commune Alerte", "alerte.test", "annexe-alerte.test")
    member.contacts[0].receives_alerts = True
    consenting_member(session, "Commune Sereine", "sereine.test")
    session.commit()

    _campaign(db, session, scan_settings)

    [mail] = _alerts(session)  # one digest for both domains; nothing for the member without news
    assert json.loads(mail.recipients) == ["rssi@alerte.test", "csirt@example.test"]
    assert "Commune Alerte" in mail.subject
    assert "alerte.test" in mail.text_body and "annexe-alerte.test" in mail.text_body
    assert "SPF" in mail.text_body and "élevée" in mail.text_body
    assert "dmarc" not in mail.text_body.lower().split("pourquoi")[0]  # medium findings are not alerted
    alerted = session.scalars(select(Finding).where(Finding.alerted_at.is_not(None))).all()
    assert {f.code for f in alerted} == {"spf.permissive_all"} and len(alerted) == 2

    _campaign(db, session, scan_settings)  # the next night: same findings, still open

    assert len(_alerts(session)) == 1


@pytest.fixture
def flaky_webhook() -> Iterator[dict[str, Any]]:
    """A chat webhook on loopback that answers 503 twice, then 200; it records every body."""
    state: dict[str, Any] = {"bodies": [], "failures": 2}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state["bodies"].append(json.loads(body))
            failing = state["failures"] > 0
            state["failures"] -= 1
            self.send_response(503 if failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((random_loopback(), 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    state["url"] = f"http://{server.server_address[0]}:{server.server_address[1]}/hooks/abc"
    yield state
    server.shutdown()
    server.server_close()


def test_webhook_gets_the_campaign_summary_after_retrying_server_errors(
    db: Database,
    session: Session,
    scan_settings: Settings,
    dns_peer: DnsPeer,
    flaky_webhook: dict[str, Any],
) -> None:
    add_domain(dns_peer, "crochet.test", WEAK_MAIL)
    consenting_member(session, "Commune Crochet", "crochet.test")
    session.commit()
    settings = scan_settings.with_overrides({"alerts.webhook_url": flaky_webhook["url"]})

    _campaign(db, session, settings)

    bodies = flaky_webhook["bodies"]
    assert len(bodies) == 3  # two 503 answers, then accepted
    assert bodies[0] == bodies[2]
    assert "Commune Crochet" in bodies[2]["text"] and "1 nouveau(x) problème(s)" in bodies[2]["text"]


def test_certificate_expiring_within_fourteen_days_alerts_even_below_the_alerting_severities(
    db: Database, session: Session, scan_settings: Settings, dns_peer: DnsPeer, tmp_path: Path
) -> None:
    pki = Pki(tmp_path)
    soon = WebPeer(https=pki.expiring_in("bientot.test", 10.5).server_context()).start()
    try:
        dns_peer.add_zone("bientot.test", f"@ A {soon.address}")
        consenting_member(session, "Commune Bientôt", "bientot.test")
        session.commit()
        settings = scan_settings.with_overrides(
            {
                "scanning.families": ["tls"],
                "scanning.https_port": soon.https_port,
                "scanning.ca_file": str(pki.ca_file),
                "alerts.severities": ["critical"],
            }
        )
        _campaign(db, session, settings)
    finally:
        soon.stop()

    [mail] = _alerts(session)
    assert "bientot.test" in mail.text_body
    assert "Jours restants avant l'expiration du certificat : 10" in mail.text_body

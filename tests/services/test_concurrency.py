"""Concurrency on a database of its own (not the rolled-back test connection, where sessions share
one connection and so cannot race): reference allocation, the audit chain, optimistic locking and
mail delivery."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select, text

from cyberreponse import audit
from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database, make_engine
from cyberreponse.errors import Conflict
from cyberreponse.mail import deliver_pending_mail, queue_mail, take_queued_ids
from cyberreponse.mail_courier import MailCourier
from cyberreponse.migrate import upgrade
from cyberreponse.models import Incident, OutboxMail
from cyberreponse.services import incidents, intake
from cyberreponse.services.accounts import actor_for
from tests.conftest import fresh_postgres_database, postgres_url
from tests.factories import make_incident, make_user
from tests.peers.smtp import SmtpServer, closed_port

pytestmark = pytest.mark.db
MAIL_CONTEXT = {
    "reference": "CR-2026-00001",
    "label": "NIS2 : alerte précoce (24 h)",
    "overdue": False,
    "due_at": "28/11/2026 10:00",
    "link": "http://127.0.0.1/incidents/CR-2026-00001",
}


@pytest.fixture
def separate_database(tmp_path: Path, worker_id: str) -> Iterator[Database]:
    base = postgres_url()
    if base:
        checkout = hashlib.sha256(str(Path(__file__).resolve()).encode()).hexdigest()[:8]
        url = fresh_postgres_database(base, f"cyberreponse_race_{checkout}_{worker_id}")
    else:
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as connection:
        upgrade(connection)
    yield Database(engine)
    engine.dispose()


def test_concurrent_reports_get_distinct_consecutive_references(
    separate_database: Database, settings: Settings
) -> None:
    def report(number: int) -> str:
        with separate_database.session_scope() as session:
            form = intake.ReportForm(
                name=f"Agent {number}",
                email=f"agent{number}@mairie.example.test",
                situation="unknown",
                description="Test de charge",
            )
            return intake.submit_report(session, intake_actor(), form, [], settings).incident.reference

    with ThreadPoolExecutor(max_workers=8) as pool:
        references = list(pool.map(report, range(40)))
    numbers = sorted(int(reference.rsplit("-", 1)[1]) for reference in references)
    assert numbers == list(range(1, 41))
    with separate_database.session_scope() as session:
        assert session.scalar(select(text("count(*)")).select_from(Incident)) == 40


def test_reports_racing_other_audited_actions_keep_one_unbroken_audit_chain(
    separate_database: Database, settings: Settings
) -> None:
    def report(number: int) -> None:
        with separate_database.session_scope() as session:
            form = intake.ReportForm(
                name=f"Agent {number}", phone="01 23 45 67 89", situation="unknown", description="Test"
            )
            intake.submit_report(session, intake_actor(), form, [], settings)

    def other_action(number: int) -> None:
        with separate_database.session_scope() as session:
            audit.record(session, system_actor(), "test.other", "thing", str(number))
            session.commit()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: report(n) if n % 2 else other_action(n), range(60)))
    with separate_database.session_scope() as session:
        assert audit.verify_chain(session) == (60, None)
        references = session.scalars(select(Incident.reference)).all()
    assert sorted(int(reference.rsplit("-", 1)[1]) for reference in references) == list(range(1, 31))


def _queue(database: Database, count: int) -> list[int]:
    with database.session_scope() as session:
        for number in range(count):
            queue_mail(
                session,
                "test",
                [f"agent{number}@mairie.example.test"],
                f"Message {number}",
                "deadline_reminder",
                MAIL_CONTEXT,
            )
        session.commit()
        return take_queued_ids(session)


def test_concurrent_senders_send_each_message_once(
    separate_database: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    _queue(separate_database, 20)
    config = settings.with_overrides(smtp_server.settings_overrides())

    def sender(_: int) -> int:
        with separate_database.session_scope() as session:
            return deliver_pending_mail(session, config).sent

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(sender, range(4))) == 20
    assert sorted(mail.subject for mail in smtp_server.wait_for(20)) == sorted(
        f"Message {n}" for n in range(20)
    )
    with separate_database.session_scope() as session:
        assert session.scalar(select(func.count()).where(OutboxMail.sent_at.is_(None))) == 0


def test_the_courier_sends_what_many_requests_hand_over_once_each(
    separate_database: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    courier = MailCourier.for_database(
        separate_database, settings.with_overrides(smtp_server.settings_overrides())
    )

    def request(_: int) -> None:
        courier.hand_over(_queue(separate_database, 2))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(request, range(16)))
    received = smtp_server.wait_for(32)
    time.sleep(0.3)  # nothing sent twice arrives late
    assert len(smtp_server.received) == 32
    assert len({mail.recipients[0] for mail in received}) == 2  # two messages per request, as queued
    with separate_database.session_scope() as session:
        assert session.scalar(select(func.count()).where(OutboxMail.sent_at.is_(None))) == 0


def test_the_courier_keeps_the_mail_when_the_server_is_down(
    separate_database: Database, settings: Settings, smtp_server: SmtpServer
) -> None:
    down = settings.with_overrides({"mail.enabled": True, "mail.smtp_port": closed_port()})
    MailCourier.for_database(separate_database, down).hand_over(_queue(separate_database, 1))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with separate_database.session_scope() as session:
            mail = session.scalars(select(OutboxMail)).one()
        if mail.attempts:
            break
        time.sleep(0.05)
    assert (mail.attempts, mail.sent_at) == (1, None)
    assert "ConnectionRefusedError" in mail.last_error
    # Back up: the scheduler's run sends it once its delay has passed.
    with time_machine.travel(now() + timedelta(minutes=3)), separate_database.session_scope() as session:
        assert (
            deliver_pending_mail(session, settings.with_overrides(smtp_server.settings_overrides())).sent == 1
        )


def intake_actor():  # type: ignore[no-untyped-def]
    from cyberreponse.actors import Actor

    return Actor(label="anonymous", role="anonymous", ip="127.0.0.1")


def test_a_save_racing_another_commit_is_refused_not_overwritten(separate_database: Database) -> None:
    with separate_database.session_scope() as setup:
        analyst = make_user(setup, "analyst")
        reference = make_incident(setup, None).reference
        setup.commit()
        actor = actor_for(analyst)
    first, racing = separate_database.session(), separate_database.session()
    try:
        assert incidents.get_incident(racing, actor, reference).version == 1  # read before the other save
        incidents.update_incident(
            first,
            actor,
            reference,
            incidents.TriageChanges(status="triage", severity="high"),
            expected_version=1,
        )
        with pytest.raises(Conflict) as refused:
            incidents.update_incident(
                racing,
                actor,
                reference,
                incidents.TriageChanges(status="triage", severity="low"),
                expected_version=1,
            )
        assert refused.value.changes.get("severity") == ("Élevée", "Faible")
    finally:
        first.close()
        racing.close()
    with separate_database.session_scope() as check:
        assert check.scalars(select(Incident.severity)).one() == "high"

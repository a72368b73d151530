"""Scheduled jobs do their work through the services and leave a record of how it went."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.jobs import runtime, tasks
from cyberreponse.models import JobRun
from cyberreponse.services.deadlines import send_deadline_reminders
from tests.factories import make_incident, make_organisation, make_user
from tests.peers.smtp import SmtpServer

pytestmark = pytest.mark.db


def _configure(settings: Settings, db: Database) -> None:
    runtime.configure(runtime.Runtime(settings, db, "test-holder"))


def _last_run(session: Session, job: str) -> JobRun:
    session.expire_all()
    return session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id.desc())).first()  # type: ignore[return-value]


def test_deadline_reminders_job_mails_the_assignee_of_an_overdue_obligation(
    session: Session, settings: Settings, db: Database, smtp_server: SmtpServer
) -> None:
    organisation = make_organisation(session, nis2_status="essential")
    analyst = make_user(session, "analyst", email="astreinte@example.test")
    make_incident(
        session,
        organisation,
        personal_data_breach=True,
        assignee=analyst,
        status="triage",
        aware_at=now() - timedelta(hours=80),
    )
    session.commit()
    _configure(settings.with_overrides(smtp_server.settings_overrides()), db)
    tasks.deadline_reminders()
    mails = smtp_server.wait_for(1)
    assert mails[0].recipients == ["astreinte@example.test"] and "en retard" in mails[0].subject
    run = _last_run(session, "deadline_reminders")
    assert run.status == "done" and run.holder == "test-holder" and "1 reminders queued" in run.detail


def test_mail_delivery_job_sends_what_waits_in_the_outbox(
    session: Session, settings: Settings, db: Database, smtp_server: SmtpServer
) -> None:
    organisation = make_organisation(session)
    analyst = make_user(session, "analyst", email="vigie@example.test")
    make_incident(
        session,
        organisation,
        personal_data_breach=True,
        assignee=analyst,
        status="triage",
        aware_at=now() - timedelta(hours=80),
    )
    session.commit()
    config = settings.with_overrides(smtp_server.settings_overrides())
    assert send_deadline_reminders(session, settings) == 1  # mail disabled here: queued, not sent
    _configure(config, db)
    tasks.mail_delivery()
    assert smtp_server.wait_for(1)[0].recipients == ["vigie@example.test"]
    assert "sent=1" in _last_run(session, "mail_delivery").detail


def test_audit_job_records_a_failure_when_the_chain_is_broken(
    session: Session, settings: Settings, db: Database
) -> None:
    event = audit.record(session, system_actor(), "test.event", "thing", "1")
    audit.record(session, system_actor(), "test.event", "thing", "2")
    session.commit()
    _configure(settings, db)
    tasks.audit_verify()
    assert _last_run(session, "audit_verify").status == "done"
    session.execute(text("UPDATE audit_event SET actor = 'intrus' WHERE id = :id"), {"id": event.id})
    session.commit()
    with time_machine.travel(now() + timedelta(days=1)):
        tasks.audit_verify()
    run = _last_run(session, "audit_verify")
    assert run.status == "failed" and f"broken at event {event.id}" in run.detail

"""The retention policy (ASVS 14.2.4, docs/data-protection.md): reporters' personal data and evidence are
erased once an incident has been finished long enough; everything still in use is left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.jobs import runtime, tasks
from cyberreponse.mail import queue_mail
from cyberreponse.models import Attachment, AuditEvent, FollowUpToken, Incident, JobRun, OutboxMail
from tests.factories import make_follow_up_link, make_incident
from tests.test_mail import CONTEXT

pytestmark = pytest.mark.db
MONTH = timedelta(days=31)


def reported_with_evidence(session: Session, status: str) -> tuple[Incident, str]:
    incident = make_incident(session, None, status=status, reporter_phone="02 47 00 00 00")
    incident.attachments.append(
        Attachment(
            uploaded_by="Claire Martin",
            source="reporter",
            display_name="rançon.png",
            sniffed_type="png",
            size=4,
            sha256="d" * 64,
            content=b"\x89PNG",
        )
    )
    token = make_follow_up_link(session, incident)
    session.commit()
    return incident, token


def run_retention_job(settings: Settings, db: Database) -> None:
    runtime.configure(runtime.Runtime(settings, db, "test-holder"))
    tasks.data_retention()


def test_a_long_closed_incident_loses_its_reporter_data_and_evidence_but_keeps_its_record(
    session: Session, settings: Settings, db: Database, client: FlaskClient
) -> None:
    with time_machine.travel(now() - 37 * MONTH):
        old, token = reported_with_evidence(session, "closed")
    run_retention_job(settings, db)
    session.expire_all()
    incident = session.get(Incident, old.id)
    assert incident is not None and incident.reporter_data_erased_at is not None
    assert (incident.reporter_name, incident.reporter_email, incident.reporter_phone) == (None, None, None)
    assert incident.description == "Un message demande une rançon." and incident.status == "closed"
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert session.scalar(select(func.count()).select_from(FollowUpToken)) == 0
    assert client.get(f"/suivi/{token}").status_code == 404
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.retention")).one()
    assert event.object_id == incident.reference and event.details["attachments_deleted"] == 1
    run = session.scalars(select(JobRun).where(JobRun.job == "data_retention")).one()
    assert run.status == "done" and "1 incident(s) erased" in run.detail


@pytest.mark.parametrize(("status", "months_ago"), [("in_progress", 60), ("closed", 30), ("resolved", 60)])
def test_open_or_recently_finished_incidents_are_left_alone(
    session: Session, settings: Settings, db: Database, status: str, months_ago: int
) -> None:
    with time_machine.travel(now() - months_ago * MONTH):
        kept, _token = reported_with_evidence(session, status)
    run_retention_job(settings, db)
    session.expire_all()
    incident = session.get(Incident, kept.id)
    assert incident is not None and incident.reporter_data_erased_at is None
    assert incident.reporter_email == "claire.martin@mairie.example.test"
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_sent_mail_is_deleted_after_thirty_days_and_waiting_mail_is_kept(
    session: Session, settings: Settings, db: Database
) -> None:
    with time_machine.travel(now() - timedelta(days=40)):
        old = queue_mail(session, "test", ["a@example.test"], "Ancien", "deadline_reminder", CONTEXT)
        waiting = queue_mail(session, "test", ["b@example.test"], "En attente", "deadline_reminder", CONTEXT)
        assert old is not None and waiting is not None
        old.sent_at = now()
    recent = queue_mail(session, "test", ["c@example.test"], "Récent", "deadline_reminder", CONTEXT)
    assert recent is not None
    recent.sent_at = now() - timedelta(days=1)
    session.commit()
    run_retention_job(settings, db)
    session.expire_all()
    assert sorted(mail.subject for mail in session.scalars(select(OutboxMail))) == ["En attente", "Récent"]

"""Concurrency on a database of its own (not the rolled-back test connection, where sessions share
one connection and so cannot race): reference allocation and optimistic locking."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text

from cyberreponse.config import Settings
from cyberreponse.db import Database, make_engine
from cyberreponse.errors import Conflict
from cyberreponse.migrate import upgrade
from cyberreponse.models import Incident
from cyberreponse.services import incidents, intake
from cyberreponse.services.accounts import actor_for
from tests.conftest import fresh_postgres_database, postgres_url
from tests.factories import make_incident, make_user

pytestmark = pytest.mark.db


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

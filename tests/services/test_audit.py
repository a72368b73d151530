"""The audit log is a hash chain: any changed or deleted row is found, at the right place."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor, system_actor
from cyberreponse.models import AuditEvent
from cyberreponse.services import members
from tests.factories import valid_siren

pytestmark = pytest.mark.db


def _write_events(session: Session, count: int) -> list[AuditEvent]:
    actor = Actor(label="analyste@example.test", role="analyst", user_id=None, ip="127.0.0.1")
    events = [
        audit.record(session, actor, "test.event", "thing", str(n), {"n": n, "é": "à"}) for n in range(count)
    ]
    session.commit()
    return events


def test_intact_chain_verifies(session: Session) -> None:
    _write_events(session, 5)
    checked, broken = audit.verify_chain(session)
    assert (checked, broken) == (5, None)


def test_each_row_chains_to_the_previous_hash(session: Session) -> None:
    events = _write_events(session, 3)
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash


def test_changed_row_is_reported_as_the_first_broken_link(session: Session) -> None:
    events = _write_events(session, 5)
    session.execute(update(AuditEvent).where(AuditEvent.id == events[2].id).values(actor="someone-else"))
    session.commit()
    session.expire_all()
    checked, broken = audit.verify_chain(session)
    assert broken is not None
    assert broken.event_id == events[2].id
    assert checked == 2
    assert "changed" in broken.reason


def test_changed_details_through_raw_sql_are_detected(session: Session) -> None:
    events = _write_events(session, 3)
    session.execute(
        text("UPDATE audit_event SET details = :d WHERE id = :id"), {"d": '{"n": 99}', "id": events[1].id}
    )
    session.commit()
    session.expire_all()
    _, broken = audit.verify_chain(session)
    assert broken is not None and broken.event_id == events[1].id


def test_deleted_row_breaks_the_link_of_the_next_one(session: Session) -> None:
    events = _write_events(session, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[3].id))
    session.commit()
    session.expire_all()
    checked, broken = audit.verify_chain(session)
    assert broken is not None
    assert broken.event_id == events[4].id
    assert checked == 3
    assert "deleted" in broken.reason


def test_services_audit_their_changes(session: Session) -> None:
    siren = valid_siren()
    members.create_organisation(
        session,
        system_actor("cli"),
        members.OrganisationData(siren=siren, name="Commune d'Audit", kind="commune"),
    )
    event = audit.recent_events(session, limit=1)[0]
    assert (event.action, event.object_id, event.actor) == ("organisation.create", siren, "cli")

"""Legal deadlines: pure computation (month ends, daylight saving), syncing when flags change,
and reminders e-mailed once each."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.clock import in_paris
from cyberreponse.config import Settings
from cyberreponse.models import Incident, Obligation
from cyberreponse.services.deadlines import (
    IncidentFacts,
    add_months,
    mark_done,
    obligations_for,
    send_deadline_reminders,
    sync_obligations,
)
from tests.factories import make_organisation, make_user
from tests.peers.smtp import SmtpServer


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def dues(facts: IncidentFacts) -> dict[str, datetime | None]:
    return {spec.kind: spec.due_at for spec in obligations_for(facts)}


def test_significant_incident_of_an_essential_entity_has_the_four_nis2_deadlines() -> None:
    aware = utc(2026, 11, 28, 9, 0)
    result = dues(IncidentFacts(aware, "essential", significant=True, personal_data_breach=False))
    assert result["nis2_early_warning"] == aware + timedelta(hours=24)
    assert result["nis2_notification"] == aware + timedelta(hours=72)
    assert result["csirt_reply"] == aware + timedelta(hours=48)
    # Notification due 1 Dec 10:00 Paris, final report one calendar month later.
    assert in_paris(result["nis2_final_report"]).isoformat() == "2027-01-01T10:00:00+01:00"  # type: ignore[arg-type]
    assert result["police_complaint"] is None and result["insurer_notice"] is None
    assert "cnil_notification" not in result


@pytest.mark.parametrize("status", ["not_subject", "unknown"])
def test_entities_outside_nis2_have_no_nis2_deadline(status: str) -> None:
    result = dues(IncidentFacts(utc(2026, 1, 5), status, significant=True, personal_data_breach=True))
    assert not any(kind.startswith("nis2") or kind == "csirt_reply" for kind in result)
    assert result["cnil_notification"] == utc(2026, 1, 8)


def test_final_report_is_one_calendar_month_after_the_actual_notification_clamped_to_month_end() -> None:
    notified = datetime.fromisoformat("2027-01-31T15:00:00+01:00")
    facts = IncidentFacts(utc(2027, 1, 29), "important", True, False, done={"nis2_notification": notified})
    assert in_paris(dues(facts)["nis2_final_report"]).isoformat() == "2027-02-28T15:00:00+01:00"  # type: ignore[arg-type]
    leap = IncidentFacts(
        utc(2028, 1, 29), "important", True, False, done={"nis2_notification": notified.replace(year=2028)}
    )
    assert in_paris(dues(leap)["nis2_final_report"]).isoformat() == "2028-02-29T15:00:00+01:00"  # type: ignore[arg-type]


def test_a_month_across_the_change_to_summer_time_keeps_the_paris_wall_clock() -> None:
    march = datetime.fromisoformat("2026-03-15T10:00:00+01:00")
    assert in_paris(add_months(march)).isoformat() == "2026-04-15T10:00:00+02:00"
    assert add_months(march) - march == timedelta(days=31, hours=-1)


def test_24_hours_across_the_change_to_winter_time_are_24_elapsed_hours() -> None:
    aware = datetime.fromisoformat("2026-10-24T12:00:00+02:00")
    early = dues(IncidentFacts(aware, "essential", True, False))["nis2_early_warning"]
    assert early - aware == timedelta(hours=24)  # type: ignore[operator]
    # On the Paris clock it reads 11:00 the next day: the clocks went back one hour that night.
    assert in_paris(early).strftime("%d/%m %H:%M") == "25/10 11:00"  # type: ignore[arg-type]


pytestmark_db = pytest.mark.db
_numbers = itertools.count(90000)


def _incident(session: Session, **fields: object) -> Incident:
    organisation = fields.pop("organisation", None) or make_organisation(session, nis2_status="essential")
    incident = Incident(
        reference=f"CR-2026-{next(_numbers):05d}",
        organisation=organisation,
        channel="web_form",
        title="Rançongiciel",
        description="Fichiers chiffrés",
        aware_at=fields.pop("aware_at", utc(2026, 11, 28, 9, 0)),
        **fields,
    )
    session.add(incident)
    session.flush()
    return incident


@pytestmark_db
def test_flags_set_after_creation_add_deadlines_and_cleared_flags_drop_open_ones_but_keep_done_ones(
    session: Session,
) -> None:
    incident = _incident(session)
    sync_obligations(incident)
    assert {o.kind for o in incident.obligations} == {"police_complaint", "insurer_notice"}
    assert incident.next_due_at is None

    incident.significant = True
    incident.personal_data_breach = True
    sync_obligations(incident)
    assert {o.kind for o in incident.obligations} >= {
        "nis2_early_warning",
        "nis2_notification",
        "cnil_notification",
    }
    assert incident.next_due_at == utc(2026, 11, 29, 9, 0)

    mark_done(session, system_actor("test"), incident, "nis2_early_warning")
    incident.significant = False
    sync_obligations(incident)
    kinds = {o.kind for o in incident.obligations}
    assert "nis2_early_warning" in kinds  # done: kept as a record
    assert "nis2_notification" not in kinds and "csirt_reply" not in kinds
    assert incident.next_due_at == utc(2026, 12, 1, 9, 0)  # the CNIL deadline


@pytestmark_db
def test_reminders_are_mailed_six_hours_before_and_when_overdue_once_each(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    analyst = make_user(session, "analyst", email="vigie@example.test")
    incident = _incident(session, personal_data_breach=True, assignee=analyst, status="triage")
    sync_obligations(incident)
    session.commit()
    config = settings.with_overrides(smtp_server.settings_overrides())
    due = utc(2026, 12, 1, 9, 0)

    with time_machine.travel(due - timedelta(hours=7), tick=False):
        assert send_deadline_reminders(session, config) == 0
    with time_machine.travel(due - timedelta(hours=5), tick=False):
        assert send_deadline_reminders(session, config) == 1
        assert send_deadline_reminders(session, config) == 0
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert send_deadline_reminders(session, config) == 1
        assert send_deadline_reminders(session, config) == 0
    mails = smtp_server.wait_for(2)
    assert [m.recipients for m in mails] == [["vigie@example.test"], ["vigie@example.test"]]
    assert "échéance proche" in mails[0].subject and "en retard" in mails[1].subject
    assert "01/12/2026 10:00" in mails[0].part("plain")  # shown in Paris time
    cnil = next(o for o in incident.obligations if o.kind == "cnil_notification")
    assert cnil.reminder_sent_at is not None and cnil.overdue_sent_at is not None


@pytestmark_db
def test_no_reminder_for_done_obligations_or_closed_incidents(
    session: Session, settings: Settings, smtp_server: SmtpServer
) -> None:
    incident = _incident(session, personal_data_breach=True, status="closed")
    sync_obligations(incident)
    session.commit()
    with time_machine.travel(utc(2026, 12, 2), tick=False):
        assert (
            send_deadline_reminders(session, settings.with_overrides(smtp_server.settings_overrides())) == 0
        )
    assert all(o.reminder_sent_at is None for o in session.query(Obligation))


def test_labels_cover_exactly_the_shared_vocabularies() -> None:
    from cyberreponse.incident_labels import OBLIGATION_LABELS, SITUATION_LABELS
    from cyberreponse.vocabularies import OBLIGATION_KINDS, REPORTER_SITUATIONS

    assert set(SITUATION_LABELS) == set(REPORTER_SITUATIONS)
    assert set(OBLIGATION_LABELS) == set(OBLIGATION_KINDS)
    kinds = {spec.kind for spec in obligations_for(IncidentFacts(utc(2026, 1, 1), "essential", True, True))}
    assert kinds == set(OBLIGATION_KINDS)

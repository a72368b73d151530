"""Checklists on incidents: frozen versions, ticks with who/when/note, obligations, deadlines."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.config import PROJECT_ROOT
from cyberreponse.errors import Forbidden, Invalid, NotFound
from cyberreponse.models import AuditEvent, PlaybookRun, StepState
from cyberreponse.services import checklists
from cyberreponse.services.accounts import actor_for
from cyberreponse.services.playbook_catalogue import PlaybookCatalogue, load_catalogue
from cyberreponse.services.playbooks import current_catalogue
from tests.factories import make_incident, make_organisation, make_user

pytestmark = pytest.mark.db

CATALOGUE = load_catalogue(PROJECT_ROOT / "playbooks")


@pytest.fixture
def analyst(session: Session) -> Actor:
    return actor_for(make_user(session, "analyst", email="analyste@example.test"))


def audit_actions(session: Session, reference: str) -> list[tuple[str, dict[str, object]]]:
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.object_id == reference).order_by(AuditEvent.id)
    ).all()
    return [(row.action, row.details) for row in rows]


def test_editing_the_playbook_file_never_changes_a_started_checklist(
    session: Session, analyst: Actor, tmp_path: Path
) -> None:
    shutil.copy(PROJECT_ROOT / "playbooks" / "ransomware.toml", tmp_path)
    first = make_incident(session, None)
    checklists.start_checklist(
        session, analyst, first.reference, "ransomware", current_catalogue(tmp_path).catalogue
    )

    path = tmp_path / "ransomware.toml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("version = 1", "version = 2", 1).replace(
            'id = "disconnect-network"', 'id = "unplug-everything"', 1
        ),
        "utf-8",
    )
    edited = current_catalogue(tmp_path).catalogue
    assert edited.get("ransomware").steps[0].id == "unplug-everything"  # type: ignore[union-attr]

    [view] = checklists.checklists_of(session, first, catalogue=edited)
    assert view.playbook.version == 1
    assert view.steps[0].step.id == "disconnect-network"
    assert view.file_changed
    # Ticking still works on the frozen steps, and a new incident gets the new version.
    checklists.record_step(session, analyst, first.reference, "ransomware", "disconnect-network", "done")
    second = make_incident(session, None)
    checklists.start_checklist(session, analyst, second.reference, "ransomware", edited)
    [new_view] = checklists.checklists_of(session, second, catalogue=edited)
    assert new_view.playbook.version == 2 and new_view.steps[0].step.id == "unplug-everything"
    assert not new_view.file_changed


def test_starting_a_checklist_is_audited_and_appears_in_the_timeline(
    session: Session, analyst: Actor
) -> None:
    incident = make_incident(session, None)
    run = checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    assert run.started_by == "analyste@example.test"
    assert run.version.content_hash == CATALOGUE.get("ransomware").content_hash  # type: ignore[union-attr]
    assert (
        "incident.checklist_start",
        {
            "playbook": "ransomware",
            "version": 1,
            "content_hash": run.version.content_hash,
        },
    ) in audit_actions(session, incident.reference)
    assert incident.timeline[-1].kind == "checklist"
    assert incident.timeline[-1].text == "Rançongiciel (fichiers chiffrés, demande de rançon)"


def test_the_same_playbook_cannot_be_started_twice(session: Session, analyst: Actor) -> None:
    incident = make_incident(session, None)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    with pytest.raises(Invalid, match="déjà commencée"):
        checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    with pytest.raises(Invalid, match="n'existe pas"):
        checklists.start_checklist(session, analyst, incident.reference, "no-such-playbook", CATALOGUE)
    assert len(session.scalars(select(PlaybookRun)).all()) == 1


def test_ticking_a_step_records_who_when_and_the_note(session: Session, analyst: Actor) -> None:
    incident = make_incident(session, None)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    with time_machine.travel(now() + timedelta(minutes=20), tick=False):
        state = checklists.record_step(
            session,
            analyst,
            incident.reference,
            "ransomware",
            "disconnect-network",
            "done",
            "  Câble RJ45 retiré  ",
        )
        ticked_at = now()
    assert state is not None
    assert (state.state, state.by, state.note, state.at) == (
        "done",
        "analyste@example.test",
        "Câble RJ45 retiré",
        ticked_at,
    )
    [view] = checklists.checklists_of(session, incident)
    assert (view.finished, view.total) == (1, len(CATALOGUE.get("ransomware").steps))  # type: ignore[union-attr]
    assert (
        "incident.checklist_step",
        {
            "playbook": "ransomware",
            "step": "disconnect-network",
            "state": "done",
            "obligation": None,
        },
    ) in audit_actions(session, incident.reference)


def test_a_step_is_ticked_once_and_can_be_put_back_to_do(session: Session, analyst: Actor) -> None:
    incident = make_incident(session, None)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    checklists.record_step(session, analyst, incident.reference, "ransomware", "alert-csirt", "done")
    with pytest.raises(Invalid, match="déjà été traitée"):
        checklists.record_step(
            session, analyst, incident.reference, "ransomware", "alert-csirt", "skipped", "x"
        )
    checklists.record_step(session, analyst, incident.reference, "ransomware", "alert-csirt", "reopen")
    [view] = checklists.checklists_of(session, incident)
    assert view.finished == 0
    with pytest.raises(Invalid, match="déjà à faire"):
        checklists.record_step(session, analyst, incident.reference, "ransomware", "alert-csirt", "reopen")


def test_skipping_a_step_needs_a_reason_and_stores_nothing_without_one(
    session: Session, analyst: Actor
) -> None:
    incident = make_incident(session, None)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    with pytest.raises(Invalid, match="La raison est obligatoire"):
        checklists.record_step(
            session, analyst, incident.reference, "ransomware", "insurer-notice", "skipped", " "
        )
    session.rollback()
    assert session.scalars(select(StepState)).all() == []
    checklists.record_step(
        session,
        analyst,
        incident.reference,
        "ransomware",
        "insurer-notice",
        "skipped",
        "Pas d'assurance cyber",
    )
    [view] = checklists.checklists_of(session, incident)
    skipped = next(v for v in view.steps if v.step.id == "insurer-notice")
    assert (skipped.state, skipped.note) == ("skipped", "Pas d'assurance cyber")


def test_unknown_steps_and_actions_are_refused(session: Session, analyst: Actor) -> None:
    incident = make_incident(session, None)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    with pytest.raises(NotFound):
        checklists.record_step(session, analyst, incident.reference, "ransomware", "no-such-step", "done")
    with pytest.raises(NotFound):
        checklists.record_step(session, analyst, incident.reference, "phishing-campaign", "x", "done")
    with pytest.raises(Invalid, match="Action inconnue"):
        checklists.record_step(session, analyst, incident.reference, "ransomware", "alert-csirt", "delete")


def test_ticking_a_step_linked_to_an_obligation_marks_the_obligation_done(
    session: Session, analyst: Actor
) -> None:
    incident = make_incident(session, None, personal_data_breach=True, reporter_situation="data_exposed")
    checklists.start_checklist(session, analyst, incident.reference, "personal-data-breach", CATALOGUE)
    checklists.record_step(
        session,
        analyst,
        incident.reference,
        "personal-data-breach",
        "cnil-notification",
        "done",
        "Téléservice CNIL",
    )
    cnil = next(o for o in incident.obligations if o.kind == "cnil_notification")
    assert cnil.done_at is not None and cnil.done_by == "analyste@example.test"
    actions = audit_actions(session, incident.reference)
    assert ("incident.obligation_done", {"kind": "cnil_notification"}) in actions
    assert (
        "incident.checklist_step",
        {
            "playbook": "personal-data-breach",
            "step": "cnil-notification",
            "state": "done",
            "obligation": "cnil_notification",
        },
    ) in actions
    # An obligation the incident does not have (no NIS2 here) is left alone; skipping never marks one.
    checklists.record_step(
        session,
        analyst,
        incident.reference,
        "personal-data-breach",
        "insurer-notice",
        "skipped",
        "Non assurée",
    )
    insurer = next(o for o in incident.obligations if o.kind == "insurer_notice")
    assert insurer.done_at is None


def test_overdue_steps_count_from_awareness(session: Session, analyst: Actor) -> None:
    incident = make_incident(session, None, aware_at=now() - timedelta(hours=3))
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    [view] = checklists.checklists_of(session, incident)
    assert view.overdue == 3
    states = {v.step.id: v for v in view.steps}
    assert states["disconnect-network"].overdue  # 30 minutes
    assert states["photograph-ransom-note"].overdue  # 2 hours
    assert not states["scope-assessment"].overdue and states["scope-assessment"].due_soon  # 4 hours
    assert not states["lessons-learned"].overdue and not states["lessons-learned"].due_soon
    assert states["disconnect-network"].due_at == incident.aware_at + timedelta(minutes=30)
    checklists.record_step(session, analyst, incident.reference, "ransomware", "disconnect-network", "done")
    [view] = checklists.checklists_of(session, incident)
    assert view.overdue == 2  # alert-csirt (1 h) and photograph-ransom-note (2 h) are still late


def test_members_cannot_start_or_tick_checklists(session: Session, analyst: Actor) -> None:
    commune = make_organisation(session)
    member = actor_for(make_user(session, "member", [commune]))
    incident = make_incident(session, commune)
    with pytest.raises(Forbidden):
        checklists.start_checklist(session, member, incident.reference, "ransomware", CATALOGUE)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    with pytest.raises(Forbidden):
        checklists.record_step(session, member, incident.reference, "ransomware", "alert-csirt", "done")


def test_suggestions_are_ranked_and_leave_out_started_checklists(session: Session, analyst: Actor) -> None:
    incident = make_incident(
        session,
        None,
        reporter_situation="ransomware",
        rsit_class="information-content-security",
        rsit_type="data-leak",
    )
    suggestions = checklists.suggestions_for(session, incident, CATALOGUE)
    ids = [s.playbook.id for s in suggestions]
    # Classification weighs more than the situation ticked by the reporter.
    assert ids.index("personal-data-breach") < ids.index("ransomware")
    first = suggestions[0]
    assert first.matches_type and not first.matches_situation
    ransomware = next(s for s in suggestions if s.playbook.id == "ransomware")
    assert ransomware.matches_situation and not ransomware.matches_type
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    assert "ransomware" not in [
        s.playbook.id for s in checklists.suggestions_for(session, incident, CATALOGUE)
    ]


def test_the_reporter_sees_only_the_steps_the_organisation_does(session: Session, analyst: Actor) -> None:
    incident = make_incident(session, None)
    checklists.start_checklist(session, analyst, incident.reference, "ransomware", CATALOGUE)
    [view] = checklists.member_steps(session, incident)
    assert {v.step.actor for v in view.steps} == {"member"}
    assert "scope-assessment" not in {v.step.id for v in view.steps}
    assert "disconnect-network" in {v.step.id for v in view.steps}


def test_an_empty_catalogue_suggests_nothing(session: Session) -> None:
    incident = make_incident(session, None)
    assert checklists.suggestions_for(session, incident, PlaybookCatalogue(())) == []

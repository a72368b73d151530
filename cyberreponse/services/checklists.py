"""Checklists: playbooks started on an incident, and their steps ticked by the CSIRT.

Starting a checklist stores the playbook's current content as a `PlaybookVersion` (or reuses the
identical stored one) and points the run at it: the steps shown afterwards are always read from
that stored version, whatever happens to the file. Steps are due `within` their delay counted
from the incident's `aware_at` (so correcting awareness moves every due date). A step that
fulfils an obligation marks the obligation done when it is ticked.

Only staff change checklists; members read their own incidents' checklists (without the notes,
which are the CSIRT's working notes); the reporter sees the steps the organisation does itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import as_utc, now
from cyberreponse.errors import Invalid, NotFound
from cyberreponse.models import Incident, PlaybookRun, StepState, TimelineEvent
from cyberreponse.services import deadlines
from cyberreponse.services.incidents import get_incident
from cyberreponse.services.playbook_catalogue import PHASES, Playbook, PlaybookCatalogue, Step, Suggestion
from cyberreponse.services.playbooks import playbook_of, store_version
from cyberreponse.services.scoping import require_staff
from cyberreponse.services.validation import bounded_text

NOTE_MAX = 2000
DUE_SOON = timedelta(hours=6)
STEP_ACTIONS = ("done", "skipped", "reopen")


@dataclass(frozen=True)
class StepView:
    step: Step
    state: str  # "todo", "done" or "skipped"
    at: datetime | None
    by: str | None
    note: str
    due_at: datetime
    overdue: bool
    due_soon: bool


@dataclass(frozen=True)
class ChecklistView:
    run: PlaybookRun
    playbook: Playbook
    steps: tuple[StepView, ...]
    # The file has changed since the checklist was started (the checklist keeps its own steps).
    file_changed: bool

    @property
    def finished(self) -> int:
        return sum(1 for view in self.steps if view.state != "todo")

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 100

    @property
    def overdue(self) -> int:
        return sum(1 for view in self.steps if view.overdue)

    def by_phase(self) -> list[tuple[str, list[StepView]]]:
        grouped = [(phase, [v for v in self.steps if v.step.phase == phase]) for phase in PHASES]
        return [(phase, views) for phase, views in grouped if views]


def _runs(session: Session, incident: Incident) -> list[PlaybookRun]:
    return list(
        session.scalars(
            select(PlaybookRun)
            .where(PlaybookRun.incident_id == incident.id)
            .options(selectinload(PlaybookRun.steps), selectinload(PlaybookRun.version))
            .order_by(PlaybookRun.started_at, PlaybookRun.id)
        )
    )


def _view(
    run: PlaybookRun, incident: Incident, at: datetime, catalogue: PlaybookCatalogue | None
) -> ChecklistView:
    playbook = playbook_of(run.version)
    states = {state.step_id: state for state in run.steps}
    aware = as_utc(incident.aware_at)
    views = []
    for step in playbook.steps:
        state = states.get(step.id)
        due_at = aware + step.within
        todo = state is None
        views.append(
            StepView(
                step=step,
                state="todo" if state is None else state.state,
                at=None if state is None else state.at,
                by=None if state is None else state.by,
                note="" if state is None else state.note,
                due_at=due_at,
                overdue=todo and due_at < at,
                due_soon=todo and at <= due_at < at + DUE_SOON,
            )
        )
    current = catalogue.get(run.playbook_id) if catalogue is not None else None
    changed = current is not None and current.content_hash != run.version.content_hash
    return ChecklistView(run, playbook, tuple(views), changed)


def checklists_of(
    session: Session,
    incident: Incident,
    *,
    catalogue: PlaybookCatalogue | None = None,
    at: datetime | None = None,
) -> list[ChecklistView]:
    """The incident's checklists as started, with each step's state and due date. The caller has
    already loaded the incident through a scoped query."""
    moment = at or now()
    return [_view(run, incident, moment, catalogue) for run in _runs(session, incident)]


def member_steps(session: Session, incident: Incident, at: datetime | None = None) -> list[ChecklistView]:
    """What the organisation does itself (steps whose actor is `member`), for the reporter."""
    views = []
    for view in checklists_of(session, incident, at=at):
        mine = tuple(step for step in view.steps if step.step.actor == "member")
        if mine:
            views.append(ChecklistView(view.run, view.playbook, mine, False))
    return views


def suggestions_for(session: Session, incident: Incident, catalogue: PlaybookCatalogue) -> list[Suggestion]:
    """Playbooks that fit the classification and the reporter's situation, best first, leaving
    out those already started."""
    started = {run.playbook_id for run in _runs(session, incident)}
    return [
        suggestion
        for suggestion in catalogue.suggest(incident.rsit_type, incident.reporter_situation)
        if suggestion.playbook.id not in started
    ]


def start_checklist(
    session: Session, actor: Actor, reference: str, playbook_id: str, catalogue: PlaybookCatalogue
) -> PlaybookRun:
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    playbook = catalogue.get(playbook_id)
    if playbook is None:
        raise Invalid("playbook", "Ce playbook n'existe pas (ou son fichier contient une erreur).")
    if any(run.playbook_id == playbook.id for run in _runs(session, incident)):
        raise Invalid("playbook", "Cette checklist est déjà commencée sur cet incident.")
    version, _new = store_version(session, actor, playbook)
    run = PlaybookRun(incident=incident, playbook_id=playbook.id, version=version, started_by=actor.label)
    session.add(run)
    incident.timeline.append(
        TimelineEvent(
            kind="checklist",
            actor=actor.label,
            text=playbook.title_fr,
            details={"playbook": playbook.id, "version": playbook.version, "started": True},
        )
    )
    try:
        session.flush()
    except IntegrityError as error:
        # Another analyst started the same playbook at the same moment.
        session.rollback()
        raise Invalid("playbook", "Cette checklist est déjà commencée sur cet incident.") from error
    audit.record(
        session,
        actor,
        "incident.checklist_start",
        "incident",
        incident.reference,
        {"playbook": playbook.id, "version": playbook.version, "content_hash": version.content_hash},
    )
    session.commit()
    return run


def _run_of(session: Session, incident: Incident, playbook_id: str) -> PlaybookRun:
    run = next((run for run in _runs(session, incident) if run.playbook_id == playbook_id), None)
    if run is None:
        raise NotFound("Checklist introuvable.")
    return run


def record_step(
    session: Session,
    actor: Actor,
    reference: str,
    playbook_id: str,
    step_id: str,
    action: str,
    note: str = "",
) -> StepState | None:
    """Tick a step (`done`, optional note), skip it (`skipped`, reason required) or put it back to
    do (`reopen`). Ticking a step linked to an obligation marks the obligation done too (an
    obligation already met stays as it was; reopening a step does not undo an obligation)."""
    require_staff(actor)
    incident = get_incident(session, actor, reference)
    run = _run_of(session, incident, playbook_id)
    step = playbook_of(run.version).step(step_id)
    if step is None:
        raise NotFound("Étape introuvable.")
    if action not in STEP_ACTIONS:
        raise Invalid("action", "Action inconnue.")
    text = bounded_text(
        note,
        "note",
        NOTE_MAX,
        required=action == "skipped",
        label="La raison" if action == "skipped" else "La note",
    )
    existing = next((state for state in run.steps if state.step_id == step.id), None)
    obligation: str | None = None
    result: StepState | None = None
    if action == "reopen":
        if existing is None:
            raise Invalid("action", "Cette étape est déjà à faire.")
        run.steps.remove(existing)
    else:
        if existing is not None:
            raise Invalid("action", "Cette étape a déjà été traitée : rechargez la page.")
        result = StepState(step_id=step.id, state=action, by=actor.label, note=text)
        run.steps.append(result)
        obligation = _fulfil_obligation(session, actor, incident, step) if action == "done" else None
    incident.timeline.append(
        TimelineEvent(
            kind="checklist",
            actor=actor.label,
            text=step.title,
            details={"playbook": run.playbook_id, "step": step.id, "state": action},
        )
    )
    audit.record(
        session,
        actor,
        "incident.checklist_step",
        "incident",
        incident.reference,
        {"playbook": run.playbook_id, "step": step.id, "state": action, "obligation": obligation},
    )
    session.commit()
    return result


def _fulfil_obligation(session: Session, actor: Actor, incident: Incident, step: Step) -> str | None:
    """Mark the step's obligation done when the incident has it and it is still open."""
    if step.obligation is None:
        return None
    obligation = next((o for o in incident.obligations if o.kind == step.obligation), None)
    if obligation is None or obligation.is_done:
        return None
    deadlines.mark_done(session, actor, incident, step.obligation)
    return step.obligation

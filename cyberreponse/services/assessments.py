"""NIS2 self-assessment answer sets: start or resume a draft, save answers, submit.

A member user answers for their own organisations only; analysts and admins answer for any
member, together with someone from it (`member_respondent`). Each organisation has at most one
draft; a submitted answer set is never changed again (a new draft starts from its answers).
Every save and submission is audited. All loads start from the scoped organisation select, so a
member of commune A gets NotFound for commune B and for any of B's answer sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.errors import Conflict, Forbidden, Invalid, NotFound
from cyberreponse.models import Answer, AnswerSet, Organisation, QuestionnaireSnapshot
from cyberreponse.models.assessment import DRAFT, SUBMITTED
from cyberreponse.services.questionnaire import (
    AnswerValue,
    Questionnaire,
    canonical_form,
    current_questionnaire,
    parse_answer,
    parse_questionnaire,
)
from cyberreponse.services.scoping import organisation_in_scope
from cyberreponse.services.scoring import (
    MeasureStatus,
    OrganisationalScore,
    ScoringPolicy,
    measure_statuses,
    score_answers,
)
from cyberreponse.services.validation import bounded_text

HISTORY_LIMIT = 100
# Parsed snapshots by content hash: one entry per questionnaire version ever used (a handful).
_parsed_snapshots: dict[str, Questionnaire] = {}


@dataclass(frozen=True)
class AssessmentView:
    """What a page needs to show an answer set (or the blank form when `answer_set` is None)."""

    organisation: Organisation
    answer_set: AnswerSet | None
    questionnaire: Questionnaire
    answers: dict[str, AnswerValue]
    score: OrganisationalScore
    statuses: tuple[MeasureStatus, ...]
    # A draft answered against an older questionnaire: saving moves it to the current one.
    outdated: bool = False


def _view(
    organisation: Organisation,
    answer_set: AnswerSet | None,
    questionnaire: Questionnaire,
    answers: dict[str, AnswerValue],
    outdated: bool = False,
) -> AssessmentView:
    score = score_answers(questionnaire, answers)
    return AssessmentView(
        organisation, answer_set, questionnaire, answers, score, measure_statuses(score), outdated
    )


def _require_respondent_role(actor: Actor) -> None:
    if not (actor.is_staff or actor.is_member):
        raise Forbidden("Seuls le référent du membre et l'équipe du CSIRT remplissent ce questionnaire.")


def stored_value(answer: Answer) -> AnswerValue:
    if answer.level is not None:
        return answer.level
    return "unknown" if answer.special == "unknown" else "not_applicable"


def answers_of(answer_set: AnswerSet) -> dict[str, AnswerValue]:
    return {answer.question_id: stored_value(answer) for answer in answer_set.answers}


def _still_valid(questionnaire: Questionnaire, answers: Mapping[str, AnswerValue]) -> dict[str, AnswerValue]:
    """The answers that still fit `questionnaire` (a question removed or an option dropped is left out)."""
    kept: dict[str, AnswerValue] = {}
    for question_id, value in answers.items():
        question = questionnaire.question(question_id)
        if question is not None and question.accepts(value):
            kept[question_id] = value
    return kept


def questionnaire_of(answer_set: AnswerSet) -> Questionnaire:
    """The questionnaire exactly as this answer set was answered, from its stored snapshot."""
    digest = answer_set.questionnaire_hash
    if digest not in _parsed_snapshots:
        snapshot = answer_set.snapshot
        questionnaire = parse_questionnaire(snapshot.content, f"questionnaire_snapshot {digest[:12]}")
        if questionnaire.content_hash != digest:
            raise RuntimeError(f"questionnaire snapshot {digest[:12]} does not match its hash")
        _parsed_snapshots[digest] = questionnaire
    return _parsed_snapshots[digest]


def _snapshot(session: Session, questionnaire: Questionnaire) -> QuestionnaireSnapshot:
    """The stored copy of this questionnaire version, recorded on first use."""
    query = select(QuestionnaireSnapshot).where(
        QuestionnaireSnapshot.content_hash == questionnaire.content_hash
    )
    snapshot = session.scalars(query).first()
    if snapshot is not None:
        return snapshot
    snapshot = QuestionnaireSnapshot(
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        content_hash=questionnaire.content_hash,
        content=canonical_form(questionnaire),
    )
    try:
        with session.begin_nested():
            session.add(snapshot)
    except IntegrityError:  # recorded meanwhile by another request
        snapshot = session.scalars(query).one()
    return snapshot


def _draft(session: Session, organisation: Organisation) -> AnswerSet | None:
    query = select(AnswerSet).where(AnswerSet.organisation_id == organisation.id, AnswerSet.status == DRAFT)
    return session.scalars(query).first()


def _claim(session: Session, draft: AnswerSet) -> None:
    """Take the draft's row for this transaction, and make sure it is still a draft: a guarded
    UPDATE locks the row (PostgreSQL) or the database (SQLite) until commit, so a submission
    made meanwhile by someone else is seen here, never overwritten."""
    claimed = session.execute(
        update(AnswerSet)
        .where(AnswerSet.id == draft.id, AnswerSet.status == DRAFT)
        .values(updated_at=now())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Conflict(
            "Cette auto-évaluation vient d'être soumise : rechargez la page pour en commencer une nouvelle."
        )
    session.refresh(draft)


def _last_submitted(session: Session, organisation: Organisation) -> AnswerSet | None:
    query = (
        select(AnswerSet)
        .where(AnswerSet.organisation_id == organisation.id, AnswerSet.status == SUBMITTED)
        .order_by(AnswerSet.submitted_at.desc(), AnswerSet.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def current_form(
    session: Session, actor: Actor, siren: str, *, questionnaire: Questionnaire | None = None
) -> AssessmentView:
    """The form to fill in: the draft's answers, or else the last submitted ones as a starting
    point. Reading only: nothing is created until the first save."""
    _require_respondent_role(actor)
    organisation = organisation_in_scope(session, actor, siren)
    current = questionnaire or current_questionnaire()
    draft = _draft(session, organisation)
    if draft is not None:
        outdated = draft.questionnaire_hash != current.content_hash
        return _view(organisation, draft, current, _still_valid(current, answers_of(draft)), outdated)
    previous = _last_submitted(session, organisation)
    answers = _still_valid(current, answers_of(previous)) if previous else {}
    return _view(organisation, None, current, answers)


def _start_draft(
    session: Session, actor: Actor, organisation: Organisation, current: Questionnaire
) -> AnswerSet:
    previous = _last_submitted(session, organisation)
    draft = AnswerSet(
        organisation=organisation,
        questionnaire_version=current.version,
        questionnaire_hash=_snapshot(session, current).content_hash,
        status=DRAFT,
        started_by=actor.label,
    )
    prefilled = _still_valid(current, answers_of(previous)) if previous else {}
    for question_id, value in prefilled.items():
        draft.answers.append(_answer_row(question_id, value, actor))
    try:
        with session.begin_nested():
            session.add(draft)
    except IntegrityError:  # someone else started the organisation's draft at the same moment
        existing = _draft(session, organisation)
        if existing is None:
            raise
        _claim(session, existing)
        return existing
    audit.record(
        session,
        actor,
        "assessment.start",
        "answer_set",
        draft.public_id,
        {
            "organisation": organisation.siren,
            "version": current.version,
            "prefilled_from": previous.public_id if previous else None,
        },
    )
    return draft


def _answer_row(question_id: str, value: AnswerValue, actor: Actor) -> Answer:
    answer = Answer(question_id=question_id, answered_by=actor.label)
    _set_value(answer, value)
    return answer


def _set_value(answer: Answer, value: AnswerValue) -> None:
    if isinstance(value, int):
        answer.level, answer.special = value, None
    else:
        answer.level, answer.special = None, value


def _parse_answers(questionnaire: Questionnaire, raw: Mapping[str, str]) -> dict[str, AnswerValue]:
    """Form values by question id; ids the questionnaire does not know are ignored (an old page)."""
    parsed: dict[str, AnswerValue] = {}
    errors: dict[str, str] = {}
    for question_id, text in raw.items():
        question = questionnaire.question(question_id)
        if question is None:
            continue
        try:
            value = parse_answer(question, text)
        except ValueError:
            errors[question_id] = "Cette réponse n'est pas proposée pour cette question."
            continue
        if value is not None:
            parsed[question_id] = value
    if errors:
        raise Invalid(next(iter(errors)), "Certaines réponses ne sont pas valables.", errors)
    return parsed


def _upgrade_draft(session: Session, actor: Actor, draft: AnswerSet, current: Questionnaire) -> None:
    """Move a draft started on an older questionnaire to the current one, keeping what still fits."""
    kept = _still_valid(current, answers_of(draft))
    dropped = sorted(answer.question_id for answer in draft.answers if answer.question_id not in kept)
    previous_version = draft.questionnaire_version
    for answer in list(draft.answers):
        if answer.question_id not in kept:
            draft.answers.remove(answer)
    draft.questionnaire_version = current.version
    draft.questionnaire_hash = _snapshot(session, current).content_hash
    audit.record(
        session,
        actor,
        "assessment.upgrade",
        "answer_set",
        draft.public_id,
        {"from_version": previous_version, "to_version": current.version, "dropped": dropped},
    )


def _save(
    session: Session,
    actor: Actor,
    siren: str,
    raw: Mapping[str, str],
    member_respondent: str | None,
    questionnaire: Questionnaire | None,
) -> tuple[AnswerSet, Questionnaire]:
    _require_respondent_role(actor)
    organisation = organisation_in_scope(session, actor, siren)
    current = questionnaire or current_questionnaire()
    values = _parse_answers(current, raw)
    respondent = None
    if actor.is_staff and member_respondent is not None:
        respondent = bounded_text(member_respondent, "member_respondent", 200, label="Le nom de la personne")
    draft = _draft(session, organisation)
    if draft is None:
        draft = _start_draft(session, actor, organisation, current)
    else:
        _claim(session, draft)
        if draft.questionnaire_hash != current.content_hash:
            _upgrade_draft(session, actor, draft, current)
    rows = {answer.question_id: answer for answer in draft.answers}
    changed: dict[str, list[object]] = {}
    for question_id, value in values.items():
        row = rows.get(question_id)
        if row is None:
            draft.answers.append(_answer_row(question_id, value, actor))
            changed[question_id] = [None, value]
        elif stored_value(row) != value:
            changed[question_id] = [stored_value(row), value]
            _set_value(row, value)
            row.answered_at, row.answered_by = now(), actor.label
    if respondent is not None and respondent != (draft.member_respondent or ""):
        changed["member_respondent"] = [draft.member_respondent, respondent or None]
        draft.member_respondent = respondent or None
    draft.updated_at = now()
    session.flush()
    audit.record(
        session,
        actor,
        "assessment.save",
        "answer_set",
        draft.public_id,
        {"organisation": organisation.siren, "version": current.version, "changed": changed},
    )
    return draft, current


def save_answers(
    session: Session,
    actor: Actor,
    siren: str,
    raw: Mapping[str, str],
    *,
    member_respondent: str | None = None,
    questionnaire: Questionnaire | None = None,
) -> AnswerSet:
    """Save some or all answers (`raw` maps question ids to "0"–"3", "unknown" or
    "not_applicable"; "" or a missing id leaves the answer as it was) into the organisation's
    draft, starting it when there is none. A bad value refuses the whole save."""
    draft, _current = _save(session, actor, siren, raw, member_respondent, questionnaire)
    session.commit()
    return draft


def submit_answers(
    session: Session,
    actor: Actor,
    siren: str,
    raw: Mapping[str, str],
    *,
    member_respondent: str | None = None,
    questionnaire: Questionnaire | None = None,
    scoring: ScoringPolicy | None = None,
) -> AnswerSet:
    """Save, then submit the draft: every question needs an answer (« je ne sais pas » counts) and
    an analyst must name who answered at the member. When something is missing the answers given
    are still saved — nothing typed is lost — and Invalid lists what is missing. A score snapshot is
    written in the same transaction (services/snapshots.py), for the trends."""
    from cyberreponse.services.snapshots import record_snapshot_after_assessment  # imports this module

    draft, current = _save(session, actor, siren, raw, member_respondent, questionnaire)
    answered = answers_of(draft)
    errors = {
        q.id: "Choisissez une réponse (« Je ne sais pas » est possible)."
        for q in current.questions
        if q.id not in answered
    }
    if actor.is_staff and not draft.member_respondent:
        errors["member_respondent"] = "Indiquez qui, chez le membre, a répondu avec vous."
    if errors:
        session.commit()
        missing = sum(1 for key in errors if key != "member_respondent")
        message = f"Réponses enregistrées, mais pas encore soumises : {missing} question(s) sans réponse."
        if missing == 0:
            message = "Réponses enregistrées, mais pas encore soumises : indiquez qui a répondu."
        raise Invalid(next(iter(errors)), message, errors)
    score = score_answers(current, answered)
    draft.status = SUBMITTED
    draft.submitted_at = now()
    draft.submitted_by = actor.label
    draft.submitted_by_user_id = actor.user_id
    draft.submitted_by_role = actor.role
    audit.record(
        session,
        actor,
        "assessment.submit",
        "answer_set",
        draft.public_id,
        {
            "organisation": draft.organisation.siren,
            "version": current.version,
            "hash": current.content_hash,
            "score": score.score,
            "member_respondent": draft.member_respondent,
        },
    )
    record_snapshot_after_assessment(session, draft, scoring or ScoringPolicy())
    session.commit()
    return draft


def list_answer_sets(session: Session, actor: Actor, siren: str) -> tuple[Organisation, list[AssessmentView]]:
    """The organisation's answer sets, the draft first, then the submitted ones newest first."""
    _require_respondent_role(actor)
    organisation = organisation_in_scope(session, actor, siren)
    query = (
        select(AnswerSet)
        .where(AnswerSet.organisation_id == organisation.id)
        .options(selectinload(AnswerSet.answers), selectinload(AnswerSet.snapshot))
        .order_by((AnswerSet.status == DRAFT).desc(), AnswerSet.submitted_at.desc(), AnswerSet.id.desc())
        .limit(HISTORY_LIMIT)
    )
    views = [
        _view(organisation, answer_set, questionnaire_of(answer_set), answers_of(answer_set))
        for answer_set in session.scalars(query)
    ]
    return organisation, views


def get_answer_set(session: Session, actor: Actor, siren: str, public_id: str) -> AssessmentView:
    """One answer set, as it was answered, with its score: NotFound outside the actor's scope."""
    _require_respondent_role(actor)
    organisation = organisation_in_scope(session, actor, siren)
    answer_set = session.scalars(
        select(AnswerSet).where(
            AnswerSet.organisation_id == organisation.id, AnswerSet.public_id == public_id
        )
    ).first()
    if answer_set is None:
        raise NotFound("Auto-évaluation introuvable.")
    return _view(organisation, answer_set, questionnaire_of(answer_set), answers_of(answer_set))

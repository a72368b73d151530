"""Answer sets: drafts that resume, partial saves, submission, scoping, audit, versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.errors import Forbidden, Invalid, NotFound
from cyberreponse.models import Answer, AnswerSet, AuditEvent, Organisation, QuestionnaireSnapshot
from cyberreponse.services import assessments
from cyberreponse.services.accounts import actor_for
from cyberreponse.services.questionnaire import canonical_form, current_questionnaire, parse_questionnaire
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.db

QUESTIONNAIRE = current_questionnaire()


def all_answers(value: str = "2") -> dict[str, str]:
    return {q.id: value for q in QUESTIONNAIRE.questions}


def member_of(session: Session, organisation: Organisation) -> Actor:
    return actor_for(make_user(session, "member", [organisation]))


def analyst(session: Session) -> Actor:
    return actor_for(make_user(session, "analyst"))


def stored_answers(session: Session, answer_set: AnswerSet) -> dict[str, tuple[int | None, str | None]]:
    rows = session.scalars(select(Answer).where(Answer.answer_set_id == answer_set.id))
    return {row.question_id: (row.level, row.special) for row in rows}


def audit_actions(session: Session, public_id: str) -> list[str]:
    query = select(AuditEvent.action).where(AuditEvent.object_id == public_id).order_by(AuditEvent.id)
    return list(session.scalars(query))


def test_first_save_starts_a_draft_with_the_questionnaire_version_and_hash(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    draft = assessments.save_answers(
        session, actor, commune.siren, {"a_referent": "2", "b_reflexes": "unknown"}
    )
    assert draft.status == "draft"
    assert (draft.questionnaire_version, draft.questionnaire_hash) == (
        QUESTIONNAIRE.version,
        QUESTIONNAIRE.content_hash,
    )
    assert stored_answers(session, draft) == {"a_referent": (2, None), "b_reflexes": (None, "unknown")}
    snapshot = session.scalars(select(QuestionnaireSnapshot)).one()
    assert parse_questionnaire(snapshot.content, "snapshot") == QUESTIONNAIRE
    assert audit_actions(session, draft.public_id) == ["assessment.start", "assessment.save"]


def test_reading_the_form_creates_nothing(session: Session) -> None:
    commune = make_organisation(session)
    view = assessments.current_form(session, member_of(session, commune), commune.siren)
    assert view.answer_set is None and view.answers == {}
    assert session.scalar(select(func.count()).select_from(AnswerSet)) == 0


def test_draft_resumes_with_earlier_answers_and_partial_saves_add_to_them(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    first = assessments.save_answers(session, actor, commune.siren, {"a_referent": "1"})
    second = assessments.save_answers(session, actor, commune.siren, {"c_sauvegardes": "3", "a_referent": ""})
    assert second.id == first.id
    view = assessments.current_form(session, actor, commune.siren)
    assert view.answer_set is not None and view.answer_set.public_id == first.public_id
    assert view.answers == {"a_referent": 1, "c_sauvegardes": 3}
    assert view.score.answered == 2


def test_a_changed_answer_is_audited_with_its_old_and_new_value(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    assessments.save_answers(session, actor, commune.siren, {"a_referent": "1"})
    draft = assessments.save_answers(session, actor, commune.siren, {"a_referent": "3", "b_reflexes": "2"})
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assessment.save").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None and event.object_id == draft.public_id
    assert event.actor == actor.label
    assert event.details["changed"] == {"a_referent": [1, 3], "b_reflexes": [None, 2]}


def test_a_value_not_offered_refuses_the_whole_save_and_keeps_what_was_stored(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    draft = assessments.save_answers(session, actor, commune.siren, {"a_referent": "1"})
    with pytest.raises(Invalid) as caught:
        # a_referent offers no « non applicable »; the valid b_reflexes is not saved either.
        assessments.save_answers(
            session, actor, commune.siren, {"a_referent": "not_applicable", "b_reflexes": "3"}
        )
    assert caught.value.errors == {"a_referent": "Cette réponse n'est pas proposée pour cette question."}
    assert stored_answers(session, draft) == {"a_referent": (1, None)}


def test_submission_needs_every_question_and_keeps_the_answers_given(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    partial = all_answers() | {"j_communication_secours": ""}
    with pytest.raises(Invalid) as caught:
        assessments.submit_answers(session, actor, commune.siren, partial)
    assert list(caught.value.errors) == ["j_communication_secours"]
    assert "1 question(s) sans réponse" in caught.value.message
    draft = session.scalars(select(AnswerSet)).one()
    assert draft.status == "draft"
    assert len(stored_answers(session, draft)) == len(QUESTIONNAIRE.questions) - 1


def test_member_submits_and_the_score_is_audited(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    submitted = assessments.submit_answers(session, actor, commune.siren, all_answers("2"))
    assert submitted.status == "submitted"
    assert submitted.submitted_by == actor.label and submitted.submitted_by_role == "member"
    assert submitted.submitted_at is not None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment.submit")).one()
    assert event.details["score"] == 66.7
    assert event.details["hash"] == QUESTIONNAIRE.content_hash


def test_analyst_answers_with_a_named_person_of_the_member(session: Session) -> None:
    commune = make_organisation(session)
    actor = analyst(session)
    with pytest.raises(Invalid) as caught:
        assessments.submit_answers(session, actor, commune.siren, all_answers())
    assert list(caught.value.errors) == ["member_respondent"]
    submitted = assessments.submit_answers(
        session, actor, commune.siren, {}, member_respondent="Marie Dupont, secrétaire de mairie"
    )
    assert submitted.member_respondent == "Marie Dupont, secrétaire de mairie"
    assert submitted.submitted_by_role == "analyst"


def test_a_submitted_answer_set_never_changes_and_the_next_draft_starts_from_it(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    with time_machine.travel("2026-03-01 10:00 +00:00", tick=False):
        first = assessments.submit_answers(session, actor, commune.siren, all_answers("1"))
    before = stored_answers(session, first)
    with time_machine.travel("2026-09-01 10:00 +00:00", tick=False):
        draft = assessments.save_answers(session, actor, commune.siren, {"a_referent": "3"})
        second = assessments.submit_answers(session, actor, commune.siren, {"b_reflexes": "0"})
    assert draft.id == second.id != first.id
    session.expire_all()
    assert stored_answers(session, first) == before
    assert session.get(AnswerSet, first.id).status == "submitted"  # type: ignore[union-attr]
    assert str(session.get(AnswerSet, first.id).submitted_at)[:10] == "2026-03-01"  # type: ignore[union-attr]
    after = stored_answers(session, second)
    assert after["a_referent"] == (3, None) and after["b_reflexes"] == (0, None)
    assert after["c_sauvegardes"] == (1, None)  # carried over from the first answer set
    _organisation, history = assessments.list_answer_sets(session, actor, commune.siren)
    assert [view.answer_set.public_id for view in history if view.answer_set] == [
        second.public_id,
        first.public_id,
    ]


def test_the_form_after_a_submission_offers_the_last_answers_without_creating_a_draft(
    session: Session,
) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    assessments.submit_answers(session, actor, commune.siren, all_answers("3"))
    view = assessments.current_form(session, actor, commune.siren)
    assert view.answer_set is None
    assert view.answers == {q.id: 3 for q in QUESTIONNAIRE.questions}
    assert session.scalar(select(func.count()).select_from(AnswerSet)) == 1


def test_the_database_refuses_a_second_draft_for_one_organisation(session: Session) -> None:
    commune = make_organisation(session)
    draft = assessments.save_answers(session, member_of(session, commune), commune.siren, {"a_referent": "1"})
    twin = AnswerSet(
        organisation_id=commune.id,
        questionnaire_version=draft.questionnaire_version,
        questionnaire_hash=draft.questionnaire_hash,
        started_by="x",
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)


def test_an_answer_outside_0_to_3_is_refused_by_the_database(session: Session) -> None:
    commune = make_organisation(session)
    draft = assessments.save_answers(session, member_of(session, commune), commune.siren, {"a_referent": "1"})
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Answer(answer_set_id=draft.id, question_id="b_reflexes", level=4, answered_by="x"))


def test_member_of_commune_a_gets_not_found_for_every_action_on_commune_b(session: Session) -> None:
    commune_a, commune_b = make_organisation(session), make_organisation(session)
    member_a = member_of(session, commune_a)
    own = assessments.save_answers(session, member_a, commune_a.siren, {"a_referent": "2"})
    theirs = assessments.submit_answers(
        session, analyst(session), commune_b.siren, all_answers(), member_respondent="Maire de B"
    )
    calls = [
        lambda: assessments.current_form(session, member_a, commune_b.siren),
        lambda: assessments.save_answers(session, member_a, commune_b.siren, {"a_referent": "3"}),
        lambda: assessments.submit_answers(session, member_a, commune_b.siren, all_answers()),
        lambda: assessments.list_answer_sets(session, member_a, commune_b.siren),
        lambda: assessments.get_answer_set(session, member_a, commune_b.siren, theirs.public_id),
        # B's answer set through A's own SIREN, and A's own answer set through B's SIREN.
        lambda: assessments.get_answer_set(session, member_a, commune_a.siren, theirs.public_id),
        lambda: assessments.get_answer_set(session, member_a, commune_b.siren, own.public_id),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()
    assert (
        session.scalar(
            select(func.count()).select_from(AnswerSet).where(AnswerSet.organisation_id == commune_b.id)
        )
        == 1
    )
    assert stored_answers(session, theirs) == {q.id: (2, None) for q in QUESTIONNAIRE.questions}


def test_an_actor_without_a_role_that_answers_is_refused(session: Session) -> None:
    commune = make_organisation(session)
    with pytest.raises(Forbidden):
        assessments.current_form(session, Actor(label="anonymous", role="anonymous"), commune.siren)


def questionnaire_without(question_id: str, version: str) -> Any:
    data = copy.deepcopy(canonical_form(QUESTIONNAIRE))
    data["questions"] = [q for q in data["questions"] if q["id"] != question_id]
    data["questionnaire"]["version"] = version
    return parse_questionnaire(data, "test")


def test_a_draft_from_an_older_questionnaire_moves_to_the_new_one_keeping_what_fits(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    draft = assessments.save_answers(session, actor, commune.siren, {"a_referent": "2", "b_reflexes": "1"})
    newer = questionnaire_without("b_reflexes", "2027.1")
    view = assessments.current_form(session, actor, commune.siren, questionnaire=newer)
    assert view.outdated and view.answers == {"a_referent": 2}
    assessments.save_answers(session, actor, commune.siren, {"c_sauvegardes": "3"}, questionnaire=newer)
    session.refresh(draft)
    assert (draft.questionnaire_version, draft.questionnaire_hash) == ("2027.1", newer.content_hash)
    assert stored_answers(session, draft) == {"a_referent": (2, None), "c_sauvegardes": (3, None)}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "assessment.upgrade")).one()
    assert event.details == {"from_version": "2026.1", "to_version": "2027.1", "dropped": ["b_reflexes"]}


def test_a_submitted_answer_set_is_shown_with_the_questions_it_answered(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    older = assessments.submit_answers(session, actor, commune.siren, all_answers("3"))
    newer = questionnaire_without("b_reflexes", "2027.1")
    assessments.submit_answers(session, actor, commune.siren, {}, questionnaire=newer)
    view = assessments.get_answer_set(session, actor, commune.siren, older.public_id)
    assert view.questionnaire.version == "2026.1"
    assert view.questionnaire.question("b_reflexes") is not None
    assert view.score.score == 100.0


def test_a_member_cannot_set_the_respondent_field_meant_for_analysts(session: Session) -> None:
    commune = make_organisation(session)
    actor = member_of(session, commune)
    draft = assessments.save_answers(
        session, actor, commune.siren, {"a_referent": "1"}, member_respondent="Autre"
    )
    assert draft.member_respondent is None


def test_an_overlong_respondent_name_is_refused_and_nothing_is_saved(session: Session) -> None:
    commune = make_organisation(session)
    with pytest.raises(Invalid) as caught:
        assessments.save_answers(
            session, analyst(session), commune.siren, {"a_referent": "1"}, member_respondent="x" * 201
        )
    assert caught.value.errors == {
        "member_respondent": "Le nom de la personne ne peut dépasser 200 caractères."
    }
    assert session.scalar(select(func.count()).select_from(AnswerSet)) == 0

"""The self-assessment pages, driven as a browser without JavaScript would."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from cyberreponse.models import Answer, AnswerSet, Organisation, User
from cyberreponse.services import assessments
from cyberreponse.services.accounts import actor_for
from cyberreponse.services.questionnaire import current_questionnaire
from tests.conftest import csrf_token, login
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.db

QUESTIONNAIRE = current_questionnaire()


def form_path(organisation: Organisation) -> str:
    return f"/organisations/{organisation.siren}/auto-evaluation"


def post_answers(
    client: FlaskClient,
    organisation: Organisation,
    answers: dict[str, str],
    action: str = "save",
    **extra: str,
) -> TestResponse:
    data = {f"q-{key}": value for key, value in answers.items()}
    data |= {"action": action, "csrf_token": csrf_token(client, form_path(organisation)), **extra}
    return client.post(form_path(organisation), data=data)


def all_answers(value: str = "2") -> dict[str, str]:
    return {q.id: value for q in QUESTIONNAIRE.questions}


def signed_in_member(session: Session, client: FlaskClient, organisation: Organisation) -> User:
    user = make_user(session, "member", [organisation])
    session.commit()
    login(client, user)
    return user


def count(session: Session, organisation: Organisation) -> int:
    query = select(func.count()).select_from(AnswerSet).where(AnswerSet.organisation_id == organisation.id)
    return session.scalar(query) or 0


def test_form_groups_questions_by_measure_in_fieldsets_with_help_and_no_script(
    session: Session, client: FlaskClient
) -> None:
    commune = make_organisation(session, "Commune de Saint-Test")
    signed_in_member(session, client, commune)
    response = client.get(form_path(commune))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script" not in page
    assert page.count("<fieldset") == len(QUESTIONNAIRE.questions)
    assert page.count("<legend>") == len(QUESTIONNAIRE.questions)
    for letter in "abcdefghij":
        assert f'id="mesure-{letter}"' in page
    question = QUESTIONNAIRE.questions[0]
    assert f'aria-describedby="help-{question.id}"' in page
    assert "Je ne sais pas" in page and "Non applicable" in page
    assert "0 questions répondues sur 38" in page
    # No draft is created by reading the page.
    assert count(session, commune) == 0


def test_saving_without_javascript_stores_answers_and_the_draft_resumes(
    session: Session, client: FlaskClient
) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    response = post_answers(client, commune, {"a_referent": "3", "c_sauvegardes": "unknown"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(form_path(commune))
    page = client.get(form_path(commune)).get_data(as_text=True)
    assert "Réponses enregistrées" in page
    assert "2 questions répondues sur 38" in page
    assert re.search(r'id="q-a_referent-3"[^>]*value="3" checked', page)
    assert re.search(r'id="q-c_sauvegardes-unknown"[^>]*value="unknown" checked', page)


def test_post_without_csrf_token_is_refused_and_stores_nothing(session: Session, client: FlaskClient) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    response = client.post(form_path(commune), data={"q-a_referent": "3", "action": "save"})
    assert response.status_code == 400
    assert count(session, commune) == 0


def test_get_on_the_form_never_saves_even_with_answers_in_the_query(
    session: Session, client: FlaskClient
) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    assert client.get(form_path(commune) + "?q-a_referent=3&action=submit").status_code == 200
    assert count(session, commune) == 0


def test_fields_other_than_answers_are_ignored(session: Session, client: FlaskClient) -> None:
    commune, other = make_organisation(session), make_organisation(session)
    signed_in_member(session, client, commune)
    extra = {
        "status": "submitted",
        "organisation_id": str(other.id),
        "public_id": "chosen",
        "q-unknown_id": "3",
    }
    assert post_answers(client, commune, {"a_referent": "1"}, **extra).status_code == 302
    answer_set = session.scalars(select(AnswerSet).where(AnswerSet.organisation_id == commune.id)).one()
    assert (answer_set.status, answer_set.public_id != "chosen") == ("draft", True)
    assert [a.question_id for a in answer_set.answers] == ["a_referent"]
    assert count(session, other) == 0


def test_incomplete_submission_shows_what_is_missing_and_keeps_the_answers(
    session: Session, client: FlaskClient
) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    answers = all_answers() | {"e_reseau_separe": ""}
    response = post_answers(client, commune, answers, action="submit")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "1 question(s) sans réponse" in page
    assert '<a href="#q-e_reseau_separe">' in page
    assert 'aria-describedby="help-e_reseau_separe err-e_reseau_separe"' in page
    draft = session.scalars(select(AnswerSet).where(AnswerSet.organisation_id == commune.id)).one()
    assert draft.status == "draft" and len(draft.answers) == len(QUESTIONNAIRE.questions) - 1


def test_submission_leads_to_the_read_only_answer_set_with_its_score(
    session: Session, client: FlaskClient
) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    response = post_answers(client, commune, all_answers("3") | {"g_antivirus": "0"}, action="submit")
    assert response.status_code == 302
    answer_set = session.scalars(select(AnswerSet).where(AnswerSet.organisation_id == commune.id)).one()
    location = response.headers["Location"]
    assert location.endswith(f"{form_path(commune)}/{answer_set.public_id}")
    assert answer_set.public_id != str(answer_set.id) and len(answer_set.public_id) >= 16
    page = client.get(location).get_data(as_text=True)
    assert "Soumise" in page
    assert "<form" not in page.split("<main", 1)[1].split("</main>", 1)[0]
    # (g) is at 100 × 15/21 = 71,4 with an answer at 0; the overall mean is (9 × 100 + 71,43) / 10.
    assert "97,1" in page and "71,4" in page
    assert "Partielle" in page
    assert "Chaque ordinateur et serveur a-t-il un antivirus" in page


def test_history_lists_submitted_answer_sets(session: Session, client: FlaskClient) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    post_answers(client, commune, all_answers("1"), action="submit")
    post_answers(client, commune, {"a_referent": "3"})
    page = client.get(f"{form_path(commune)}/historique").get_data(as_text=True)
    assert page.count("Soumise") == 1 and page.count("Brouillon") == 1
    assert "33,3" in page  # every answer at 1


def test_member_of_commune_a_gets_404_for_commune_b_pages_and_posts(
    session: Session, client: FlaskClient
) -> None:
    commune_a, commune_b = make_organisation(session), make_organisation(session)
    analyst = make_user(session, "analyst")
    theirs = assessments.submit_answers(
        session, actor_for(analyst), commune_b.siren, all_answers(), member_respondent="Maire de B"
    )
    signed_in_member(session, client, commune_a)
    token = csrf_token(client, form_path(commune_a))
    paths = [
        form_path(commune_b),
        f"{form_path(commune_b)}/historique",
        f"{form_path(commune_b)}/{theirs.public_id}",
        f"{form_path(commune_a)}/{theirs.public_id}",
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    response = client.post(
        form_path(commune_b), data={"q-a_referent": "0", "action": "submit", "csrf_token": token}
    )
    assert response.status_code == 404
    levels = session.scalars(select(Answer.level).where(Answer.answer_set_id == theirs.id)).all()
    assert set(levels) == {2}
    assert count(session, commune_b) == 1


def test_analyst_fills_the_questionnaire_in_with_the_member(session: Session, client: FlaskClient) -> None:
    commune = make_organisation(session)
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    page = client.get(form_path(commune)).get_data(as_text=True)
    assert 'name="member_respondent"' in page
    response = post_answers(client, commune, all_answers(), action="submit")
    assert response.status_code == 400
    assert "Indiquez qui, chez le membre, a répondu avec vous." in response.get_data(as_text=True)
    name = "Jean <script>alert(1)</script> Martin, DGS"
    response = post_answers(client, commune, {}, action="submit", member_respondent=name)
    assert response.status_code == 302
    answer_set = session.scalars(select(AnswerSet).where(AnswerSet.organisation_id == commune.id)).one()
    assert (answer_set.status, answer_set.member_respondent) == ("submitted", name)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Jean &lt;script&gt;alert(1)&lt;/script&gt; Martin, DGS" in page and "<script" not in page


def test_member_space_and_organisation_page_link_to_the_self_assessment(
    session: Session, client: FlaskClient
) -> None:
    commune = make_organisation(session)
    signed_in_member(session, client, commune)
    assert f'href="{form_path(commune)}"' in client.get("/espace").get_data(as_text=True)
    page = client.get(f"/organisations/{commune.siren}").get_data(as_text=True)
    assert f'href="{form_path(commune)}"' in page
    assert f'href="{form_path(commune)}/historique"' in page


def test_signed_out_visitor_is_sent_to_login(session: Session, client: FlaskClient) -> None:
    commune = make_organisation(session)
    session.commit()
    response = client.get(form_path(commune))
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]

"""The reporter's private follow-up link: status, shared messages, adding messages and files."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.models import Attachment, Comment, OutboxMail
from tests.conftest import csrf_token, login
from tests.factories import make_follow_up_link, make_incident, make_user
from tests.web.reporting import PNG, text_of

pytestmark = pytest.mark.db


def test_follow_up_page_shows_reference_and_status_in_plain_french(
    client: FlaskClient, session: Session
) -> None:
    incident = make_incident(session, None, status="in_progress")
    token = make_follow_up_link(session, incident)
    session.commit()
    page = text_of(client.get(f"/suivi/{token}"))
    assert incident.reference in page and "En traitement" in page
    assert "Un message demande une rançon." not in page  # the description is not repeated there


@pytest.mark.parametrize("token", ["x" * 43, "court", "../../etc/passwd", "A" * 500])
def test_unknown_or_malformed_tokens_get_404(client: FlaskClient, token: str) -> None:
    assert client.get(f"/suivi/{token}").status_code == 404


def test_a_renewed_link_replaces_the_old_one(client: FlaskClient, session: Session) -> None:
    analyst = make_user(session, "analyst")
    incident = make_incident(session, None)
    old = make_follow_up_link(session, incident)
    session.commit()
    login(client, analyst)
    response = client.post(
        f"/incidents/{incident.reference}/lien-de-suivi",
        data={"csrf_token": csrf_token(client, f"/incidents/{incident.reference}")},
    )
    new = text_of(response).split("/suivi/")[1].split("<")[0]
    reporter = client.application.test_client()
    assert reporter.get(f"/suivi/{old}").status_code == 404
    assert reporter.get(f"/suivi/{new}").status_code == 200
    assert session.scalars(select(OutboxMail).where(OutboxMail.kind == "follow_up_link")).one()


def test_reporter_adds_a_message_and_a_file_seen_by_the_analyst(
    client: FlaskClient, session: Session
) -> None:
    analyst = make_user(session, "analyst")
    incident = make_incident(session, None)
    token = make_follow_up_link(session, incident)
    session.commit()
    response = client.post(
        f"/suivi/{token}",
        data={
            "body": "Un deuxième poste est touché <b>aussi</b>.",
            "attachments": [(io.BytesIO(PNG), "poste2.png")],
            "csrf_token": csrf_token(client, f"/suivi/{token}"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert "Votre message a été transmis" in text_of(client.get(response.headers["Location"]))
    staff = client.application.test_client()
    login(staff, analyst)
    html = staff.get(f"/incidents/{incident.reference}").get_data(as_text=True)
    assert "Un deuxième poste est touché &lt;b&gt;aussi&lt;/b&gt;." in html and "poste2.png" in html
    assert session.scalars(select(OutboxMail).where(OutboxMail.kind == "reporter_message")).one()


def test_a_refused_file_on_the_follow_up_page_stores_nothing(client: FlaskClient, session: Session) -> None:
    incident = make_incident(session, None)
    token = make_follow_up_link(session, incident)
    session.commit()
    response = client.post(
        f"/suivi/{token}",
        data={
            "body": "Voici le programme",
            "attachments": [(io.BytesIO(b"\x7fELF" + bytes(64)), "virus.pdf")],
            "csrf_token": csrf_token(client, f"/suivi/{token}"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "est un programme" in text_of(response)
    assert session.scalars(select(Comment)).first() is None
    assert session.scalars(select(Attachment)).first() is None


def test_follow_up_messages_need_csrf_and_are_rate_limited(client: FlaskClient, session: Session) -> None:
    incident = make_incident(session, None)
    token = make_follow_up_link(session, incident)
    session.commit()
    assert client.post(f"/suivi/{token}", data={"body": "sans jeton"}).status_code == 400
    csrf = csrf_token(client, f"/suivi/{token}")
    statuses = [
        client.post(f"/suivi/{token}", data={"body": "", "csrf_token": csrf}).status_code for _ in range(11)
    ]
    assert statuses[-1] == 429 and 400 in statuses

"""Sessions live on the server: cookie attributes, rotation at login, revocation (ASVS 3.3, 7.x)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.models import User
from cyberreponse.services import accounts
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.db


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("__Host-session")
    assert cookie is not None
    return cookie.value


def _new_browser(client: FlaskClient) -> FlaskClient:
    return type(client)(client.application, client.response_wrapper, use_cookies=True)


def test_session_cookie_is_host_prefixed_secure_httponly_lax(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    client.get("/connexion")
    token = csrf_token(client, "/connexion")
    response = client.post(
        "/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    header = response.headers["Set-Cookie"]
    assert header.startswith("__Host-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attribute in header
    assert "Domain=" not in header


def test_login_issues_a_new_cookie_and_the_old_one_stays_anonymous(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    client.get("/connexion")
    before = _session_cookie(client)
    login(client, user)
    after = _session_cookie(client)
    assert before != after
    attacker = _new_browser(client)
    attacker.set_cookie("__Host-session", before)
    assert attacker.get("/organisations").status_code == 302


def test_cookie_saved_before_logout_is_useless_after_it(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    saved = _session_cookie(client)
    response = client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    assert response.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    replay = _new_browser(client)
    replay.set_cookie("__Host-session", saved)
    response = replay.get("/organisations")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_disabling_an_account_ends_its_open_sessions(client: FlaskClient, session: Session) -> None:
    analyst = make_user(session)
    admin = make_user(session, "admin")
    session.commit()
    login(client, analyst)
    assert client.get("/organisations").status_code == 200
    accounts.set_active(session, accounts.actor_for(admin), analyst.public_id, False)
    assert client.get("/organisations").status_code == 302


def test_password_change_ends_the_other_browsers_but_not_this_one(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    browser_b = _new_browser(client)
    login(browser_b, user)
    session.refresh(user)
    login(client, user)
    new = "Encore une autre phrase de passe 99"
    token = csrf_token(client, "/compte")
    response = client.post(
        "/compte/mot-de-passe",
        data={"current_password": PASSWORD, "password": new, "confirm": new, "csrf_token": token},
    )
    assert response.status_code == 302
    assert client.get("/organisations").status_code == 200
    assert browser_b.get("/organisations").status_code == 302


def test_idle_session_expires(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    with time_machine.travel(now() + timedelta(minutes=29)):
        assert client.get("/organisations").status_code == 200
    with time_machine.travel(now() + timedelta(minutes=29 + 31)):
        assert client.get("/organisations").status_code == 302


def test_session_ends_after_its_maximum_age_even_when_active(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    start = now()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/organisations").status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get("/organisations").status_code == 302


def _two_browsers(client: FlaskClient, session: Session) -> tuple[User, FlaskClient]:
    """The user signed in twice: `client` and a second browser, B."""
    user = make_user(session)
    session.commit()
    browser_b = _new_browser(client)
    login(browser_b, user)
    session.refresh(user)
    login(client, user)
    assert browser_b.get("/organisations").status_code == 200
    return user, browser_b


def _end_sessions(client: FlaskClient, password: str, **fields: object) -> int:
    data = {"sessions_password": password, "csrf_token": csrf_token(client, "/compte"), **fields}
    return client.post("/compte/sessions/fin", data=data).status_code


def test_user_can_close_another_of_their_sessions(client: FlaskClient, session: Session) -> None:
    _user, browser_b = _two_browsers(client, session)
    page = client.get("/compte").get_data(as_text=True)
    digests = re.findall(r'name="digest" value="([0-9a-f]{16})"', page)
    assert len(digests) == 1  # the other browser; this one is marked as "cette session"
    assert _end_sessions(client, PASSWORD, digest=digests) == 302
    assert browser_b.get("/organisations").status_code == 302
    assert client.get("/organisations").status_code == 200


def test_closing_sessions_needs_the_password_again(client: FlaskClient, session: Session) -> None:
    """ASVS 7.5.2: someone at an unattended open browser cannot sign the owner out elsewhere."""
    _user, browser_b = _two_browsers(client, session)
    assert _end_sessions(client, "pas le mot de passe", all="1") == 400
    assert browser_b.get("/organisations").status_code == 200


def test_user_closes_every_other_session_at_once(client: FlaskClient, session: Session) -> None:
    _user, browser_b = _two_browsers(client, session)
    assert _end_sessions(client, PASSWORD, all="1") == 302
    assert browser_b.get("/organisations").status_code == 302
    assert client.get("/organisations").status_code == 200


def test_admin_signs_a_user_out_everywhere_without_disabling_the_account(
    client: FlaskClient, session: Session
) -> None:
    analyst = make_user(session)
    admin = make_user(session, "admin")
    session.commit()
    analyst_browser = _new_browser(client)
    login(analyst_browser, analyst)
    login(client, admin)
    path = f"/admin/utilisateurs/{analyst.public_id}/sessions/fin"
    token = csrf_token(client, f"/admin/utilisateurs/{analyst.public_id}")
    own_token = csrf_token(analyst_browser, "/compte")
    assert analyst_browser.post(path, data={"csrf_token": own_token}).status_code == 403  # not for analysts
    assert analyst_browser.get("/organisations").status_code == 200
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert analyst_browser.get("/organisations").status_code == 302
    session.refresh(analyst)
    assert analyst.active
    login(analyst_browser, analyst)  # the account itself still works
    assert analyst_browser.get("/organisations").status_code == 200

"""One-time passwords (new accounts, `cyberreponse init`, admin resets) expire and open a single
sign-in (ASVS 6.4.1)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.services import accounts
from cyberreponse.services.passwords import check_policy
from tests.conftest import csrf_token, login, totp_code
from tests.factories import make_user

pytestmark = pytest.mark.db

EXPIRED = "Ce mot de passe provisoire a expiré ou a déjà servi"
NEW_PASSWORD = "Une phrase de passe bien à moi 2026"


def _post_login(client: FlaskClient, email: str, password: str) -> tuple[int, str]:
    token = csrf_token(client, "/connexion")
    response = client.post("/connexion", data={"email": email, "password": password, "csrf_token": token})
    body = (
        response.headers.get("Location", "")
        if response.status_code == 302
        else response.get_data(as_text=True)
    )
    return response.status_code, body


def _new_browser(client: FlaskClient) -> FlaskClient:
    return type(client)(client.application, client.response_wrapper, use_cookies=True)


def test_generated_one_time_password_follows_the_password_policy(session: Session) -> None:
    _user, password = accounts.create_user(
        session, system_actor(), accounts.NewUser("neuf@example.test", "analyst")
    )
    assert password is not None
    check_policy(password, "neuf@example.test", 12)  # raises if it would be refused as a chosen one
    assert len(password) >= 20


def test_one_time_password_unused_for_three_days_is_refused(client: FlaskClient, session: Session) -> None:
    user, password = accounts.create_user(
        session, system_actor(), accounts.NewUser("tard@example.test", "analyst")
    )
    assert password is not None
    with time_machine.travel(now() + timedelta(hours=72, minutes=1)):
        status, body = _post_login(client, user.email, password)
        assert status == 200 and EXPIRED in body
        assert client.get("/connexion/nouveau-mot-de-passe").headers["Location"].endswith("/connexion")


def test_one_time_password_within_its_lifetime_leads_to_choosing_a_password(
    client: FlaskClient, session: Session
) -> None:
    user, password = accounts.create_user(
        session, system_actor(), accounts.NewUser("tot@example.test", "analyst")
    )
    assert password is not None
    with time_machine.travel(now() + timedelta(hours=71)):
        status, location = _post_login(client, user.email, password)
    assert status == 302 and location.endswith("/connexion/nouveau-mot-de-passe")


def test_one_time_password_opens_a_single_sign_in(client: FlaskClient, session: Session) -> None:
    user, password = accounts.create_user(
        session, system_actor(), accounts.NewUser("une@example.test", "analyst")
    )
    assert password is not None
    assert _post_login(client, user.email, password)[1].endswith("/connexion/nouveau-mot-de-passe")

    # Whoever else holds the one-time password (a shoulder, a forwarded note) cannot use it again…
    status, body = _post_login(_new_browser(client), user.email, password)
    assert status == 200 and EXPIRED in body

    # …while the sign-in that used it goes on to the choice of a new password.
    token = csrf_token(client, "/connexion/nouveau-mot-de-passe")
    response = client.post(
        "/connexion/nouveau-mot-de-passe",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/connexion/double-authentification")
    session.refresh(user)
    assert user.password_expires_at is None and not user.must_change_password


def test_admin_reset_password_is_shown_with_its_lifetime_and_serves_once(
    client: FlaskClient, session: Session
) -> None:
    admin = make_user(session, "admin")
    analyst = make_user(session)
    session.commit()
    login(client, admin)
    page = client.post(
        f"/admin/utilisateurs/{analyst.public_id}/mot-de-passe",
        data={"csrf_token": csrf_token(client, f"/admin/utilisateurs/{analyst.public_id}")},
    ).get_data(as_text=True)
    assert "expire dans 72 heures" in page
    password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)  # type: ignore[union-attr]

    browser = _new_browser(client)
    # The reset never skips the second factor (ASVS 6.4.3): TOTP comes before the new password.
    assert _post_login(browser, analyst.email, password)[1].endswith("/connexion/verification")
    session.refresh(analyst)
    token = csrf_token(browser, "/connexion/verification")
    browser.post("/connexion/verification", data={"code": totp_code(analyst), "csrf_token": token})
    assert browser.get("/connexion/nouveau-mot-de-passe").status_code == 200

    status, body = _post_login(_new_browser(client), analyst.email, password)
    assert status == 200 and EXPIRED in body

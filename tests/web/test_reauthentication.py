"""Re-authentication before the second factor or the recovery codes change (ASVS 7.5.1).

Accounts have no self-service e-mail change (an administrator creates accounts; the address is the
identifier): the authenticator app and the recovery codes are what a person changes on their own."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.models import AuditEvent, RecoveryCode, User
from cyberreponse.services.authentication import _replace_recovery_codes
from tests.conftest import csrf_token, login, totp_code
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.db

NEW_APP = "/compte/double-authentification/nouvelle"


def _reauthenticate(
    client: FlaskClient, user: User, password: str = PASSWORD, code: str | None = None
) -> int:
    data = {
        "reauth_password": password,
        "reauth_code": totp_code(user) if code is None else code,
        "csrf_token": csrf_token(client, "/compte"),
    }
    return client.post("/compte/double-authentification", data=data).status_code


def _new_secret(client: FlaskClient) -> str:
    page = client.get(NEW_APP).get_data(as_text=True)
    return re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)  # type: ignore[union-attr]


def test_a_signed_in_session_alone_cannot_replace_the_authenticator(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    before = user.totp_secret
    response = client.get(NEW_APP)
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte")
    assert "votre mot de passe et votre code actuel" in client.get("/compte").get_data(as_text=True)
    attacker_secret = pyotp.random_base32()
    code = pyotp.TOTP(attacker_secret).now()
    client.post(NEW_APP, data={"code": code, "csrf_token": csrf_token(client, "/compte")})
    session.refresh(user)
    assert user.totp_secret == before


@pytest.mark.parametrize("wrong", ["password", "code"])
def test_wrong_password_or_code_at_reauthentication_changes_nothing(
    client: FlaskClient, session: Session, wrong: str
) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    session.refresh(user)
    if wrong == "password":
        status = _reauthenticate(client, user, password="pas le bon mot de passe")
    else:
        status = _reauthenticate(client, user, code="000000" if totp_code(user) != "000000" else "111111")
    assert status == 400
    assert client.get(NEW_APP).status_code == 302


def _new_browser(client: FlaskClient) -> FlaskClient:
    return type(client)(client.application, client.response_wrapper, use_cookies=True)


def test_reauthentication_issues_a_new_session_id(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    session.refresh(user)
    before = client.get_cookie("__Host-session").value  # type: ignore[union-attr]
    assert _reauthenticate(client, user) == 302
    assert client.get_cookie("__Host-session").value != before  # type: ignore[union-attr]
    assert client.get("/compte").status_code == 200
    replay = _new_browser(client)
    replay.set_cookie("__Host-session", before)
    assert replay.get("/compte").status_code == 302  # the id seen before re-authentication is dead


def test_reauthenticated_user_replaces_app_and_recovery_codes_and_other_sessions_end(
    client: FlaskClient, session: Session
) -> None:
    user = make_user(session)
    old_codes = _replace_recovery_codes(user)
    session.commit()
    old_secret = user.totp_secret
    browser_b = _new_browser(client)
    with time_machine.travel(now() - timedelta(seconds=90)):  # its own TOTP step, well before
        login(browser_b, user)
    session.refresh(user)
    login(client, user)
    session.refresh(user)
    assert browser_b.get("/compte").status_code == 200
    assert _reauthenticate(client, user) == 302
    secret = _new_secret(client)
    # A TOTP step the re-authentication did not use; the clock stays there (signed cookies from the
    # future are refused).
    with time_machine.travel(now() + timedelta(seconds=60)):
        page = client.post(
            NEW_APP, data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(client, "/compte")}
        ).get_data(as_text=True)
        codes = re.findall(r"<code>((?:[A-Z2-9]{5}-){4}[A-Z2-9]{5})</code>", page)
        assert len(codes) == 10 and not set(codes) & set(old_codes)
        session.expire_all()
        user = session.get(User, user.id)  # type: ignore[assignment]
        assert user.totp_secret == secret != old_secret
        assert len(session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()) == 10
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "user.totp_replaced")).one()
        assert client.get(NEW_APP).status_code == 302  # the re-authentication served once
        assert client.get("/compte").status_code == 200
        assert browser_b.get("/compte").status_code == 302  # a thief's open session goes with the old app


def test_reauthentication_lasts_five_minutes(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    session.refresh(user)
    assert _reauthenticate(client, user) == 302
    with time_machine.travel(now() + timedelta(minutes=4)):
        assert client.get(NEW_APP).status_code == 200
    with time_machine.travel(now() + timedelta(minutes=6)):
        assert client.get(NEW_APP).status_code == 302

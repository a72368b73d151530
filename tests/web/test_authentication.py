"""Sign-in: passwords, TOTP, lock-out, rate limits and the first-login journey (ASVS 6.x)."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.clock import now
from cyberreponse.extensions import limiter
from cyberreponse.models import AuditEvent, RecoveryCode, User
from cyberreponse.services import accounts
from tests.conftest import csrf_token, login, totp_code
from tests.factories import PASSWORD, make_organisation, make_user

pytestmark = pytest.mark.db


def _post_login(client: FlaskClient, email: str, password: str) -> str:
    response = client.post(
        "/connexion",
        data={"email": email, "password": password, "csrf_token": csrf_token(client, "/connexion")},
    )
    return (
        response.headers.get("Location", "")
        if response.status_code == 302
        else response.get_data(as_text=True)
    )


def _post_code(client: FlaskClient, code: str) -> int:
    token = csrf_token(client, "/connexion/verification")
    return client.post("/connexion/verification", data={"code": code, "csrf_token": token}).status_code


def _reset_rate_limit(app: Flask) -> None:
    with app.app_context():
        limiter.reset()


def test_first_admin_journey_forces_new_password_then_totp_then_recovery_codes(
    client: FlaskClient, session: Session
) -> None:
    user, one_time = accounts.create_user(
        session, system_actor(), accounts.NewUser("chef@example.test", "admin")
    )
    assert one_time
    assert _post_login(client, "chef@example.test", one_time).endswith("/connexion/nouveau-mot-de-passe")
    assert client.get("/organisations").status_code == 302  # not signed in yet

    new_password = "Une phrase de passe bien à moi 2026"
    token = csrf_token(client, "/connexion/nouveau-mot-de-passe")
    response = client.post(
        "/connexion/nouveau-mot-de-passe",
        data={"password": new_password, "confirm": new_password, "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/connexion/double-authentification")

    page = client.get("/connexion/double-authentification").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)  # type: ignore[union-attr]
    token = csrf_token(client, "/connexion/double-authentification")
    response = client.post(
        "/connexion/double-authentification", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert response.headers["Location"].endswith("/connexion/codes-de-secours")
    codes_page = client.get("/connexion/codes-de-secours").get_data(as_text=True)
    codes = re.findall(r"<code>((?:[A-Z2-9]{5}-){4}[A-Z2-9]{5})</code>", codes_page)
    assert len(codes) == 10
    response = client.post(
        "/connexion/codes-de-secours", data={"csrf_token": csrf_token(client, "/connexion/codes-de-secours")}
    )
    assert response.status_code == 302
    assert client.get("/organisations").status_code == 200

    session.refresh(user)
    assert user.totp_enabled and not user.must_change_password
    stored = session.scalars(select(RecoveryCode.code_digest).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are stored


def test_wrong_password_gets_a_generic_message(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    page = _post_login(client, user.email, "not the password at all")
    assert "Adresse e-mail ou mot de passe incorrect" in page
    assert "Adresse e-mail ou mot de passe incorrect" in _post_login(
        client, "nobody@example.test", "whatever pass"
    )


def test_no_default_account_exists(client: FlaskClient) -> None:
    assert "incorrect" in _post_login(client, "admin", "admin")
    assert "incorrect" in _post_login(client, "admin@example.test", "admin")


def test_password_is_checked_unaltered(client: FlaskClient, session: Session) -> None:
    long_password = "Très longue phrase de passe " * 4  # 112 characters, well past bcrypt's 72 bytes
    user = make_user(session, password=long_password)
    session.commit()
    assert "incorrect" in _post_login(client, user.email, long_password[:-1] + "X")
    assert "incorrect" in _post_login(client, user.email, long_password.upper())
    assert _post_login(client, user.email, long_password).endswith("/connexion/verification")


def test_right_password_alone_does_not_sign_in_without_totp(client: FlaskClient, session: Session) -> None:
    organisation = make_organisation(session)
    member = make_user(session, "member", [organisation])
    session.commit()
    assert _post_login(client, member.email, PASSWORD).endswith("/connexion/verification")
    assert client.get("/espace").status_code == 302
    assert _post_code(client, "000000") == 200
    assert client.get("/espace").status_code == 302


def test_member_without_totp_must_enrol_before_reaching_their_space(
    client: FlaskClient, session: Session
) -> None:
    organisation = make_organisation(session)
    member = make_user(session, "member", [organisation], totp=False)
    session.commit()
    assert _post_login(client, member.email, PASSWORD).endswith("/connexion/double-authentification")
    assert client.get("/espace").status_code == 302


def test_accepted_totp_code_cannot_be_replayed(client: FlaskClient, session: Session, app: object) -> None:
    user = make_user(session)
    session.commit()
    code = totp_code(user)
    _post_login(client, user.email, PASSWORD)
    assert _post_code(client, code) == 302
    other = type(client)(client.application, client.response_wrapper, use_cookies=True)
    _post_login(other, user.email, PASSWORD)
    assert _post_code(other, code) == 200  # refused: shown again with an error


def test_code_two_steps_old_is_refused(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    assert user.totp_secret
    # At the start of a 30-second step, the code of two steps before is 60 to 90 seconds old.
    start = (int(now().timestamp()) // 30 + 1) * 30
    with time_machine.travel(start, tick=False):
        old_code = pyotp.TOTP(user.totp_secret).generate_otp(start // 30 - 2)
        near = {pyotp.TOTP(user.totp_secret).generate_otp(start // 30 + d) for d in (-1, 0, 1)}
        _post_login(client, user.email, PASSWORD)
        assert old_code not in near  # else this secret's codes collide (a one in 10^6 chance): no test
        assert _post_code(client, old_code) == 200  # refused: the form again, with its error
        assert _post_code(client, pyotp.TOTP(user.totp_secret).generate_otp(start // 30 - 1)) == 302


def test_recovery_codes_hold_at_least_112_random_bits_and_are_stored_as_hashes(session: Session) -> None:
    """ASVS 6.5.2: a plain hash suits lookup secrets of 112 bits or more; these have 125."""
    import math

    from cyberreponse.crypto import token_digest
    from cyberreponse.services.authentication import RECOVERY_ALPHABET, _replace_recovery_codes

    user = make_user(session)
    codes = _replace_recovery_codes(user)
    session.flush()
    assert len(set(codes)) == 10
    for code in codes:
        symbols = code.replace("-", "")
        assert set(symbols) <= set(RECOVERY_ALPHABET)
        assert len(symbols) * math.log2(len(RECOVERY_ALPHABET)) >= 112
    stored = {record.code_digest for record in user.recovery_codes}
    assert stored == {token_digest(code) for code in codes} and not stored & set(codes)


def test_recovery_code_works_once(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    from cyberreponse.services.authentication import _replace_recovery_codes

    codes = _replace_recovery_codes(user)
    session.commit()
    _post_login(client, user.email, PASSWORD)
    token = csrf_token(client, "/connexion/verification")
    assert (
        client.post(
            "/connexion/verification", data={"recovery_code": codes[0], "csrf_token": token}
        ).status_code
        == 302
    )
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    _post_login(client, user.email, PASSWORD)
    token = csrf_token(client, "/connexion/verification")
    assert (
        client.post(
            "/connexion/verification", data={"recovery_code": codes[0], "csrf_token": token}
        ).status_code
        == 200
    )


def test_repeated_failures_lock_the_account_until_the_cool_down_or_an_admin(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    user = make_user(session)
    admin = make_user(session, "admin")
    session.commit()
    for _ in range(10):
        _post_login(client, user.email, "wrong password here")
    _reset_rate_limit(app)  # the lock, not the per-address limit, is under test here
    session.refresh(user)
    assert user.locked_until is not None
    assert "incorrect" in _post_login(client, user.email, PASSWORD)  # even the right password is refused
    locks = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.locked")).all()
    assert len(locks) == 1

    with time_machine.travel(now() + timedelta(minutes=16)):
        assert _post_login(client, user.email, PASSWORD).endswith("/connexion/verification")

    for _ in range(10):
        _post_login(client, user.email, "wrong password here")
    _reset_rate_limit(app)
    accounts.unlock(session, accounts.actor_for(admin), user.public_id)
    assert _post_login(client, user.email, PASSWORD).endswith("/connexion/verification")


def test_guessing_from_one_address_is_rate_limited(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    statuses = []
    for _ in range(12):
        token = csrf_token(client, "/connexion")
        statuses.append(
            client.post(
                "/connexion", data={"email": user.email, "password": "x" * 12, "csrf_token": token}
            ).status_code
        )
    assert 429 in statuses
    assert statuses.index(429) == 10


def test_stored_hash_is_argon2id_with_tuned_cost(session: Session) -> None:
    user = make_user(session)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Court7!", "au moins 12"),
        ("azerty123456", "trop courant"),
        ("Motdepasse2024!", "trop courant"),
        ("aaaaaaaaaaaaaaaa", "trop courant"),
        ("1qaz2wsx3edc", "trop courant"),  # breached passwords (zxcvbn's list), not in our own
        ("leavemealone", "trop courant"),
        ("Liverpool2024!", "trop courant"),
    ],
)
def test_weak_passwords_are_refused_and_the_hash_is_unchanged(
    client: FlaskClient, session: Session, password: str, message: str
) -> None:
    user = make_user(session)
    session.commit()
    before = user.password_hash
    login(client, user)
    token = csrf_token(client, "/compte")
    response = client.post(
        "/compte/mot-de-passe",
        data={"current_password": PASSWORD, "password": password, "confirm": password, "csrf_token": token},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    session.refresh(user)
    assert user.password_hash == before


def test_hundred_character_password_is_accepted(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user)
    new = ("Cent caractères pour une phrase de passe vraiment longue " * 2)[:100]
    token = csrf_token(client, "/compte")
    response = client.post(
        "/compte/mot-de-passe",
        data={"current_password": PASSWORD, "password": new, "confirm": new, "csrf_token": token},
    )
    assert response.status_code == 302
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/compte")})
    assert _post_login(client, user.email, new).endswith("/connexion/verification")


def test_redirect_after_login_stays_on_this_site(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    session.commit()
    start = now()
    targets = ("https://evil.tld/", "//evil.tld", "javascript:alert(1)", "/\\evil.tld")
    for minute, target in enumerate(targets):
        # One sign-in a minute, so that each one has a fresh TOTP code.
        with time_machine.travel(start + timedelta(minutes=minute), tick=False):
            client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/")})
            token = csrf_token(client, "/connexion")
            client.post(
                f"/connexion?next={target}",
                data={"email": user.email, "password": PASSWORD, "csrf_token": token},
            )
            session.refresh(user)
            token = csrf_token(client, "/connexion/verification")
            response = client.post(
                "/connexion/verification", data={"code": totp_code(user), "csrf_token": token}
            )
            assert response.headers["Location"] == "/tableau-de-bord"  # staff land on the overview


def test_failed_totp_is_logged_with_time_user_and_address(
    client: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user(session)
    session.commit()
    _post_login(client, user.email, PASSWORD)
    with caplog.at_level("WARNING"):
        _post_code(client, "123456" if totp_code(user) != "123456" else "654321")
    record = next(r for r in caplog.records if r.getMessage() == "totp.failed")
    assert record.user == user.public_id  # type: ignore[attr-defined]
    assert record.ip == "127.0.0.1"  # type: ignore[attr-defined]
    assert PASSWORD not in caplog.text


def test_user_lookup_is_case_insensitive(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="analyste@example.test")
    session.commit()
    assert _post_login(client, "Analyste@Example.TEST", PASSWORD).endswith("/connexion/verification")
    assert session.scalars(select(User).where(User.id == user.id)).one().failed_logins == 0


def test_lost_device_reset_still_needs_the_password_and_a_new_totp_before_anything_else(
    client: FlaskClient, session: Session
) -> None:
    """ASVS 6.4.3, 6.4.4: the only way round a lost TOTP device is an administrator's reset, after
    which the person proves their password and enrols a new app before reaching any page."""
    user = make_user(session)
    admin = make_user(session, "admin")
    session.commit()
    accounts.admin_reset_totp(session, accounts.actor_for(admin), user.public_id)
    assert "incorrect" in _post_login(client, user.email, "pas le bon mot de passe")
    assert _post_login(client, user.email, PASSWORD).endswith("/connexion/double-authentification")
    for page in ("/organisations", "/compte", "/connexion/nouveau-mot-de-passe"):
        assert client.get(page).status_code == 302
    assert client.get("/connexion/verification").headers["Location"].endswith("/connexion")

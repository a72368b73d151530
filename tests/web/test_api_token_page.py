"""`/compte/jetons`: a user creates (password + TOTP again), lists and revokes their own tokens."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.crypto import token_digest
from cyberreponse.errors import Forbidden
from cyberreponse.models import ApiToken, AuditEvent, User
from cyberreponse.services import api_tokens
from cyberreponse.services.accounts import actor_for
from tests.conftest import csrf_token, login, totp_code
from tests.factories import PASSWORD, make_organisation, make_user
from tests.web.conftest import POLICY, bearer

pytestmark = pytest.mark.db

PAGE = "/compte/jetons"


def token_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.user_id == user.id)) or 0


def fresh_code(session: Session, user: User) -> str:
    """A TOTP code not used yet: the sign-in just used one, in the app's own session."""
    session.refresh(user)
    return totp_code(user)


def create(client: FlaskClient, **fields: str) -> tuple[int, str]:
    data = {"name": "Export MISP", "days": "30", "csrf_token": csrf_token(client, PAGE), **fields}
    response = client.post(PAGE, data=data)
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def member(session: Session) -> User:
    return make_user(session, "member", [make_organisation(session)])


def test_password_and_totp_create_a_token_shown_once(
    client: FlaskClient, session: Session, member: User
) -> None:
    login(client, member)
    status, page = create(client, password=PASSWORD, code=fresh_code(session, member))
    assert status == 200
    match = re.search(r'<code class="secret">([A-Za-z0-9_-]{43})</code>', page)
    assert match, page
    secret = match.group(1)
    stored = session.scalars(select(ApiToken).where(ApiToken.user_id == member.id)).one()
    assert stored.token_digest == token_digest(secret)
    assert secret not in str(vars(stored))
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Export MISP" in listing and secret not in listing
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.create")).one()
    assert secret not in str(audit.details)


def test_password_only_is_refused_with_401(client: FlaskClient, session: Session, member: User) -> None:
    login(client, member)
    status, page = create(client, password=PASSWORD, code="")
    assert status == 401
    assert "aucun jeton créé" in page
    assert token_count(session, member) == 0


def test_wrong_password_with_a_valid_code_is_refused(
    client: FlaskClient, session: Session, member: User
) -> None:
    login(client, member)
    status, _page = create(client, password="not the password", code=fresh_code(session, member))
    assert status == 401
    assert token_count(session, member) == 0


def test_a_reused_totp_code_is_refused(client: FlaskClient, session: Session, member: User) -> None:
    login(client, member)
    code = fresh_code(session, member)
    assert create(client, password=PASSWORD, code=code)[0] == 200
    assert create(client, password=PASSWORD, code=code)[0] == 401
    assert token_count(session, member) == 1


@pytest.mark.parametrize(("days", "message"), [("0", "de 1 à 365"), ("366", "de 1 à 365"), ("abc", "durée")])
def test_bad_lifetime_is_refused(
    client: FlaskClient, session: Session, member: User, days: str, message: str
) -> None:
    login(client, member)
    status, page = create(client, password=PASSWORD, code=fresh_code(session, member), days=days)
    assert status == 400
    assert message in page
    assert token_count(session, member) == 0


def test_form_without_csrf_token_is_refused(client: FlaskClient, session: Session, member: User) -> None:
    login(client, member)
    response = client.post(
        PAGE, data={"name": "x", "days": "30", "password": PASSWORD, "code": totp_code(member)}
    )
    assert response.status_code == 400
    assert token_count(session, member) == 0


def test_user_revokes_their_token(client: FlaskClient, session: Session, member: User) -> None:
    _token, secret = api_tokens.issue_token(session, actor_for(member), member, "outil", 30, POLICY)
    login(client, member)
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == member.id)).one()
    response = client.post(
        f"{PAGE}/{token.public_id}/revocation", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 401


def test_user_cannot_revoke_someone_elses_token(client: FlaskClient, session: Session, member: User) -> None:
    other = make_user(session, "analyst")
    _token, secret = api_tokens.issue_token(session, actor_for(other), other, "outil", 30, POLICY)
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == other.id)).one()
    login(client, member)
    response = client.post(
        f"{PAGE}/{token.public_id}/revocation", data={"csrf_token": csrf_token(client, PAGE)}
    )
    assert response.status_code == 404
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200


def test_the_page_needs_a_signed_in_user(client: FlaskClient) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/connexion" in response.headers["Location"]


def test_an_account_without_totp_cannot_issue_its_own_token(session: Session) -> None:
    user = make_user(session, "member", [make_organisation(session)], totp=False)
    with pytest.raises(Forbidden):
        api_tokens.issue_own_token(
            session,
            actor_for(user),
            user,
            password=PASSWORD,
            totp_code="123456",
            name="x",
            days=30,
            policy=POLICY,
        )
    assert token_count(session, user) == 0

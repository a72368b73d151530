"""`/api/v1/organisations`: the authorisation matrix, minimal output and strict bodies."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.models import Asset, AuditEvent, Organisation
from tests.factories import make_asset, make_organisation, make_user
from tests.web.conftest import bearer, issue

pytestmark = pytest.mark.db

ORGS = "/api/v1/organisations"
FORBIDDEN_KEYS = {
    "id",
    "organisation_id",
    "user_id",
    "parent_id",
    "password_hash",
    "totp_secret",
    "token_digest",
}


@pytest.fixture
def two_communes(session: Session) -> tuple[Organisation, Organisation]:
    a = make_organisation(session, "Commune A")
    b = make_organisation(session, "Commune B")
    make_asset(session, a, "mairie-a.test")
    make_asset(session, b, "mairie-b.test")
    return a, b


def keys_of(data: Any) -> set[str]:
    if isinstance(data, dict):
        return set(data) | {k for v in data.values() for k in keys_of(v)}
    if isinstance(data, list):
        return {k for item in data for k in keys_of(item)}
    return set()


# --- the authorisation matrix ------------------------------------------------------------


def test_member_token_lists_only_its_own_organisation(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "member", [a]))
    body = client.get(ORGS, headers=bearer(secret)).get_json()
    assert [o["siren"] for o in body["items"]] == [a.siren]
    assert body["total"] == 1


@pytest.mark.parametrize("suffix", ["", "/assets"])
def test_member_token_never_reaches_another_organisation(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation], suffix: str
) -> None:
    a, b = two_communes
    secret = issue(session, make_user(session, "member", [a]))
    assert client.get(f"{ORGS}/{a.siren}{suffix}", headers=bearer(secret)).status_code == 200
    response = client.get(f"{ORGS}/{b.siren}{suffix}", headers=bearer(secret))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert b.name not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_staff_token_reaches_every_organisation(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation], role: str
) -> None:
    a, b = two_communes
    secret = issue(session, make_user(session, role))
    sirens = {o["siren"] for o in client.get(ORGS, headers=bearer(secret)).get_json()["items"]}
    assert {a.siren, b.siren} <= sirens
    assets = client.get(f"{ORGS}/{b.siren}/assets", headers=bearer(secret)).get_json()
    assert [x["value"] for x in assets["items"]] == ["mairie-b.test"]


def test_member_token_cannot_add_an_asset_even_to_its_own_organisation(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "member", [a]))
    response = client.post(
        f"{ORGS}/{a.siren}/assets", json={"kind": "domain", "value": "new.test"}, headers=bearer(secret)
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert session.scalars(select(Asset).where(Asset.value == "new.test")).first() is None


def test_member_token_cannot_delete_an_asset(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "member", [a]))
    response = client.delete(f"{ORGS}/{a.siren}/assets/domain/mairie-a.test", headers=bearer(secret))
    assert response.status_code == 403
    assert session.scalars(select(Asset).where(Asset.value == "mairie-a.test")).first() is not None


def test_token_follows_the_users_current_rights(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, b = two_communes
    member = make_user(session, "member", [a])
    secret = issue(session, member)
    member.organisations = [b]
    session.commit()
    assert client.get(f"{ORGS}/{a.siren}", headers=bearer(secret)).status_code == 404
    assert client.get(f"{ORGS}/{b.siren}", headers=bearer(secret)).status_code == 200


# --- output -----------------------------------------------------------------------------


def test_organisation_output_is_minimal(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "analyst"))
    for path in (ORGS, f"{ORGS}/{a.siren}", f"{ORGS}/{a.siren}/assets"):
        data = client.get(path, headers=bearer(secret)).get_json()
        assert not keys_of(data) & FORBIDDEN_KEYS, path
    one = client.get(f"{ORGS}/{a.siren}", headers=bearer(secret)).get_json()
    assert one == {
        "siren": a.siren,
        "name": "Commune A",
        "kind": "commune",
        "nis2_status": "unknown",
        "insee_code": None,
        "population": None,
        "parent_siren": None,
        "active": True,
        "scan_consent": False,
        "scan_consent_at": None,
    }


def test_pagination(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    secret = issue(session, make_user(session, "analyst"))
    first = client.get(f"{ORGS}?per_page=1&page=1", headers=bearer(secret)).get_json()
    second = client.get(f"{ORGS}?per_page=1&page=2", headers=bearer(secret)).get_json()
    assert (first["per_page"], first["pages"], len(first["items"])) == (1, first["total"], 1)
    assert first["items"] != second["items"]


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=0", "per_page=1000", "kind=planet"])
def test_bad_query_parameters_get_400_naming_the_parameter(
    client: FlaskClient, session: Session, query: str
) -> None:
    secret = issue(session, make_user(session, "analyst"))
    response = client.get(f"{ORGS}?{query}", headers=bearer(secret))
    assert response.status_code == 400
    assert query.split("=")[0] in response.get_json()["error"]["fields"]


# --- writes by staff --------------------------------------------------------------------


def test_analyst_adds_an_asset(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "analyst"))
    response = client.post(
        f"{ORGS}/{a.siren}/assets", json={"kind": "domain", "value": "Écoles-A.TEST."}, headers=bearer(secret)
    )
    assert response.status_code == 201
    assert response.get_json()["value"] == "xn--coles-a-9xa.test"
    assert (
        session.scalars(select(Asset).where(Asset.value == "xn--coles-a-9xa.test")).one().organisation_id
        == a.id
    )
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "asset.add")).one()
    assert event.object_id == a.siren


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "domain", "value": "x.test", "organisation_id": 2}, "organisation_id"),
        ({"kind": "domain", "value": "x.test", "scan_enabled": False}, "scan_enabled"),
        ({"kind": "domain"}, "value"),
        ({"kind": "planet", "value": "x.test"}, "kind"),
        ({"kind": "domain", "value": 42}, "value"),
        ({"kind": "domain", "value": "not a domain"}, "value"),
    ],
)
def test_bad_asset_body_gets_400_and_stores_nothing(
    client: FlaskClient,
    session: Session,
    two_communes: tuple[Organisation, Organisation],
    body: dict[str, Any],
    field: str,
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "analyst"))
    response = client.post(f"{ORGS}/{a.siren}/assets", json=body, headers=bearer(secret))
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    assert [x.value for x in session.scalars(select(Asset).where(Asset.organisation_id == a.id))] == [
        "mairie-a.test"
    ]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ("kind=domain", "application/x-www-form-urlencoded"),
    ],
)
def test_non_object_body_gets_400(
    client: FlaskClient,
    session: Session,
    two_communes: tuple[Organisation, Organisation],
    data: str,
    content_type: str,
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "analyst"))
    response = client.post(
        f"{ORGS}/{a.siren}/assets", data=data, content_type=content_type, headers=bearer(secret)
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid"


def test_asset_of_another_member_gets_409(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "analyst"))
    response = client.post(
        f"{ORGS}/{a.siren}/assets", json={"kind": "domain", "value": "mairie-b.test"}, headers=bearer(secret)
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_analyst_removes_an_asset_including_a_network_with_a_slash(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation]
) -> None:
    a, _b = two_communes
    make_asset(session, a, "192.0.2.0/28", kind="cidr")
    secret = issue(session, make_user(session, "analyst"))
    assert (
        client.delete(f"{ORGS}/{a.siren}/assets/domain/MAIRIE-A.test", headers=bearer(secret)).status_code
        == 204
    )
    response = client.delete(f"{ORGS}/{a.siren}/assets/cidr/192.0.2.0/28", headers=bearer(secret))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert session.scalars(select(Asset).where(Asset.organisation_id == a.id)).all() == []


@pytest.mark.parametrize("path", ["domain/absent.test", "planet/x", "ip/not-an-ip"])
def test_removing_an_unknown_asset_gets_404(
    client: FlaskClient, session: Session, two_communes: tuple[Organisation, Organisation], path: str
) -> None:
    a, _b = two_communes
    secret = issue(session, make_user(session, "analyst"))
    assert client.delete(f"{ORGS}/{a.siren}/assets/{path}", headers=bearer(secret)).status_code == 404


def test_undeclared_query_parameter_gets_400(client: FlaskClient, session: Session) -> None:
    secret = issue(session, make_user(session, "analyst"))
    response = client.get(f"{ORGS}?kinds=commune", headers=bearer(secret))
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"kinds": "Paramètre inconnu."}

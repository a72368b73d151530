"""Pages for staff to manage members: list, search, create, edit, import, assets, consent."""

from __future__ import annotations

import html
import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.models import Asset, AuditEvent, Organisation, User
from tests.conftest import csrf_token, login
from tests.factories import make_organisation, make_user, valid_siren

pytestmark = pytest.mark.db


@pytest.fixture
def analyst_client(client: FlaskClient, session: Session) -> FlaskClient:
    analyst = make_user(session, "analyst")
    session.commit()
    login(client, analyst)
    return client


def _text(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_create_organisation_through_the_form(analyst_client: FlaskClient, session: Session) -> None:
    siren = valid_siren()
    token = csrf_token(analyst_client, "/organisations/nouvelle")
    response = analyst_client.post(
        "/organisations/nouvelle",
        data={
            "name": "Commune de Saint-Test",
            "siren": siren,
            "kind": "commune",
            "nis2_status": "important",
            "insee_code": "37261",
            "population": "1 250",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/organisations/{siren}"
    page = _text(analyst_client.get(f"/organisations/{siren}"))
    assert "Commune de Saint-Test" in page and "Entité importante" in page and "1250" in page


def test_invalid_form_is_shown_again_with_values_and_french_messages(
    analyst_client: FlaskClient, session: Session
) -> None:
    token = csrf_token(analyst_client, "/organisations/nouvelle")
    response = analyst_client.post(
        "/organisations/nouvelle",
        data={
            "name": "Commune <script>alert(1)</script>",
            "siren": "123456789",
            "kind": "commune",
            "nis2_status": "unknown",
            "csrf_token": token,
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "clé de contrôle incorrecte" in html.unescape(page)
    assert 'value="123456789"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_search_by_name_siren_or_insee_code(analyst_client: FlaskClient, session: Session) -> None:
    make_organisation(session, "Commune de Montlouis", insee_code="37156")
    make_organisation(session, "Syndicat des Eaux", kind="syndicat")
    session.commit()
    page = _text(analyst_client.get("/organisations?q=montl"))
    assert "Commune de Montlouis" in page and "Syndicat des Eaux" not in page
    assert "Commune de Montlouis" in _text(analyst_client.get("/organisations?q=37156"))
    page = _text(analyst_client.get("/organisations?kind=syndicat"))
    assert "Syndicat des Eaux" in page and "Montlouis" not in page


def test_edit_keeps_the_siren_unique(analyst_client: FlaskClient, session: Session) -> None:
    first = make_organisation(session, "Première")
    second = make_organisation(session, "Seconde")
    session.commit()
    path = f"/organisations/{second.siren}/modifier"
    response = analyst_client.post(
        path,
        data={
            "name": "Seconde",
            "siren": first.siren,
            "kind": "commune",
            "nis2_status": "unknown",
            "csrf_token": csrf_token(analyst_client, path),
        },
    )
    assert response.status_code == 400 and "Un membre porte déjà ce SIREN" in _text(response)


def test_import_page_lists_every_bad_line_and_writes_nothing(
    analyst_client: FlaskClient, session: Session
) -> None:
    data = (
        f"siren,name,kind,parent_siren,nis2_status,domains\n{valid_siren()},Bonne,commune,,unknown,bon.test\n"
        "999999999,Mauvaise,commune,,unknown,\n"
    ).encode()
    token = csrf_token(analyst_client, "/organisations/import")
    response = analyst_client.post(
        "/organisations/import",
        data={"file": (io.BytesIO(data), "membres.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = _text(response)
    assert "Ligne 3" in page and "rien n'a été enregistré" in page
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_import_page_accepts_a_good_file(analyst_client: FlaskClient, session: Session) -> None:
    data = (
        f"siren,name,kind,parent_siren,nis2_status,domains\n{valid_siren()},Bonne,commune,,unknown,bon.test\n"
    )
    token = csrf_token(analyst_client, "/organisations/import")
    response = analyst_client.post(
        "/organisations/import",
        data={"file": (io.BytesIO(data.encode()), "membres.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(Asset)) == 1


def test_assets_and_consent_from_the_organisation_page(analyst_client: FlaskClient, session: Session) -> None:
    organisation = make_organisation(session)
    session.commit()
    page = f"/organisations/{organisation.siren}"
    response = analyst_client.post(
        f"{page}/actifs",
        data={"kind": "domain", "value": "Mairie.TEST.", "csrf_token": csrf_token(analyst_client, page)},
    )
    assert response.status_code == 302
    response = analyst_client.post(
        f"{page}/actifs",
        data={"kind": "domain", "value": "pas un domaine", "csrf_token": csrf_token(analyst_client, page)},
    )
    assert response.status_code == 400 and "Nom de domaine invalide" in _text(response)
    response = analyst_client.post(
        f"{page}/consentement",
        data={"given_by": "Jean Martin, maire", "csrf_token": csrf_token(analyst_client, page)},
    )
    assert response.status_code == 302
    shown = _text(analyst_client.get(page))
    assert "mairie.test" in shown and "Accordé par Jean Martin, maire" in shown
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["asset.add", "organisation.consent_given"]


def test_member_sees_their_organisation_read_only(client: FlaskClient, session: Session) -> None:
    organisation = make_organisation(session, "Commune du RSSI")
    member = make_user(session, "member", [organisation])
    session.commit()
    login(client, member)
    page = _text(client.get(f"/organisations/{organisation.siren}"))
    assert "Commune du RSSI" in page and "Modifier" not in page
    assert client.get("/organisations").status_code == 403
    response = client.post(
        f"/organisations/{organisation.siren}/actifs",
        data={"kind": "domain", "value": "x.test", "csrf_token": csrf_token(client, "/espace")},
    )
    assert response.status_code == 403


def test_admin_creates_an_account_with_a_one_time_password(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, "admin")
    organisation = make_organisation(session)
    session.commit()
    login(client, admin)
    token = csrf_token(client, "/admin/utilisateurs/nouveau")
    response = client.post(
        "/admin/utilisateurs/nouveau",
        data={
            "email": "rssi@commune.test",
            "name": "Rita SSI",
            "role": "member",
            "organisations": organisation.siren,
            "csrf_token": token,
        },
    )
    assert response.status_code == 200 and "Mot de passe provisoire" in _text(response)
    user = session.scalars(select(User).where(User.email == "rssi@commune.test")).one()
    assert user.must_change_password and [o.siren for o in user.organisations] == [organisation.siren]


@pytest.mark.parametrize("path", ["/admin/utilisateurs", "/admin/utilisateurs/nouveau", "/admin/journal"])
def test_analyst_is_refused_administration_pages(analyst_client: FlaskClient, path: str) -> None:
    assert analyst_client.get(path).status_code == 403
    assert analyst_client.post(
        path, data={"csrf_token": csrf_token(analyst_client, "/compte")}
    ).status_code in (403, 405)


def test_admin_sees_the_audit_log_and_its_integrity(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, "admin")
    session.commit()
    login(client, admin)
    page = _text(client.get("/admin/journal?verifier=1"))
    assert "user.login" in page and "Chaîne intègre" in page

"""`/playbooks`: read-only pages for the CSIRT team."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.actors import system_actor
from cyberreponse.config import PROJECT_ROOT, Settings
from cyberreponse.db import Database
from cyberreponse.services.playbook_catalogue import load_catalogue
from cyberreponse.services.playbooks import sync_playbooks
from tests.conftest import login
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.db


def test_staff_sees_the_list_of_playbooks(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, "analyst"))
    page = client.get("/playbooks").get_data(as_text=True)
    assert "Rançongiciel (fichiers chiffrés, demande de rançon)" in page
    assert "Fraude au faux RIB ou au faux ordre de virement" in page
    assert "Changement de RIB / demande de virement" in page  # situations in plain French


def test_a_member_cannot_see_the_playbook_pages(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, "member", [make_organisation(session)]))
    assert client.get("/playbooks").status_code == 403
    assert client.get("/playbooks/ransomware").status_code == 403


def test_playbook_page_shows_steps_by_phase_with_who_and_when(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, "analyst"))
    response = client.get("/playbooks/personal-data-breach")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index("Qualification") < page.index("Endiguement") < page.index("Après l'incident")
    assert "Notifier la CNIL dans les 72 heures" in page
    assert "sous 72 h" in page
    assert "Notification à la CNIL (72 h)" in page
    link = "https://www.cnil.fr/fr/notifier-une-violation-de-donnees-personnelles"
    assert f'<a href="{link}" rel="noopener noreferrer nofollow">' in page


def test_unknown_playbook_gets_404(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, "analyst"))
    assert client.get("/playbooks/no-such-playbook").status_code == 404


def test_stored_versions_are_listed(client: FlaskClient, session: Session) -> None:
    playbook = load_catalogue(PROJECT_ROOT / "playbooks").get("ransomware")
    assert playbook is not None
    login(client, make_user(session, "analyst"))
    assert "pas encore enregistré" in client.get("/playbooks/ransomware").get_data(as_text=True)
    sync_playbooks(session, system_actor("test"), (playbook,))
    page = client.get("/playbooks/ransomware").get_data(as_text=True)
    assert playbook.content_hash[:12] in page
    assert "pas encore enregistré" not in page


def test_broken_files_are_reported_and_valid_ones_still_listed(
    settings: Settings, db: Database, session: Session, tmp_path: Path
) -> None:
    shutil.copy(PROJECT_ROOT / "playbooks" / "ransomware.toml", tmp_path)
    (tmp_path / "broken.toml").write_text('id = "broken"\nversion = "un"\n', "utf-8")
    app = create_app(settings=settings.with_overrides({"playbooks.directory": str(tmp_path)}), database=db)
    client = app.test_client()
    login(client, make_user(session, "analyst"))
    response = client.get("/playbooks")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "broken.toml: version: expected an integer, found text" in page
    assert "Rançongiciel" in page

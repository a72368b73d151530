"""Stored playbook versions: sync is idempotent, a changed file adds a version, old ones never change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.config import PROJECT_ROOT
from cyberreponse.errors import Forbidden
from cyberreponse.models import AuditEvent, PlaybookVersion
from cyberreponse.services.accounts import actor_for
from cyberreponse.services.playbook_catalogue import load_catalogue
from cyberreponse.services.playbooks import current_catalogue, playbook_of, sync_playbooks, versions_of
from tests.factories import make_organisation, make_user

pytestmark = pytest.mark.db

CLI = system_actor("test")


def stored_rows(session: Session) -> list[tuple[str, int, str, dict[str, object], object]]:
    rows = session.scalars(select(PlaybookVersion).order_by(PlaybookVersion.id)).all()
    return [(r.playbook_id, r.version, r.content_hash, r.definition, r.synced_at) for r in rows]


def copy_of_shipped(tmp_path: Path) -> Path:
    folder = tmp_path / "playbooks"
    shutil.copytree(PROJECT_ROOT / "playbooks", folder)
    return folder


def test_sync_stores_every_playbook_once(session: Session, tmp_path: Path) -> None:
    catalogue = load_catalogue(copy_of_shipped(tmp_path))
    report = sync_playbooks(session, CLI, catalogue.playbooks)
    assert len(report.stored) == len(catalogue.playbooks)
    again = sync_playbooks(session, CLI, catalogue.playbooks)
    assert again.stored == []
    assert sorted(again.unchanged) == sorted(p.id for p in catalogue.playbooks)
    assert session.scalar(select(func.count()).select_from(PlaybookVersion)) == len(catalogue.playbooks)


def test_changed_file_adds_a_version_and_leaves_the_old_one_untouched(
    session: Session, tmp_path: Path
) -> None:
    folder = copy_of_shipped(tmp_path)
    sync_playbooks(session, CLI, load_catalogue(folder).playbooks)
    before = stored_rows(session)
    path = folder / "payment-fraud.toml"
    path.write_text(
        path.read_text("utf-8")
        .replace("version = 1", "version = 2")
        .replace("Appeler tout de suite", "Appeler sans attendre"),
        "utf-8",
    )
    report = sync_playbooks(session, CLI, load_catalogue(folder).playbooks)
    assert [(v.playbook_id, v.version) for v in report.stored] == [("payment-fraud", 2)]
    assert report.version_not_raised == []
    session.expire_all()
    assert stored_rows(session)[: len(before)] == before
    versions = versions_of(session, "payment-fraud")
    assert [v.version for v in versions] == [2, 1]
    old = playbook_of(versions[1])
    assert old.steps[0].title.startswith("Appeler tout de suite")
    assert playbook_of(versions[0]).steps[0].title.startswith("Appeler sans attendre")


def test_content_change_without_a_new_version_number_is_flagged(session: Session, tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    sync_playbooks(session, CLI, load_catalogue(folder).playbooks)
    path = folder / "phishing-campaign.toml"
    path.write_text(path.read_text("utf-8").replace("33700", "33 700"), "utf-8")
    report = sync_playbooks(session, CLI, load_catalogue(folder).playbooks)
    assert report.version_not_raised == ["phishing-campaign"]
    assert len(versions_of(session, "phishing-campaign")) == 2


def test_stored_definition_reads_back_as_the_same_playbook(session: Session) -> None:
    playbook = load_catalogue(PROJECT_ROOT / "playbooks").get("ransomware")
    assert playbook is not None
    report = sync_playbooks(session, CLI, (playbook,))
    again = playbook_of(report.stored[0])
    assert again.content_hash == playbook.content_hash == report.stored[0].content_hash
    assert again.steps == playbook.steps


def test_each_stored_version_is_audited(session: Session) -> None:
    playbook = load_catalogue(PROJECT_ROOT / "playbooks").get("ransomware")
    assert playbook is not None
    sync_playbooks(session, CLI, (playbook,))
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "playbook.version_stored")).one()
    assert (event.object_id, event.details["content_hash"]) == ("ransomware", playbook.content_hash)


def test_a_member_cannot_sync(session: Session) -> None:
    member = make_user(session, "member", [make_organisation(session)])
    with pytest.raises(Forbidden):
        sync_playbooks(session, actor_for(member), load_catalogue(PROJECT_ROOT / "playbooks").playbooks)
    assert session.scalar(select(func.count()).select_from(PlaybookVersion)) == 0


def test_current_catalogue_rereads_a_file_that_changed(tmp_path: Path) -> None:
    folder = copy_of_shipped(tmp_path)
    first = current_catalogue(folder)
    assert current_catalogue(folder) is first  # nothing changed: cached
    path = folder / "first-response.toml"
    path.write_text(path.read_text("utf-8").replace("version = 1", "version = 3"), "utf-8")
    changed = current_catalogue(folder).catalogue.get("first-response")
    assert changed is not None and changed.version == 3

"""Playbook versions in the database, and the catalogue the application reads from `playbooks/`.

The files are the source people edit; `cyberreponse playbooks sync` (and, later, starting a
checklist) stores each new content as a `PlaybookVersion` keyed by its hash. Stored versions are
never changed: a checklist started on one keeps its steps whatever happens to the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.config import PROJECT_ROOT, Settings
from cyberreponse.logs import log_event
from cyberreponse.models import PlaybookVersion
from cyberreponse.services.playbook_catalogue import (
    CatalogueReport,
    Playbook,
    parse_playbook,
    read_catalogue,
)
from cyberreponse.services.scoping import require_staff

logger = logging.getLogger(__name__)


def playbooks_directory(settings: Settings) -> Path:
    """`playbooks.directory`; a relative path is taken from the project's root."""
    configured = Path(settings.get_str("playbooks.directory"))
    return configured if configured.is_absolute() else PROJECT_ROOT / configured


@dataclass(frozen=True)
class _CachedCatalogue:
    signature: tuple[tuple[str, int, int], ...]
    report: CatalogueReport


_cache: dict[Path, _CachedCatalogue] = {}


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    entries = []
    for path in sorted(directory.rglob("*.toml")) if directory.is_dir() else []:
        stat = path.stat()
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)


def current_catalogue(directory: Path) -> CatalogueReport:
    """The playbooks as the files say now, re-read only when a file changed (cheap to call per
    request). Broken files are reported, and the valid ones stay usable."""
    signature = _signature(directory)
    cached = _cache.get(directory)
    if cached is not None and cached.signature == signature:
        return cached.report
    report = read_catalogue(directory)
    for error in report.errors:
        log_event(logger, "playbook.invalid", level=logging.WARNING, file=error.path, key=error.key)
    _cache[directory] = _CachedCatalogue(signature, report)
    return report


def find_version(session: Session, content_hash: str) -> PlaybookVersion | None:
    return session.scalars(
        select(PlaybookVersion).where(PlaybookVersion.content_hash == content_hash)
    ).first()


def versions_of(session: Session, playbook_id: str) -> list[PlaybookVersion]:
    """Stored versions of one playbook, newest first."""
    return list(
        session.scalars(
            select(PlaybookVersion)
            .where(PlaybookVersion.playbook_id == playbook_id)
            .order_by(PlaybookVersion.synced_at.desc(), PlaybookVersion.id.desc())
        )
    )


def playbook_of(version: PlaybookVersion) -> Playbook:
    """The playbook exactly as stored (validated again: a stored row is data like any other)."""
    return parse_playbook(f"playbook_version:{version.content_hash[:12]}", version.definition)


def store_version(session: Session, actor: Actor, playbook: Playbook) -> tuple[PlaybookVersion, bool]:
    """The stored version for this content, written if new; return it and whether it was new.

    The caller commits (sync stores a whole directory in one transaction)."""
    content_hash = playbook.content_hash
    existing = find_version(session, content_hash)
    if existing is not None:
        return existing, False
    version = PlaybookVersion(
        playbook_id=playbook.id,
        version=playbook.version,
        content_hash=content_hash,
        definition=playbook.to_definition(),
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        actor,
        "playbook.version_stored",
        "playbook",
        playbook.id,
        {"version": playbook.version, "content_hash": content_hash},
    )
    return version, True


@dataclass
class SyncReport:
    stored: list[PlaybookVersion] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Content changed but the `version` number was already used for other content.
    version_not_raised: list[str] = field(default_factory=list)


def sync_playbooks(session: Session, actor: Actor, playbooks: tuple[Playbook, ...]) -> SyncReport:
    """Store every playbook whose content is not stored yet; never touch stored versions."""
    require_staff(actor)
    report = SyncReport()
    for playbook in playbooks:
        numbers_used = {v.version for v in versions_of(session, playbook.id)}
        version, new = store_version(session, actor, playbook)
        if not new:
            report.unchanged.append(playbook.id)
            continue
        report.stored.append(version)
        if playbook.version in numbers_used:
            report.version_not_raised.append(playbook.id)
    session.commit()
    return report

"""Stored playbook versions: the exact definition a checklist was started from.

A row is written once and never changed: editing a playbook file makes a new row (a new content
hash), so a checklist started on an older version keeps reading the steps it was started with.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cyberreponse.clock import now
from cyberreponse.models.base import Base, UTCDateTime


class PlaybookVersion(Base):
    __tablename__ = "playbook_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    playbook_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    # SHA-256 of the canonical JSON of `definition`: the key of a version.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

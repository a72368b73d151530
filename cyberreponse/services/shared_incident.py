"""What of an incident leaves CybeRéponse in a sharing export (MISP, STIX), as plain values.

Only what is meant to be shared: the reference, the title, the classification, the handling
markings (TLP, PAP), the dates and the observables not marked internal. The reporter's
description and contact details, comments, attachments and the victim organisation never go into
an export: the title is what the analyst writes for others to read.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cyberreponse.clock import as_utc
from cyberreponse.config import Settings
from cyberreponse.models import Incident

# Fixed namespace for the identifiers of exported objects: the same incident exported twice gives
# the same MISP event and STIX objects, so a receiving platform updates rather than duplicates.
EXPORT_NAMESPACE = uuid.UUID("5b0e7c1e-3f2a-5d6b-9a41-6c7265706f6e")


@dataclass(frozen=True)
class Producer:
    """Who exports: the CSIRT, named as in the configuration."""

    name: str
    base_url: str

    @classmethod
    def from_settings(cls, settings: Settings) -> Producer:
        return cls(settings.get_str("app.csirt_name"), settings.get_str("app.base_url").rstrip("/"))

    def uuid_for(self, *parts: str) -> uuid.UUID:
        """A stable identifier for an exported object of this deployment."""
        return uuid.uuid5(EXPORT_NAMESPACE, "/".join((self.base_url, *parts)))


@dataclass(frozen=True)
class SharedObservable:
    kind: str
    value: str
    created_at: datetime


@dataclass(frozen=True)
class SharedIncident:
    reference: str
    title: str
    status: str
    severity: str | None
    tlp: str
    pap: str
    rsit_class: str | None
    rsit_type: str | None
    reported_at: datetime
    updated_at: datetime
    observables: tuple[SharedObservable, ...]

    @classmethod
    def of(cls, incident: Incident) -> SharedIncident:
        return cls(
            reference=incident.reference,
            title=incident.title,
            status=incident.status,
            severity=incident.severity,
            tlp=incident.tlp,
            pap=incident.pap,
            rsit_class=incident.rsit_class,
            rsit_type=incident.rsit_type,
            reported_at=as_utc(incident.reported_at),
            updated_at=max(as_utc(incident.updated_at), as_utc(incident.reported_at)),
            observables=tuple(
                SharedObservable(o.kind, o.value, as_utc(o.created_at))
                for o in incident.observables
                if not o.internal
            ),
        )

    @property
    def rsit_tag(self) -> str | None:
        """The RSIT classification as a machine tag of MISP's `rsit` taxonomy."""
        if not self.rsit_class:
            return None
        return f'rsit:{self.rsit_class}="{self.rsit_type}"' if self.rsit_type else f"rsit:{self.rsit_class}"

    @property
    def tlp_tag(self) -> str:
        return f"tlp:{self.tlp.lower()}"

    @property
    def pap_tag(self) -> str:
        return f"PAP:{self.pap}"

    @property
    def labels(self) -> list[str]:
        """Classification and handling as tags, shared by the MISP and STIX exports."""
        tags = [self.tlp_tag, self.pap_tag]
        if self.rsit_tag:
            tags.append(self.rsit_tag)
        if self.severity:
            tags.append(f"severity:{self.severity}")
        return tags


def inert_json(data: Any) -> str:
    """JSON text in which incident free text can never be read as markup: `<`, `>` and `&` are
    written as \\u escapes (the same JSON once parsed), so a title such as `<script>` stays text
    even if a browser or a careless viewer were to render the file."""
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")

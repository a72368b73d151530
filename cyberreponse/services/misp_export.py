"""An incident as a MISP event (the JSON MISP imports and pymisp's `MISPEvent` loads).

Observables become attributes with MISP's own types and categories; the classification and
handling become machine tags of MISP's taxonomies (`rsit:class="type"`, `tlp:amber+strict`,
`PAP:AMBER`). Distribution follows TLP, the threat level follows severity (docs/exports.md).
"""

from __future__ import annotations

from typing import Any

from cyberreponse.clock import in_paris
from cyberreponse.services.shared_incident import Producer, SharedIncident, SharedObservable

# Observable kind → (MISP attribute type, category, to_ids). IP addresses are exported as
# destinations (what a victim's machine contacted), the usual reading of an incident's addresses.
ATTRIBUTE_TYPES: dict[str, tuple[str, str, bool]] = {
    "ipv4": ("ip-dst", "Network activity", True),
    "ipv6": ("ip-dst", "Network activity", True),
    "domain": ("domain", "Network activity", True),
    "url": ("url", "Network activity", True),
    "email": ("email-src", "Payload delivery", True),
    "md5": ("md5", "Payload delivery", True),
    "sha1": ("sha1", "Payload delivery", True),
    "sha256": ("sha256", "Payload delivery", True),
    "filename": ("filename", "Payload delivery", False),
    "cve": ("vulnerability", "External analysis", False),
}
# MISP distribution: 0 your organisation only, 1 this community, 2 connected communities, 3 all.
DISTRIBUTION = {"RED": 0, "AMBER+STRICT": 0, "AMBER": 1, "GREEN": 2, "CLEAR": 3}
# MISP threat level: 1 high, 2 medium, 3 low, 4 undefined.
THREAT_LEVEL = {"critical": 1, "high": 1, "medium": 2, "low": 3}
# MISP analysis: 0 initial, 1 ongoing, 2 completed.
ANALYSIS = {
    "new": 0,
    "triage": 0,
    "in_progress": 1,
    "contained": 1,
    "resolved": 2,
    "closed": 2,
    "rejected": 2,
    "duplicate": 2,
}
# Attributes inherit the event's distribution.
INHERIT = "5"


def _attribute(incident: SharedIncident, producer: Producer, observable: SharedObservable) -> dict[str, Any]:
    kind, category, to_ids = ATTRIBUTE_TYPES[observable.kind]
    return {
        "uuid": str(producer.uuid_for("incidents", incident.reference, observable.kind, observable.value)),
        "type": kind,
        "category": category,
        "value": observable.value,
        "to_ids": to_ids,
        "distribution": INHERIT,
        "timestamp": str(int(observable.created_at.timestamp())),
        "comment": "",
    }


def misp_event(incident: SharedIncident, producer: Producer) -> dict[str, Any]:
    tags = [incident.tlp_tag, incident.pap_tag]
    if incident.rsit_tag:
        tags.append(incident.rsit_tag)
    reference = {
        "uuid": str(producer.uuid_for("incidents", incident.reference, "reference")),
        "type": "text",
        "category": "Internal reference",
        "value": incident.reference,
        "to_ids": False,
        "distribution": INHERIT,
        "timestamp": str(int(incident.reported_at.timestamp())),
        "comment": f"Référence de l'incident au {producer.name}",
    }
    return {
        "Event": {
            "uuid": str(producer.uuid_for("incidents", incident.reference)),
            "info": f"[{incident.reference}] {incident.title}",
            "date": in_paris(incident.reported_at).date().isoformat(),
            "timestamp": str(int(incident.updated_at.timestamp())),
            "published": False,
            "threat_level_id": str(THREAT_LEVEL.get(incident.severity or "", 4)),
            "analysis": str(ANALYSIS.get(incident.status, 0)),
            "distribution": str(DISTRIBUTION[incident.tlp]),
            "Orgc": {"name": producer.name, "uuid": str(producer.uuid_for("organisation"))},
            "Tag": [{"name": tag} for tag in tags],
            "Attribute": [reference] + [_attribute(incident, producer, o) for o in incident.observables],
        }
    }

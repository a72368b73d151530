"""An incident as a STIX 2.1 bundle, built with the `stix2` library (which validates every object
and every pattern as it is made).

The bundle holds: the CSIRT's identity; the TLP 2.0 marking definition of the incident's level
(the official definitions, with their fixed ids); an `incident`; for each shared observable, its
cyber-observable object and an `indicator` whose pattern matches it (CVEs become `vulnerability`
objects); `related-to` relationships; and a `report` that lists them all. Everything is marked
with the TLP. Classification and handling travel as labels (`rsit:…`, `tlp:…`, `PAP:…`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import stix2

from cyberreponse.clock import now
from cyberreponse.services.shared_incident import Producer, SharedIncident, SharedObservable

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# The TLP 2.0 marking definitions published with the STIX common objects (FIRST TLP 2.0).
TLP_MARKING_IDS = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
_HASH_NAMES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}


def tlp_marking(level: str) -> stix2.v21.MarkingDefinition:
    return stix2.v21.MarkingDefinition(
        id=TLP_MARKING_IDS[level],
        created="2022-10-01T00:00:00.000Z",
        name=f"TLP:{level}",
        extensions={TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.lower()}},
    )


def pattern_literal(value: str) -> str:
    """A STIX pattern string literal: backslashes and quotes escaped, so that a value can never
    end the literal and add its own comparison."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _observable_and_pattern(observable: SharedObservable, marking: list[str]) -> tuple[Any, str]:
    value = observable.value
    literal = pattern_literal(value)
    match observable.kind:
        case "ipv4":
            return stix2.v21.IPv4Address(
                value=value, object_marking_refs=marking
            ), f"[ipv4-addr:value = {literal}]"
        case "ipv6":
            return stix2.v21.IPv6Address(
                value=value, object_marking_refs=marking
            ), f"[ipv6-addr:value = {literal}]"
        case "domain":
            return stix2.v21.DomainName(
                value=value, object_marking_refs=marking
            ), f"[domain-name:value = {literal}]"
        case "url":
            return stix2.v21.URL(value=value, object_marking_refs=marking), f"[url:value = {literal}]"
        case "email":
            return (
                stix2.v21.EmailAddress(value=value, object_marking_refs=marking),
                f"[email-addr:value = {literal}]",
            )
        case "md5" | "sha1" | "sha256":
            name = _HASH_NAMES[observable.kind]
            path = f"file:hashes.'{name}'" if "-" in name else f"file:hashes.{name}"
            return (
                stix2.v21.File(hashes={name: value}, object_marking_refs=marking),
                f"[{path} = {literal}]",
            )
        case _:  # filename
            return stix2.v21.File(name=value, object_marking_refs=marking), f"[file:name = {literal}]"


def stix_bundle(incident: SharedIncident, producer: Producer, at: datetime | None = None) -> dict[str, Any]:
    """The bundle as JSON-ready data."""
    exported_at = at or now()
    marking = tlp_marking(incident.tlp)
    marks = [marking.id]
    identity = stix2.v21.Identity(
        id=f"identity--{producer.uuid_for('identity')}",
        name=producer.name,
        identity_class="organization",
        created="2020-01-01T00:00:00.000Z",
        modified="2020-01-01T00:00:00.000Z",
    )
    common = {"created_by_ref": identity.id, "object_marking_refs": marks}
    ref = incident.reference
    incident_object = stix2.v21.Incident(
        id=f"incident--{producer.uuid_for('incidents', ref)}",
        name=incident.title,
        created=incident.reported_at,
        modified=incident.updated_at,
        labels=incident.labels,
        external_references=[{"source_name": producer.name, "external_id": ref}],
        **common,
    )
    objects: list[Any] = []
    related: list[Any] = []
    for observable in incident.observables:
        key = producer.uuid_for("incidents", ref, observable.kind, observable.value)
        if observable.kind == "cve":
            vulnerability = stix2.v21.Vulnerability(
                id=f"vulnerability--{key}",
                name=observable.value,
                created=observable.created_at,
                modified=observable.created_at,
                external_references=[{"source_name": "cve", "external_id": observable.value}],
                **common,
            )
            objects.append(vulnerability)
            related.append(vulnerability)
            continue
        cyber_observable, pattern = _observable_and_pattern(observable, marks)
        indicator = stix2.v21.Indicator(
            id=f"indicator--{key}",
            name=observable.value,
            pattern=pattern,
            pattern_type="stix",
            valid_from=observable.created_at,
            created=observable.created_at,
            modified=observable.created_at,
            indicator_types=["malicious-activity"],
            labels=incident.labels,
            **common,
        )
        link = _relationship(producer, indicator.id, cyber_observable.id, observable.created_at, common)
        objects += [cyber_observable, indicator, link]
        related.append(indicator)
    relationships = [
        _relationship(producer, incident_object.id, item.id, item.created, common) for item in related
    ]
    contents = [incident_object, *objects, *relationships]
    report = stix2.v21.Report(
        id=f"report--{producer.uuid_for('incidents', ref, 'report')}",
        name=f"[{ref}] {incident.title}",
        report_types=["threat-report"],
        published=exported_at,
        created=incident.reported_at,
        modified=max(exported_at, incident.reported_at),
        labels=incident.labels,
        object_refs=[item.id for item in contents],
        **common,
    )
    bundle = stix2.v21.Bundle(
        objects=[marking, identity, report, *contents],
        id=f"bundle--{producer.uuid_for('incidents', ref, 'bundle', exported_at.isoformat())}",
    )
    data: dict[str, Any] = json.loads(bundle.serialize())
    return data


def _relationship(
    producer: Producer, source: str, target: str, created: datetime, common: dict[str, Any]
) -> Any:
    return stix2.v21.Relationship(
        id=f"relationship--{producer.uuid_for('relationship', source, target)}",
        relationship_type="related-to",
        source_ref=source,
        target_ref=target,
        created=created,
        modified=created,
        **common,
    )

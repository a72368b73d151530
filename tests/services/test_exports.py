"""Sharing exports: MISP events load in pymisp, STIX bundles parse with stix2, the queue's CSV opens
in French Excel without formulas; TLP:RED needs a confirmation; every export is audited."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pymisp
import pytest
import stix2
from pymisp import MISPEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.errors import Invalid, NotFound
from cyberreponse.models import AuditEvent, Incident, Observable
from cyberreponse.services import exports
from cyberreponse.services.accounts import actor_for
from cyberreponse.services.incident_queue import QueueFilters
from cyberreponse.services.shared_incident import Producer
from tests.factories import make_incident, make_organisation, make_user

pytestmark = pytest.mark.db

PRODUCER = Producer("CSIRT de test", "https://csirt.example.test")
XSS = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
DESCRIBE_TYPES = json.loads(
    (Path(pymisp.__file__).parent / "data" / "describeTypes.json").read_text("utf-8")
)["result"]
OBSERVABLES = [
    ("ipv4", "203.0.113.7"),
    ("ipv6", "2001:db8::7"),
    ("domain", "mechant.example.test"),
    ("url", "https://mechant.example.test/it's?a=1\\b"),
    ("email", "faux-tresor@example.test"),
    ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
    ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("filename", "facture'] OR [file:name = 'x.pdf.exe"),
    ("cve", "CVE-2024-3400"),
]


@pytest.fixture
def analyst(session: Session) -> Actor:
    return actor_for(make_user(session, "analyst", email="analyste@example.test"))


def classified_incident(session: Session, **fields: object) -> Incident:
    values: dict[str, object] = {
        "rsit_class": "intrusions",
        "rsit_type": "system-compromise",
        "severity": "high",
        "tlp": "AMBER+STRICT",
        "pap": "GREEN",
        "status": "in_progress",
        "title": "Rançongiciel sur le serveur de la mairie",
    }
    values.update(fields)
    incident = make_incident(session, make_organisation(session), **values)
    for kind, value in OBSERVABLES:
        incident.observables.append(Observable(kind=kind, value=value, created_by="t"))
    incident.observables.append(
        Observable(kind="domain", value="mairie-interne.test", internal=True, created_by="t")
    )
    session.flush()
    return incident


def export_audits(session: Session, reference: str) -> list[dict[str, object]]:
    return [
        row.details
        for row in session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "incident.export", AuditEvent.object_id == reference
            )
        )
    ]


def test_misp_event_loads_in_pymisp_with_typed_attributes_and_taxonomy_tags(
    session: Session, analyst: Actor
) -> None:
    incident = classified_incident(session)
    export = exports.export_incident(session, analyst, incident.reference, "misp", PRODUCER)
    event = MISPEvent()
    event.load(export.text)
    assert event.info == f"[{incident.reference}] Rançongiciel sur le serveur de la mairie"
    assert {tag.name for tag in event.tags} == {
        "tlp:amber+strict",
        "PAP:GREEN",
        'rsit:intrusions="system-compromise"',
    }
    assert (int(event.distribution), int(event.threat_level_id), int(event.analysis)) == (0, 1, 1)
    by_value = {attribute.value: attribute for attribute in event.attributes}
    assert by_value["203.0.113.7"].type == "ip-dst"
    assert by_value["2001:db8::7"].type == "ip-dst"
    assert by_value["faux-tresor@example.test"].type == "email-src"
    assert by_value["CVE-2024-3400"].type == "vulnerability" and not by_value["CVE-2024-3400"].to_ids
    assert by_value[incident.reference].category == "Internal reference"
    assert "mairie-interne.test" not in by_value  # internal observables are never shared
    for attribute in event.attributes:
        assert attribute.type in DESCRIBE_TYPES["category_type_mappings"][attribute.category], attribute.type
    assert len(event.attributes) == len(OBSERVABLES) + 1
    assert export_audits(session, incident.reference) == [
        {"format": "misp", "tlp": "AMBER+STRICT", "observables": len(OBSERVABLES)}
    ]


@pytest.mark.parametrize(
    ("tlp", "severity", "distribution", "threat_level"),
    [("CLEAR", "low", 3, 3), ("GREEN", "medium", 2, 2), ("AMBER", "critical", 1, 1), ("RED", None, 0, 4)],
)
def test_misp_distribution_follows_tlp_and_threat_level_follows_severity(
    session: Session, analyst: Actor, tlp: str, severity: str | None, distribution: int, threat_level: int
) -> None:
    incident = classified_incident(session, tlp=tlp, severity=severity)
    export = exports.export_incident(
        session, analyst, incident.reference, "misp", PRODUCER, confirm_tlp_red=True
    )
    event = MISPEvent()
    event.load(export.text)
    assert (int(event.distribution), int(event.threat_level_id)) == (distribution, threat_level)
    assert f"tlp:{tlp.lower()}" in {tag.name for tag in event.tags}


def test_stix_bundle_parses_strictly_with_tlp2_marking_indicators_and_observables(
    session: Session, analyst: Actor
) -> None:
    incident = classified_incident(session)
    export = exports.export_incident(session, analyst, incident.reference, "stix", PRODUCER)
    bundle = stix2.parse(export.text, allow_custom=False)
    by_type: dict[str, list[object]] = {}
    for item in bundle.objects:
        by_type.setdefault(item.type, []).append(item)
    [marking] = by_type["marking-definition"]
    assert marking.id == "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
    assert marking.name == "TLP:AMBER+STRICT"
    [stix_incident] = by_type["incident"]
    assert stix_incident.name == "Rançongiciel sur le serveur de la mairie"
    assert 'rsit:intrusions="system-compromise"' in stix_incident.labels
    assert {"tlp:amber+strict", "PAP:GREEN"} <= set(stix_incident.labels)
    assert stix_incident.external_references[0].external_id == incident.reference
    patterns = {indicator.pattern for indicator in by_type["indicator"]}
    assert "[ipv4-addr:value = '203.0.113.7']" in patterns
    assert (
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']"
        in patterns
    )
    # Quotes and backslashes in a value stay inside the literal: no extra comparison is added.
    assert "[file:name = 'facture\\'] OR [file:name = \\'x.pdf.exe']" in patterns
    assert "[url:value = 'https://mechant.example.test/it\\'s?a=1\\\\b']" in patterns
    assert len(by_type["indicator"]) == len(OBSERVABLES) - 1  # the CVE is a vulnerability
    assert [v.name for v in by_type["vulnerability"]] == ["CVE-2024-3400"]
    assert {"ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "file"} <= set(by_type)
    assert "mairie-interne.test" not in export.text
    [report] = by_type["report"]
    listed = set(report.object_refs)
    assert stix_incident.id in listed and all(i.id in listed for i in by_type["indicator"])
    for item in bundle.objects:
        if item.type not in ("marking-definition", "identity"):
            assert item.object_marking_refs == [marking.id], item.type
    assert export_audits(session, incident.reference)[0]["format"] == "stix"


def test_the_same_incident_exported_twice_keeps_its_identifiers(session: Session, analyst: Actor) -> None:
    incident = classified_incident(session)
    first = json.loads(exports.export_incident(session, analyst, incident.reference, "misp", PRODUCER).text)
    again = json.loads(exports.export_incident(session, analyst, incident.reference, "misp", PRODUCER).text)
    assert first["Event"]["uuid"] == again["Event"]["uuid"]
    assert [a["uuid"] for a in first["Event"]["Attribute"]] == [
        a["uuid"] for a in again["Event"]["Attribute"]
    ]
    other = Producer("Autre CSIRT", "https://autre.example.test")
    assert (
        json.loads(exports.export_incident(session, analyst, incident.reference, "misp", other).text)[
            "Event"
        ]["uuid"]
        != first["Event"]["uuid"]
    )


@pytest.mark.parametrize("export_format", ["misp", "stix"])
def test_a_script_in_the_title_stays_inert_text(session: Session, analyst: Actor, export_format: str) -> None:
    incident = classified_incident(session, title=XSS)
    export = exports.export_incident(session, analyst, incident.reference, export_format, PRODUCER)
    assert "<" not in export.text and ">" not in export.text and "&" not in export.text
    data = json.loads(export.text)
    titles = (
        [data["Event"]["info"]]
        if export_format == "misp"
        else [o["name"] for o in data["objects"] if o["type"] == "incident"]
    )
    assert titles[0].endswith(XSS)


def test_a_tlp_red_incident_is_not_exported_without_confirmation(session: Session, analyst: Actor) -> None:
    incident = classified_incident(session, tlp="RED")
    session.commit()
    with pytest.raises(exports.ConfirmationRequired) as refused:
        exports.export_incident(session, analyst, incident.reference, "stix", PRODUCER)
    assert refused.value.code == "confirmation_required" and "TLP:RED" in refused.value.message
    session.rollback()
    assert export_audits(session, incident.reference) == []
    export = exports.export_incident(
        session, analyst, incident.reference, "stix", PRODUCER, confirm_tlp_red=True
    )
    assert "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1" in export.text
    assert export_audits(session, incident.reference)[0]["tlp"] == "RED"


def test_export_is_scoped_and_refuses_unknown_formats(session: Session, analyst: Actor) -> None:
    incident = classified_incident(session)
    stranger = actor_for(make_user(session, "member", [make_organisation(session)]))
    with pytest.raises(NotFound):
        exports.export_incident(session, stranger, incident.reference, "misp", PRODUCER)
    owner = actor_for(make_user(session, "member", [incident.organisation]))  # type: ignore[list-item]
    assert exports.export_incident(session, owner, incident.reference, "misp", PRODUCER).data is not None
    with pytest.raises(Invalid, match="Format d'export inconnu"):
        exports.export_incident(session, analyst, incident.reference, "pdf", PRODUCER)


def read_csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_queue_csv_is_excel_friendly_and_neutralises_formulas(session: Session, analyst: Actor) -> None:
    commune = make_organisation(session, "Commune de Chinon")
    make_incident(session, commune, title='=HYPERLINK("http://evil.test","clic")', severity="high")
    make_incident(session, commune, title="+33 1 23 45 67 89", severity="high")
    make_incident(session, commune, title="Réunion; « urgente »\nsur deux lignes", severity="high")
    make_incident(session, commune, title="Hors filtre", severity="low")
    export = exports.export_queue(session, analyst, QueueFilters(severity="high", organisation=commune.siren))
    assert export.media_type == "text/csv" and export.filename.endswith(".csv")
    assert "\r\n" in export.text
    rows = read_csv(export.text)
    assert rows[0][:4] == ["Référence", "Résumé", "Statut", "Gravité"]
    titles = sorted(row[1] for row in rows[1:])
    assert titles == sorted(
        [
            '\'=HYPERLINK("http://evil.test","clic")',
            "'+33 1 23 45 67 89",
            "Réunion; « urgente »\nsur deux lignes",
        ]
    )
    assert {row[2] for row in rows[1:]} == {"Nouveau"} and {row[9] for row in rows[1:]} == {
        "Commune de Chinon"
    }
    [audit] = session.scalars(select(AuditEvent).where(AuditEvent.action == "incident.export_queue")).all()
    assert audit.details["format"] == "csv" and audit.details["rows"] == 3
    assert audit.details["filters"]["severity"] == "high"


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_each_formula_start_is_prefixed(cell: str) -> None:
    assert exports.neutralise_cell(cell) == "'" + cell
    assert exports.neutralise_cell("Mairie") == "Mairie"


def test_queue_csv_with_tlp_red_rows_needs_the_confirmation(session: Session, analyst: Actor) -> None:
    make_incident(session, None, tlp="RED", title="Très confidentiel")
    make_incident(session, None, title="Ordinaire")
    session.commit()
    with pytest.raises(exports.ConfirmationRequired, match="1 incident"):
        exports.export_queue(session, analyst, QueueFilters(organisation="none"))
    session.rollback()
    export = exports.export_queue(session, analyst, QueueFilters(organisation="none"), confirm_tlp_red=True)
    assert "Très confidentiel" in export.text


def test_queue_csv_of_a_member_holds_only_their_incidents(session: Session) -> None:
    mine, other = make_organisation(session), make_organisation(session)
    make_incident(session, mine, title="Le nôtre")
    make_incident(session, other, title="Celui des voisins")
    member = actor_for(make_user(session, "member", [mine]))
    text = exports.export_queue(session, member, QueueFilters(status="all")).text
    assert "Le nôtre" in text and "Celui des voisins" not in text

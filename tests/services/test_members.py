"""Members and assets: validated identifiers, normalised domains, consent, scoping."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor, system_actor
from cyberreponse.errors import Conflict, Forbidden, Invalid, NotFound
from cyberreponse.models import Asset, Organisation
from cyberreponse.services import members
from cyberreponse.services.identifiers import luhn_valid, normalise_domain, normalise_siren
from tests.factories import make_organisation, valid_siren

pytestmark = pytest.mark.db
STAFF = system_actor("test")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mairie-Exemple.FR.", "mairie-exemple.fr"),
        ("  ville.test ", "ville.test"),
        ("saint-étienne-du-bois.fr", "xn--saint-tienne-du-bois-g2b.fr"),
        ("ÉVRY.test", "xn--vry-9la.test"),
    ],
)
def test_domains_are_normalised(raw: str, expected: str) -> None:
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "localhost", "x.fr;id", "-iL /etc/passwd", "a..b.fr", "192.0.2.1", "exa mple.fr"]
)
def test_bad_domains_are_refused_with_a_french_message(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        normalise_domain(raw)
    assert "domaine" in caught.value.message.lower() or "adresse ip" in caught.value.message.lower()


def test_siren_needs_nine_digits_and_a_valid_luhn_key() -> None:
    siren = valid_siren()
    assert luhn_valid(siren)
    assert normalise_siren(siren[:3] + " " + siren[3:6] + " " + siren[6:]) == siren
    broken = siren[:-1] + str((int(siren[-1]) + 1) % 10)
    with pytest.raises(Invalid, match="clé de contrôle"):
        normalise_siren(broken)
    with pytest.raises(Invalid, match="9 chiffres"):
        normalise_siren("12345678")


def test_create_organisation_reports_every_bad_field_at_once(session: Session) -> None:
    data = members.OrganisationData(
        siren="123", name="", kind="château", nis2_status="maybe", insee_code="ABCDE"
    )
    with pytest.raises(Invalid) as caught:
        members.create_organisation(session, STAFF, data)
    assert set(caught.value.errors) == {"siren", "name", "kind", "nis2_status", "insee_code"}
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_duplicate_siren_is_refused(session: Session) -> None:
    existing = make_organisation(session)
    data = members.OrganisationData(siren=existing.siren, name="Doublon", kind="commune")
    with pytest.raises(Invalid) as caught:
        members.create_organisation(session, STAFF, data)
    assert "déjà" in caught.value.errors["siren"]


def test_asset_values_are_normalised_and_unique_across_members(session: Session) -> None:
    first = make_organisation(session)
    second = make_organisation(session)
    asset = members.add_asset(session, STAFF, first.siren, "domain", "WWW.Commune.TEST.")
    assert asset.value == "www.commune.test"
    with pytest.raises(Conflict):
        members.add_asset(session, STAFF, second.siren, "domain", "www.commune.test")
    network = members.add_asset(session, STAFF, first.siren, "cidr", "192.0.2.17/28")
    assert network.value == "192.0.2.16/28"
    with pytest.raises(Invalid):
        members.add_asset(session, STAFF, first.siren, "cidr", "10.0.0.0/8")


def test_consent_records_who_and_when(session: Session) -> None:
    organisation = make_organisation(session)
    members.record_scan_consent(session, STAFF, organisation.siren, "Marie Dupont, maire")
    assert organisation.scan_consent_given_by == "Marie Dupont, maire"
    assert organisation.scan_consent_at is not None
    members.withdraw_scan_consent(session, STAFF, organisation.siren)
    assert not organisation.has_scan_consent


def test_member_actor_cannot_change_anything(session: Session) -> None:
    organisation = make_organisation(session)
    member = Actor(label="rssi", role="member", organisation_ids=frozenset({organisation.id}))
    with pytest.raises(Forbidden):
        members.add_asset(session, member, organisation.siren, "domain", "x.test")
    assert session.scalar(select(func.count()).select_from(Asset)) == 0


def test_member_sees_only_their_own_organisations(session: Session) -> None:
    mine = make_organisation(session, "Commune A")
    other = make_organisation(session, "Commune B")
    member = Actor(label="rssi", role="member", organisation_ids=frozenset({mine.id}))
    assert [o.name for o in members.search_organisations(session, member).items] == ["Commune A"]
    with pytest.raises(NotFound):
        members.get_organisation(session, member, other.siren)


def test_search_treats_quotes_as_text_not_sql(session: Session) -> None:
    make_organisation(session, "Commune A")
    make_organisation(session, "Commune B")
    assert members.search_organisations(session, STAFF, "' OR 1=1--").total == 0

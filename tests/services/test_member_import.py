"""CSV import of members: all or nothing, each bad row reported with its line number."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.models import Asset, Organisation
from cyberreponse.services.member_import import ImportRejected, import_members
from tests.factories import make_organisation, valid_siren

pytestmark = pytest.mark.db
STAFF = system_actor("test")
HEADER = "siren,name,kind,parent_siren,nis2_status,domains\n"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_good_file_imports_organisations_domains_and_parents(session: Session) -> None:
    epci, commune = valid_siren(), valid_siren()
    csv_text = (
        HEADER
        + f'{epci},"Communauté de communes du Val, Test",epci,,important,cc-val.test\n'
        + f"{commune},Commune d'Exemple,commune,{epci},not_subject,Exemple.TEST mairie-exemple.test.\n"
    )
    report = import_members(session, STAFF, csv_text.encode())
    assert (report.organisations, report.domains) == (2, 3)
    child = session.scalars(select(Organisation).where(Organisation.siren == commune)).one()
    assert child.parent is not None and child.parent.siren == epci
    assert sorted(a.value for a in child.assets) == ["exemple.test", "mairie-exemple.test"]
    assert child.nis2_status == "not_subject"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(session: Session) -> None:
    good = valid_siren()
    csv_text = (
        HEADER
        + f"{good},Commune Bonne,commune,,unknown,bonne.test\n"
        + "123456789,Commune Fausse,commune,,unknown,\n"
        + f"{valid_siren()},Commune Étrange,chateau,,unknown,\n"
        + f"{valid_siren()},Commune Deux,commune,,unknown,bonne.test\n"
        + f"{valid_siren()},Commune Trois,commune,,peut-etre,x..test\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_members(session, STAFF, csv_text.encode())
    lines = {line for line, _ in caught.value.line_errors}
    assert lines == {3, 4, 5, 6}
    reasons = dict(caught.value.line_errors)
    assert "SIREN" in reasons[3]
    assert "chateau" in reasons[4]
    assert "bonne.test" in reasons[5] and "ligne 2" in reasons[5]
    assert _count(session, Organisation) == 0
    assert _count(session, Asset) == 0


def test_existing_siren_or_domain_is_a_duplicate(session: Session) -> None:
    existing = make_organisation(session)
    session.add(Asset(organisation=existing, kind="domain", value="prise.test"))
    session.commit()
    csv_text = (
        HEADER
        + f"{existing.siren},Autre,commune,,unknown,\n{valid_siren()},Autre 2,commune,,unknown,prise.test\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_members(session, STAFF, csv_text.encode())
    assert [line for line, _ in caught.value.line_errors] == [2, 3]
    assert _count(session, Organisation) == 1


def test_wrong_header_is_explained(session: Session) -> None:
    with pytest.raises(ImportRejected) as caught:
        import_members(session, STAFF, b"siren;nom\n123;x\n")
    assert caught.value.line_errors[0][0] == 1
    assert "siren,name,kind,parent_siren,nis2_status,domains" in caught.value.line_errors[0][1]


def test_file_that_is_not_utf8_is_refused_with_its_line(session: Session) -> None:
    data = (HEADER + f"{valid_siren()},Commune de Sèvres,commune,,unknown,\n").encode("latin-1")
    with pytest.raises(ImportRejected) as caught:
        import_members(session, STAFF, data)
    assert caught.value.line_errors == [(2, "le fichier n'est pas encodé en UTF-8")]


def test_unknown_parent_and_wrong_column_count(session: Session) -> None:
    csv_text = (
        HEADER + f"{valid_siren()},Commune,commune,{valid_siren()},unknown,\n{valid_siren()},Trop,commune\n"
    )
    with pytest.raises(ImportRejected) as caught:
        import_members(session, STAFF, csv_text.encode())
    reasons = dict(caught.value.line_errors)
    assert "parent" in reasons[2]
    assert "colonnes" in reasons[3]

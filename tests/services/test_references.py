"""Incident references: consecutive, with every digit past 99,999, and a number given back when
the report that took it is not stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.clock import in_paris, now
from cyberreponse.config import Settings
from cyberreponse.models import Incident, IncidentCounter
from cyberreponse.services import intake
from cyberreponse.services.references import assign_reference, provisional_reference

pytestmark = pytest.mark.db

REPORTER = Actor(label="anonymous", role="anonymous", ip="127.0.0.1")


def _report(session: Session, settings: Settings, number: int = 1) -> str:
    form = intake.ReportForm(
        name=f"Agent {number}",
        email=f"agent{number}@mairie.example.test",
        situation="unknown",
        description="Des fichiers sont chiffrés.",
    )
    return intake.submit_report(session, REPORTER, form, [], settings).incident.reference


def test_reports_get_consecutive_references_of_the_year(session: Session, settings: Settings) -> None:
    year = in_paris(now()).year
    assert [_report(session, settings, n) for n in range(3)] == [
        f"CR-{year}-00001",
        f"CR-{year}-00002",
        f"CR-{year}-00003",
    ]


def test_the_hundred_thousandth_report_keeps_every_digit(session: Session, settings: Settings) -> None:
    year = in_paris(now()).year
    session.add(IncidentCounter(year=year, last_number=99_999))
    session.commit()
    assert _report(session, settings) == f"CR-{year}-100000"


def test_a_report_not_stored_after_taking_its_number_gives_it_back(
    session: Session, settings: Settings
) -> None:
    year = in_paris(now()).year
    incident = Incident(
        reference=provisional_reference(),
        channel="web_form",
        title="Abandonné",
        description="La base refuse la validation de ce signalement.",
        reported_at=now(),
        aware_at=now(),
    )
    session.add(incident)
    session.flush()
    assert assign_reference(session, incident, year) == f"CR-{year}-00001"
    session.rollback()  # e.g. the database refused the commit: nothing of that report is kept
    assert _report(session, settings) == f"CR-{year}-00001"
    stored = session.scalars(select(Incident.reference)).all()
    assert stored == [f"CR-{year}-00001"]


def test_a_stored_report_never_keeps_its_provisional_reference(session: Session, settings: Settings) -> None:
    reference = _report(session, settings)
    session.expire_all()
    stored = session.scalars(select(Incident).where(Incident.reference == reference)).one()
    assert re.fullmatch(r"CR-\d{4}-\d{5,}", stored.reference)
    # Giving the reference is not an analyst's edit: the first save still expects version 1.
    assert stored.version == 1

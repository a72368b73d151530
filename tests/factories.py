"""Small factories for test data: each builds one valid object with sensible defaults."""

from __future__ import annotations

import itertools
import random

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.models import Asset, Finding, Incident, Organisation, User
from cyberreponse.services.passwords import hash_password

_counter = itertools.count(1)
PASSWORD = "Correct horse battery staple 42"


def valid_siren(prefix: str = "2") -> str:
    """A SIREN with a correct Luhn key (public bodies start with 2)."""
    body = prefix + "".join(random.choice("0123456789") for _ in range(8 - len(prefix)))
    for key in "0123456789":
        candidate = body + key
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def make_organisation(session: Session, name: str | None = None, **fields: object) -> Organisation:
    number = next(_counter)
    organisation = Organisation(
        siren=str(fields.pop("siren", valid_siren())),
        name=name or f"Commune de Test {number}",
        kind=str(fields.pop("kind", "commune")),
        **fields,
    )
    session.add(organisation)
    session.flush()
    return organisation


def make_asset(session: Session, organisation: Organisation, value: str, kind: str = "domain") -> Asset:
    asset = Asset(organisation=organisation, kind=kind, value=value)
    session.add(asset)
    session.flush()
    return asset


def make_user(
    session: Session,
    role: str = "analyst",
    organisations: list[Organisation] | None = None,
    *,
    email: str | None = None,
    password: str = PASSWORD,
    totp: bool = True,
) -> User:
    """An account past its first login: own password chosen, TOTP enrolled when `totp`."""
    user = User(
        email=email or f"{role}{next(_counter)}@example.test",
        name=f"Test {role}",
        role=role,
        password_hash=hash_password(password),
        must_change_password=False,
        organisations=organisations or [],
        totp_secret=pyotp.random_base32() if totp else None,
        totp_enabled=totp,
    )
    session.add(user)
    session.flush()
    return user


_incident_numbers = itertools.count(50000)


def make_incident(session: Session, organisation: Organisation | None = None, **fields: object) -> Incident:
    """A reported incident (web form, status new) with its obligations; references from 50000
    upwards so that they never collide with those the application allocates in a test."""
    from cyberreponse.clock import now
    from cyberreponse.services.deadlines import sync_obligations

    reported = now()
    values: dict[str, object] = {
        "reference": f"CR-{reported.year}-{next(_incident_numbers):05d}",
        "organisation": organisation,
        "channel": "web_form",
        "reporter_situation": "ransomware",
        "reporter_name": "Claire Martin",
        "reporter_email": "claire.martin@mairie.example.test",
        "title": "Fichiers chiffrés",
        "description": "Un message demande une rançon.",
        "reported_at": reported,
        "aware_at": reported,
    }
    values.update(fields)
    incident = Incident(**values)
    session.add(incident)
    sync_obligations(incident)
    session.flush()
    return incident


def make_follow_up_link(session: Session, incident: Incident) -> str:
    """A follow-up token for the incident (only its digest is stored)."""
    from cyberreponse.services.intake import new_follow_up_link

    token = new_follow_up_link(incident, session)
    session.flush()
    return token


def make_finding(session: Session, asset: Asset, code: str = "spf.permissive_all") -> Finding:
    """A campaign that saw `code` on the asset: result and open finding written by the real service."""
    from checks.base import Outcome
    from checks.registry import all_checks, problem_types
    from cyberreponse.models import Campaign
    from cyberreponse.services.findings import record_asset_results

    kind = problem_types()[code]
    check = next(c for c in all_checks() if kind in c.problem_types)
    campaign = Campaign(kind="on_demand", requested_by="test", status="done", started_at=now())
    session.add(campaign)
    session.flush()
    record_asset_results(session, campaign.id, asset.id, [check.result(Outcome(problems=[kind.at()]))], now())
    finding: Finding = session.scalars(
        select(Finding).where(Finding.asset_id == asset.id, Finding.code == code)
    ).one()
    return finding

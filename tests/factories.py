"""Small factories for test data: each builds one valid object with sensible defaults."""

from __future__ import annotations

import itertools
import random

import pyotp
from sqlalchemy.orm import Session

from cyberreponse.models import Asset, Organisation, User
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

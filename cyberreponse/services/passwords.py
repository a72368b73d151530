"""Password policy and hashing (Argon2id).

Policy (ASVS 6.2): at least `security.password_min_length` characters (12 by default), at most 256,
checked unaltered (no truncation, no case folding); refused when it is a common password or a
common word dressed up with digits and symbols ("Azerty123456!"), or contains the user's e-mail name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from cyberreponse.errors import Invalid

MAX_LENGTH = 256
# OWASP's Argon2id minimum (m=19 MiB, t=2, p=1): about 20 ms here, slow enough for an attacker.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _HASHER.hash("dummy password used to keep timing even")


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    text = resources.files("cyberreponse").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _breached_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]  # large: loaded once, on first use

    passwords: list[str] = FREQUENCY_LISTS["passwords"]
    return frozenset(passwords)


def _skeleton(password: str) -> str:
    """The password without case, digits and symbols around a word: 'Azerty123!' -> 'azerty'."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", password.lower())


def check_policy(password: str, email: str = "", min_length: int = 12) -> None:
    if len(password) < min_length:
        raise Invalid("password", f"Le mot de passe doit comporter au moins {min_length} caractères.")
    if len(password) > MAX_LENGTH:
        raise Invalid("password", f"Le mot de passe ne peut dépasser {MAX_LENGTH} caractères.")
    lowered = password.lower()
    skeleton = _skeleton(password)
    words = _common_words() | _breached_passwords()
    if lowered in words or skeleton in words or not skeleton or len(set(lowered)) <= 3:
        raise Invalid(
            "password", "Ce mot de passe est trop courant : choisissez une phrase de passe personnelle."
        )
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        raise Invalid("password", "Le mot de passe ne doit pas contenir votre adresse e-mail.")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)

"""Encryption at rest: Fernet (AES-128-CBC + HMAC-SHA256) through MultiFernet for key rotation.

The first key encrypts; every key decrypts, so adding a new key in front keeps old rows readable
until `cyberreponse keys rotate` re-encrypts them. The keyring is installed once at start-up
(create_app or the CLI) because column types are declared at import time and cannot receive it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class DecryptionError(Exception):
    """Stored ciphertext failed its integrity check or no configured key opens it."""


class Keyring:
    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def encrypt(self, plaintext: bytes) -> bytes:
        return self._fernet.encrypt(plaintext)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as error:
            raise DecryptionError("stored data failed its integrity check") from error

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt under the newest key."""
        try:
            return self._fernet.rotate(token)
        except InvalidToken as error:
            raise DecryptionError("stored data failed its integrity check") from error


_current: Keyring | None = None


def install_keyring(keyring: Keyring) -> None:
    global _current
    _current = keyring


def keyring() -> Keyring:
    if _current is None:
        raise RuntimeError("no encryption keyring installed: the app or CLI was not started")
    return _current


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def token_digest(token: str) -> str:
    """How high-entropy tokens are stored: their SHA-256, compared in constant time."""
    return hashlib.sha256(token.encode()).hexdigest()


def digests_match(left: str, right: str) -> bool:
    return hmac.compare_digest(left, right)

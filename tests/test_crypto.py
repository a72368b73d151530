"""Encryption at rest: authenticated (tampering is detected) and rotatable."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cyberreponse.crypto import DecryptionError, Keyring, install_keyring
from cyberreponse.models import User
from cyberreponse.services.key_rotation import reencrypt_all
from tests.factories import make_user

pytestmark = pytest.mark.db


def test_stored_totp_secret_is_not_readable_in_the_database(session: Session) -> None:
    user = make_user(session)
    session.commit()
    raw = session.execute(
        text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    assert user.totp_secret and user.totp_secret not in raw
    assert raw.startswith("gAAAA")  # a Fernet token


def test_one_flipped_byte_gives_an_integrity_error_not_garbage() -> None:
    ring = Keyring([Fernet.generate_key().decode()])
    token = bytearray(ring.encrypt("Rançon demandée".encode()))
    token[40] ^= 0x01
    with pytest.raises(DecryptionError):
        ring.decrypt(bytes(token))


def test_tampered_column_raises_on_read(session: Session) -> None:
    user = make_user(session)
    session.commit()
    raw = session.execute(
        text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": user.id}
    ).scalar_one()
    forged = raw[:-6] + ("A" if raw[-6] != "A" else "B") + raw[-5:]
    session.execute(
        text("UPDATE user_account SET totp_secret = :v WHERE id = :id"), {"v": forged, "id": user.id}
    )
    session.commit()
    session.expire_all()
    with pytest.raises(DecryptionError):
        session.scalars(select(User).where(User.id == user.id)).one().totp_secret  # noqa: B018


def test_new_key_keeps_old_rows_readable_and_rotation_moves_them_to_it(
    session: Session, keyring: Keyring
) -> None:
    user = make_user(session)
    session.commit()
    secret = user.totp_secret
    old_key = keyring  # the test keyring wrote the row
    new_key = Fernet.generate_key().decode()
    from tests.conftest import TEST_ENCRYPTION_KEY

    install_keyring(Keyring([new_key, TEST_ENCRYPTION_KEY]))
    session.expire_all()
    assert session.get(User, user.id).totp_secret == secret  # type: ignore[union-attr]
    counts = reencrypt_all(session)
    assert counts["user_account.totp_secret"] >= 1
    install_keyring(Keyring([new_key]))  # the old key is gone
    session.expire_all()
    assert session.get(User, user.id).totp_secret == secret  # type: ignore[union-attr]
    install_keyring(old_key)

"""Re-encrypt every encrypted column under the newest key, in batches."""

from __future__ import annotations

from sqlalchemy import Table, column, select, table, update
from sqlalchemy.orm import Session

from cyberreponse.crypto import keyring
from cyberreponse.models import Base
from cyberreponse.models.base import EncryptedBytes, EncryptedText

BATCH = 500


def encrypted_columns() -> list[tuple[Table, str, bool]]:
    """(table, column name, is_text) for every column declared with an encrypted type."""
    found = []
    for model_table in Base.metadata.sorted_tables:
        for col in model_table.columns:
            if isinstance(col.type, EncryptedText | EncryptedBytes):
                found.append((model_table, col.name, isinstance(col.type, EncryptedText)))
    return found


def reencrypt_all(session: Session) -> dict[str, int]:
    counts: dict[str, int] = {}
    ring = keyring()
    for model_table, name, is_text in encrypted_columns():
        # A lightweight table clause reads the raw stored tokens, bypassing the decrypting type.
        raw = table(model_table.name, column("id"), column(name))
        last_id, count = 0, 0
        while True:
            rows = session.execute(
                select(raw.c.id, raw.c[name])
                .where(raw.c.id > last_id, raw.c[name].is_not(None))
                .order_by(raw.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, token in rows:
                stored = token.encode("ascii") if is_text else bytes(token)
                rotated = ring.rotate(stored)
                value = rotated.decode("ascii") if is_text else rotated
                session.execute(update(raw).where(raw.c.id == row_id).values({name: value}))
                count += 1
            last_id = rows[-1][0]
            session.commit()
        counts[f"{model_table.name}.{name}"] = count
    return counts

"""docs/data-protection.md's matrix matches the database (ASVS 14.1.1, 14.1.2): what it says is
encrypted is encrypted, and no encrypted column is missing from it."""

from __future__ import annotations

import re
from pathlib import Path

from cyberreponse.models import Base
from cyberreponse.services.key_rotation import encrypted_columns

DOC = Path(__file__).resolve().parent.parent / "docs" / "data-protection.md"


def matrix() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 6 and cells[0] not in ("data", "---"):
            rows.append(cells)
    return rows


def test_the_columns_the_matrix_calls_encrypted_are_exactly_the_encrypted_columns() -> None:
    documented = {
        reference
        for row in matrix()
        if row[3] == "encrypted"
        for reference in re.findall(r"`(\w+\.\w+)`", row[2])
    }
    actual = {f"{table.name}.{name}" for table, name, _ in encrypted_columns()}
    assert documented == actual


def test_every_table_and_column_the_matrix_names_exists() -> None:
    tables = Base.metadata.tables
    for row in matrix():
        for reference in re.findall(r"`(\w+(?:\.\w+)?)`", row[2]):
            table, _, column = reference.partition(".")
            assert table in tables, reference
            assert not column or column in tables[table].columns, reference

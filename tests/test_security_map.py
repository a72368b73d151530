"""docs/security.md is the ASVS level 2 map: every requirement row names tests that exist, or says why not."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECURITY_MAP = ROOT / "docs" / "security.md"

# The requirement groups of the project's security checklist (OWASP ASVS 5.0.0, level 2), one row each.
REQUIRED_ROWS = [
    "6.3.1 (6.1.1)",
    "6.2.1, 6.2.8, 6.2.9",
    "6.2.4, 6.2.12",
    "6.3.2",
    "6.3.3, 6.3.4",
    "6.4.1",
    "6.4.3, 6.4.4",
    "6.5.1, 6.5.5",
    "6.5.2, 6.5.3",
    "11.4.2",
    "3.3.1–3.3.4",
    "7.2.4",
    "7.3.1, 7.3.2 (7.1.1)",
    "7.4.1",
    "7.4.2, 7.4.3, 7.4.5, 7.5.2",
    "7.5.1",
    "8.2.1, 8.3.1",
    "8.2.2, 8.4.1",
    "8.2.3, 15.3.1, 15.3.3",
    "3.5.1, 3.5.3",
    "1.2.1, 3.2.2, 1.3.7",
    "1.2.2, 3.7.2",
    "1.2.4",
    "1.2.5, 1.3.3",
    "1.3.6, 13.2.4, 15.3.2",
    "1.3.11",
    "1.5.1, 1.5.2",
    "2.2.1, 2.2.2",
    "5.1.1, 5.2.1",
    "5.2.2",
    "5.2.3",
    "5.3.1, 5.3.2",
    "5.4.1, 5.4.2, 3.2.1",
    "5.4.3",
    "7.2.2, 7.2.3, 11.5.1",
    "14.2.1",
    "3.4.2",
    "4.1.3, 15.3.4",
    "11.3.1–11.3.3, 11.2.3",
    "11.1.1, 11.1.2, 11.2.2",
    "13.3.1, 13.3.2",
    "16.2.1, 16.2.2, 16.3.1–16.3.4",
    "16.2.5, 16.4.1",
    "16.4.2, 16.4.3",
    "16.5.1, 13.4.2",
    "16.5.2, 16.5.3",
    "14.1.1, 14.1.2, 14.2.4",
    "14.2.2, 14.3.2",
    "14.2.3, 14.3.1, 14.3.3",
    "3.4.1, 3.4.4, 3.4.5, 4.1.1",
    "3.4.3, 3.4.6",
    "12.1.1, 12.3.1, 12.3.2",
    "13.4.1, 13.4.3–13.4.5",
    "2.4.1, 2.1.3, 2.3.2",
    "2.3.1",
    "2.3.3",
    "15.1.3, 15.2.2",
]

TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
REASON = re.compile(r"\*(Not applicable|Deviation):\*")


def map_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in SECURITY_MAP.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] in REQUIRED_ROWS:
            rows[cells[0]] = line
    return rows


def defined_test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_every_requirement_has_a_row() -> None:
    missing = [row for row in REQUIRED_ROWS if row not in map_rows()]
    assert missing == [], f"docs/security.md lacks rows for {missing}"


def test_every_row_names_tests_or_a_reason() -> None:
    unproven = [
        asvs
        for asvs, line in map_rows().items()
        if not TEST_REFERENCE.search(line) and not REASON.search(line)
    ]
    assert unproven == [], f"rows without a test or a reason: {unproven}"


def test_every_named_test_exists() -> None:
    absent: list[str] = []
    for line in map_rows().values():
        for file_name, function_name in TEST_REFERENCE.findall(line):
            path = ROOT / file_name
            if not path.is_file() or function_name not in defined_test_names(path):
                absent.append(f"{file_name}::{function_name}")
    assert absent == [], f"docs/security.md names tests that do not exist: {absent}"

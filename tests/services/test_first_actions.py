"""The first-actions data file: every situation of the form has its page; mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from cyberreponse.datafiles import DataFileError
from cyberreponse.services.first_actions import DATA_FILE, load_first_actions
from cyberreponse.vocabularies import REPORTER_SITUATIONS


def test_the_shipped_file_covers_every_situation() -> None:
    pages = load_first_actions()
    assert set(pages) == set(REPORTER_SITUATIONS)
    assert all(page.now and page.avoid and page.then for page in pages.values())


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda text: text.replace("[unknown]", "[inconnu]"), "unknown", "missing situation"),
        (
            lambda text: text.replace('title = "Vous ne savez pas', 'titre = "Vous ne savez pas'),
            "unknown.titre",
            "unknown key",
        ),
        (lambda text: text + '\n[hacker]\ntitle = "x"\n', "hacker", "unknown situation"),
    ],
)
def test_a_broken_file_names_the_file_and_the_key(
    tmp_path: Path, change: object, key: str, message: str
) -> None:
    broken = tmp_path / "first_actions.toml"
    broken.write_text(change(DATA_FILE.read_text("utf-8")), "utf-8")  # type: ignore[operator]
    with pytest.raises(DataFileError) as error:
        load_first_actions(broken)
    assert error.value.path == str(broken)
    assert error.value.key.startswith(key) and message in error.value.message

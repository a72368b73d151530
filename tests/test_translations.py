"""Every French text of the interface has its English translation (French first, English second)."""

from __future__ import annotations

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from cyberreponse.config import PROJECT_ROOT


def test_english_catalogue_translates_every_message(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(PROJECT_ROOT)  # babel.cfg's patterns are relative to the project root
    template = f"{tmp_path}/messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(PROJECT_ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            template,
            ".",
        ]
    )
    with open(template, "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    assert len(wanted) > 150, "extraction found no messages: check babel.cfg"
    with open(PROJECT_ROOT / "cyberreponse/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, "run `make translations` and translate in messages.po: " + "; ".join(missing[:20])

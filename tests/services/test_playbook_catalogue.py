"""Playbook files: the shipped ones are valid, and every kind of mistake gets a precise error."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cyberreponse.config import PROJECT_ROOT
from cyberreponse.datafiles import DataFileError, DataFileErrors
from cyberreponse.services.playbook_catalogue import (
    describe_duration,
    load_catalogue,
    load_playbook_file,
    parse_duration,
    read_catalogue,
)
from cyberreponse.vocabularies import OBLIGATION_KINDS, REPORTER_SITUATIONS

SHIPPED = PROJECT_ROOT / "playbooks"

VALID = """
id = "sample"
version = 1
summary = "Un résumé."

[title]
fr = "Exemple"
en = "Sample"

[applies_to]
rsit_types = ["phishing"]
situations = ["suspicious_message"]

[[steps]]
id = "first"
phase = "qualification"
title = "Premier"
detail = "Faire ceci."
actor = "member"
within = "PT1H"
mandatory = true

[[steps]]
id = "second"
phase = "containment"
title = "Second"
detail = "Puis cela."
actor = "csirt"
within = "P1D"
mandatory = false
obligation = "police_complaint"
"""


def write(directory: Path, text: str, name: str = "sample") -> Path:
    path = directory / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str, name: str = "sample") -> DataFileError:
    path = write(tmp_path, text, name)
    with pytest.raises(DataFileError) as caught:
        load_playbook_file(path)
    assert caught.value.path == str(path)
    return caught.value


# --- the shipped playbooks ---------------------------------------------------------------


def test_every_shipped_playbook_is_valid() -> None:
    report = read_catalogue(SHIPPED)
    assert report.errors == ()
    assert len(report.catalogue.playbooks) >= 11


def test_shipped_playbooks_cover_what_small_communes_face() -> None:
    ids = {p.id for p in load_catalogue(SHIPPED).playbooks}
    assert {
        "ransomware",
        "mailbox-compromise",
        "payment-fraud",
        "phishing-campaign",
        "website-defacement",
        "denial-of-service",
        "personal-data-breach",
        "malware-workstation",
        "lost-stolen-device",
        "provider-compromise",
        "social-media-hijack",
    } <= ids


def test_every_reporter_situation_leads_to_at_least_one_playbook() -> None:
    catalogue = load_catalogue(SHIPPED)
    for situation in REPORTER_SITUATIONS:
        assert catalogue.suggest(None, situation), situation


def test_legal_steps_carry_their_obligation_codes() -> None:
    catalogue = load_catalogue(SHIPPED)
    used = {step.obligation for p in catalogue.playbooks for step in p.steps if step.obligation}
    assert used == set(OBLIGATION_KINDS)
    breach = catalogue.get("personal-data-breach")
    assert breach is not None
    cnil = [s for s in breach.steps if s.obligation == "cnil_notification"]
    assert len(cnil) == 1 and cnil[0].within == timedelta(hours=72) and cnil[0].mandatory


def test_ransomware_steps_start_with_disconnecting_and_say_never_pay() -> None:
    ransomware = load_catalogue(SHIPPED).get("ransomware")
    assert ransomware is not None
    assert ransomware.steps[0].id == "disconnect-network"
    assert ransomware.steps[0].actor == "member"
    assert "Ne payez pas" in " ".join(step.detail for step in ransomware.steps)


# --- suggestions ------------------------------------------------------------------------


def test_suggest_puts_the_playbook_matching_type_and_situation_first() -> None:
    suggestions = load_catalogue(SHIPPED).suggest("infected-system", "strange_computer")
    ids = [s.playbook.id for s in suggestions]
    assert ids[0] == "malware-workstation"
    assert "ransomware" in ids and "first-response" in ids
    assert ids.index("ransomware") < ids.index("first-response")  # the analyst's type weighs more


def test_suggest_from_the_situation_alone_before_classification() -> None:
    suggestions = load_catalogue(SHIPPED).suggest(None, "payment_fraud")
    assert [s.playbook.id for s in suggestions] == ["payment-fraud"]
    assert suggestions[0].matches_situation and not suggestions[0].matches_type


def test_unknown_situation_suggests_the_first_response_playbook_first() -> None:
    suggestions = load_catalogue(SHIPPED).suggest("undetermined", "unknown")
    assert suggestions[0].playbook.id == "first-response"


def test_suggest_returns_nothing_for_a_type_no_playbook_covers() -> None:
    assert load_catalogue(SHIPPED).suggest("copyright", None) == []


# --- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT30M", timedelta(minutes=30)),
        ("PT72H", timedelta(hours=72)),
        ("P1D", timedelta(days=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
    ],
)
def test_iso_8601_durations_are_read(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("PT30M", "30 min"),
        ("PT24H", "24 h"),
        ("PT72H", "72 h"),
        ("P5D", "5 j"),
        ("P1DT90M", "1 j 1 h 30 min"),
    ],
)
def test_delays_read_in_french(text: str, wording: str) -> None:
    assert describe_duration(parse_duration(text)) == wording


@pytest.mark.parametrize("text", ["", "P", "PT", "1D", "P1H", "PT1D", "P1DT", "24h", "P-1D"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration(text)


# --- broken files: one test per kind of mistake -------------------------------------------


def test_valid_sample_loads(tmp_path: Path) -> None:
    playbook = load_playbook_file(write(tmp_path, VALID))
    assert [s.id for s in playbook.steps] == ["first", "second"]
    assert playbook.steps[1].obligation == "police_complaint"


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('title = "Second"', 'title = "Second'))
    assert error.key.startswith("line ")
    assert "invalid TOML" in error.message


def test_missing_required_key_is_named(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('summary = "Un résumé."\n', ""))
    assert (error.key, error.message) == ("summary", "missing (required)")


def test_unknown_top_level_key_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, 'colour = "red"\n' + VALID)
    assert error.key == "colour"
    assert error.message.startswith("unknown key")


def test_unknown_step_key_is_refused_with_its_path(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('actor = "csirt"', 'actor = "csirt"\nowner = "maire"'))
    assert error.key == "steps[2].owner"


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("version = 1", 'version = "1"'))
    assert (error.key, error.message) == ("version", "expected an integer, found text")


def test_bad_within_names_the_step(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('within = "P1D"', 'within = "24 heures"'))
    assert error.key == "steps[2].within"
    assert "ISO 8601" in error.message


def test_within_in_months_is_refused_as_ambiguous(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('within = "P1D"', 'within = "P1M"'))
    assert error.key == "steps[2].within"
    assert "use days" in error.message


def test_unknown_actor_lists_the_allowed_values(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('actor = "member"', 'actor = "maire"'))
    assert error.key == "steps[1].actor"
    assert "csirt, member, provider" in error.message


def test_unknown_phase_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('phase = "containment"', 'phase = "remediation"'))
    assert error.key == "steps[2].phase"


def test_unknown_obligation_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('"police_complaint"', '"gdpr_fine"'))
    assert error.key == "steps[2].obligation"
    assert "cnil_notification" in error.message


def test_unknown_rsit_type_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('["phishing"]', '["phishing", "ransomware"]'))
    assert error.key == "applies_to.rsit_types[2]"
    assert "'ransomware'" in error.message


def test_unknown_reporter_situation_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('["suspicious_message"]', '["hacked"]'))
    assert error.key == "applies_to.situations[1]"


def test_duplicate_step_id_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('id = "second"', 'id = "first"'))
    assert error.key == "steps[2].id"
    assert "duplicate step id 'first'" in error.message


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID, name="other")
    assert error.key == "id"
    assert "other.toml" in error.message


def test_invalid_id_format_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace('id = "first"', 'id = "Premier pas"'))
    assert error.key == "steps[1].id"


def test_javascript_link_in_a_detail_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, VALID.replace("Faire ceci.", "[Cliquez](javascript:alert(1))"))
    assert error.key == "steps[1].detail"
    assert "only http(s), mailto and tel" in error.message


def test_steps_out_of_phase_order_are_refused(tmp_path: Path) -> None:
    swapped = VALID.replace('phase = "qualification"', 'phase = "TMP"')
    swapped = swapped.replace('phase = "containment"', 'phase = "qualification"').replace("TMP", "recovery")
    error = error_for(tmp_path, swapped)
    assert error.key == "steps[2].phase"
    assert "order the steps by phase" in error.message


def test_a_playbook_without_steps_is_refused(tmp_path: Path) -> None:
    error = error_for(tmp_path, "steps = []\n" + VALID.split("[[steps]]")[0])
    assert (error.key, error.message) == ("steps", "must contain at least one entry")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sample.toml"
    path.write_bytes(VALID.replace("résumé", "r\xe9sum\xe9").encode("latin-1"))
    with pytest.raises(DataFileError, match="UTF-8"):
        load_playbook_file(path)


def test_all_errors_of_a_file_are_reported_together(tmp_path: Path) -> None:
    broken = VALID.replace('actor = "member"', 'actor = "maire"').replace(
        'within = "P1D"', 'within = "demain"'
    )
    path = write(tmp_path, broken.replace("version = 1", "version = 0"))
    with pytest.raises(DataFileErrors) as caught:
        load_playbook_file(path)
    assert [e.key for e in caught.value.errors] == ["version", "steps[1].actor", "steps[2].within"]


def test_duplicate_playbook_ids_across_folders_are_refused(tmp_path: Path) -> None:
    (tmp_path / "fraude").mkdir()
    write(tmp_path, VALID)
    write(tmp_path / "fraude", VALID)
    report = read_catalogue(tmp_path)
    assert len(report.catalogue.playbooks) == 1
    assert len(report.errors) == 1
    assert report.errors[0].key == "id"
    assert "duplicate playbook id 'sample'" in report.errors[0].message


def test_a_broken_file_does_not_hide_the_valid_ones(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    write(
        tmp_path,
        VALID.replace('id = "sample"', 'id = "broken"').replace("version = 1", "version = -1"),
        "broken",
    )
    report = read_catalogue(tmp_path)
    assert [p.id for p in report.catalogue.playbooks] == ["sample"]
    assert [(Path(e.path).name, e.key) for e in report.errors] == [("broken.toml", "version")]


def test_reformatting_a_file_keeps_its_content_hash(tmp_path: Path) -> None:
    first = load_playbook_file(write(tmp_path, VALID))
    second = load_playbook_file(write(tmp_path, "# a comment\n" + VALID.replace("\n\n", "\n\n\n")))
    changed = load_playbook_file(write(tmp_path, VALID.replace("Puis cela.", "Puis autre chose.")))
    assert first.content_hash == second.content_hash
    assert changed.content_hash != first.content_hash

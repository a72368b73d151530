"""The NIS2 questionnaire data file: what it must contain, and the precise errors of a broken one."""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from cyberreponse.datafiles import DataFileError
from cyberreponse.services.questionnaire import (
    MEASURE_LETTERS,
    QUESTIONNAIRE_PATH,
    canonical_form,
    current_questionnaire,
    load_questionnaire,
    parse_answer,
    parse_questionnaire,
)

# The checks the scans run (issue 4); questions point at them as partial evidence.
KNOWN_CHECKS = {
    "mail.spf", "mail.dmarc", "mail.dkim", "mail.mx", "mail.starttls", "dns.dnssec", "dns.caa",
    "tls.certificate", "tls.protocols", "web.https", "web.security_txt", "exposure.ports",
}  # fmt: skip
CATEGORIES = {"mail", "dns", "tls", "web", "exposure"}


def test_shipped_questionnaire_has_30_to_40_questions_covering_all_ten_measures() -> None:
    questionnaire = current_questionnaire()
    assert 30 <= len(questionnaire.questions) <= 40
    per_measure = Counter(q.measure for q in questionnaire.questions)
    assert sorted(per_measure) == list(MEASURE_LETTERS)
    assert min(per_measure.values()) >= 2
    assert [m.letter for m in questionnaire.measures] == list(MEASURE_LETTERS)


def test_every_question_has_plain_text_help_and_options_from_0_to_3() -> None:
    for question in current_questionnaire().questions:
        assert question.text.endswith("?"), question.id
        assert len(question.help) >= 80, question.id
        assert question.options[0].index == 0 and question.options[-1].index == 3
        assert question.weight in (1, 2, 3)
        assert question.allows_unknown, question.id


def test_shipped_questionnaire_uses_several_themes_and_marks_questions_scans_can_answer() -> None:
    questionnaire = current_questionnaire()
    assert len(questionnaire.themes) >= 8
    evidence = {item for q in questionnaire.questions for item in q.scan_evidence}
    assert evidence <= KNOWN_CHECKS | CATEGORIES
    # Every family of checks gives evidence for at least one question.
    assert {item.split(".")[0] for item in evidence} == CATEGORIES
    assert any(q.allows_not_applicable for q in questionnaire.questions)


def test_version_and_hash_identify_the_content() -> None:
    questionnaire = current_questionnaire()
    assert questionnaire.version == "2026.1"
    assert re.fullmatch(r"[0-9a-f]{64}", questionnaire.content_hash)


def test_canonical_form_parses_back_to_the_same_questionnaire_and_hash() -> None:
    questionnaire = current_questionnaire()
    again = parse_questionnaire(canonical_form(questionnaire), "snapshot")
    assert again == questionnaire


def test_comments_and_layout_do_not_change_the_hash_but_a_weight_does(tmp_path: Path) -> None:
    text = QUESTIONNAIRE_PATH.read_text(encoding="utf-8")
    reformatted = tmp_path / "q.toml"
    reformatted.write_text("# a new comment\n\n" + text.replace("weight = 3\n", "weight   =   3\n"), "utf-8")
    assert load_questionnaire(reformatted).content_hash == current_questionnaire().content_hash
    reweighted = tmp_path / "r.toml"
    reweighted.write_text(text.replace("weight = 3\n", "weight = 2\n", 1), "utf-8")
    assert load_questionnaire(reweighted).content_hash != current_questionnaire().content_hash


def broken(change: Any) -> DataFileError:
    """Apply `change` to a copy of the shipped questionnaire's data and return the load error."""
    data = copy.deepcopy(canonical_form(current_questionnaire()))
    change(data)
    with pytest.raises(DataFileError) as caught:
        parse_questionnaire(data, "nis2.toml")
    return caught.value


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for q in data["questions"] if q["id"] == question_id)


def test_missing_measure_names_the_measure() -> None:
    error = broken(lambda d: d["measures"].pop("f"))
    assert (error.path, error.key) == ("nis2.toml", "measures.f")
    assert "les dix mesures a à j" in error.message


def test_unknown_measure_letter_on_a_question_names_the_question() -> None:
    error = broken(lambda d: question(d, "c_sauvegardes").update(measure="k"))
    assert error.key == "questions[6] (id « c_sauvegardes »).measure"
    assert "trouvé « k »" in error.message


def test_options_not_reaching_index_3_are_refused() -> None:
    def drop_best(data: dict[str, Any]) -> None:
        question(data, "a_referent")["options"].pop()

    error = broken(drop_best)
    assert error.key == "questions[0] (id « a_referent »).options"
    assert "de 0 à 3" in error.message and "[0, 1, 2]" in error.message


def test_index_out_of_range_names_the_option() -> None:
    error = broken(lambda d: question(d, "a_referent")["options"][3].update(index=4))
    assert error.key == "questions[0] (id « a_referent »).options[3].index"
    assert error.message == "entier de 0 à 3 attendu, trouvé 4"


def test_duplicate_question_id_is_refused() -> None:
    error = broken(lambda d: question(d, "b_journaux").update(id="b_reflexes"))
    assert error.key == "questions[4].id"
    assert "« b_reflexes » en double" in error.message


def test_undeclared_theme_is_refused() -> None:
    error = broken(lambda d: question(d, "g_antivirus").update(theme="antivirus"))
    assert error.key.endswith("(id « g_antivirus »).theme")
    assert "non déclaré" in error.message


def test_weight_of_the_wrong_type_is_refused() -> None:
    error = broken(lambda d: question(d, "g_antivirus").update(weight="2"))
    assert error.key.endswith(".weight") and "entier de 1 à 3" in error.message


def test_bad_scan_evidence_is_refused() -> None:
    error = broken(lambda d: question(d, "h_https").update(scan_evidence=["http.hsts"]))
    assert error.key.endswith("(id « h_https »).scan_evidence")
    assert "'http.hsts'" in error.message


def test_unknown_key_is_refused_rather_than_ignored() -> None:
    error = broken(lambda d: question(d, "h_https").update(wieght=2))
    assert error.key.endswith("(id « h_https »).wieght") and "clé inconnue" in error.message


def test_measure_without_questions_is_refused() -> None:
    error = broken(lambda d: d.update(questions=[q for q in d["questions"] if q["measure"] != "d"]))
    assert (error.key, error.message) == ("questions", "aucune question pour la mesure (d)")


def test_missing_text_is_refused() -> None:
    error = broken(lambda d: question(d, "j_mfa_messagerie").pop("text"))
    assert error.key.endswith("(id « j_mfa_messagerie »).text") and "obligatoire" in error.message


def test_undeclared_scale_is_refused(tmp_path: Path) -> None:
    text = QUESTIONNAIRE_PATH.read_text(encoding="utf-8")
    path = tmp_path / "scale.toml"
    path.write_text(text.replace('scale = "frequence_controle"', 'scale = "nope"'), "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_questionnaire(path)
    assert caught.value.key == "questions[21] (id « f_alertes_traitees »).scale"
    assert "« nope » non déclarée" in caught.value.message


def test_scale_and_options_together_are_refused() -> None:
    def both(data: dict[str, Any]) -> None:
        question(data, "a_referent")["scale"] = "frequence_controle"

    error = broken(both)
    assert error.key == "questions[0] (id « a_referent »).options"
    assert "soit « scale »" in error.message


def test_invalid_toml_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[questionnaire]\nid = "x"\nversion = 2026.1.1\n', "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_questionnaire(path)
    assert caught.value.path == str(path)
    assert "TOML invalide" in caught.value.message and "line 3" in caught.value.message
    assert str(caught.value).startswith(f"{path}: -: TOML invalide")


def test_missing_file_is_reported_as_a_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as caught:
        load_questionnaire(tmp_path / "absent.toml")
    assert "lecture impossible" in caught.value.message


def test_form_values_are_parsed_against_the_question() -> None:
    questionnaire = current_questionnaire()
    with_na = questionnaire.question("h_https")
    without_na = questionnaire.question("a_referent")
    assert with_na is not None and without_na is not None
    assert parse_answer(with_na, "2") == 2
    assert parse_answer(with_na, "not_applicable") == "not_applicable"
    assert parse_answer(without_na, "unknown") == "unknown"
    assert parse_answer(without_na, " ") is None
    for bad in ("4", "-1", "02", "not_applicable", "oui"):
        with pytest.raises(ValueError):
            parse_answer(without_na, bad)

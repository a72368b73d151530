"""`cyberreponse questionnaire check`: what an editor of the questionnaire file sees."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from cyberreponse.cli import _register, cli
from cyberreponse.services.questionnaire import QUESTIONNAIRE_PATH, current_questionnaire


def run(*args: str) -> tuple[int, str, str]:
    _register()
    result = CliRunner().invoke(cli, ["questionnaire", "check", *args])
    return result.exit_code, result.stdout, result.stderr


def test_shipped_questionnaire_checks_ok_with_its_version_hash_and_counts() -> None:
    code, out, _err = run()
    assert code == 0
    assert f"version 2026.1, content hash {current_questionnaire().content_hash}" in out
    assert "38 questions" in out and "(j) 5" in out


def test_broken_file_exits_1_naming_the_file_key_and_problem(tmp_path: Path) -> None:
    edited = tmp_path / "edited.toml"
    text = QUESTIONNAIRE_PATH.read_text(encoding="utf-8")
    edited.write_text(
        text.replace('id = "g_antivirus"\nmeasure = "g"', 'id = "g_antivirus"\nmeasure = "G"'), "utf-8"
    )
    code, out, err = run(str(edited))
    assert code == 1 and out == ""
    assert err.strip() == (
        f"Error: {edited}: questions[24] (id « g_antivirus »).measure: "
        "lettre de mesure NIS2 attendue (a à j), trouvé « G »"
    )


def test_file_missing_its_measures_table_says_so(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    path.write_text('[questionnaire]\nid = "x1"\nversion = "1"\ntitle = "T"\nintroduction = "I"\n', "utf-8")
    code, _out, err = run(str(path))
    assert code == 1
    assert err.strip() == f"Error: {path}: measures: table obligatoire absente"

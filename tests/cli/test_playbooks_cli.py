"""`cyberreponse playbooks validate|sync`, as an operator runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cyberreponse.cli import _register, cli
from cyberreponse.config import PROJECT_ROOT
from tests.cli.conftest import CliDatabase

_register()


def test_validate_accepts_the_shipped_playbooks() -> None:
    result = CliRunner().invoke(cli, ["playbooks", "validate", str(PROJECT_ROOT / "playbooks")])
    assert result.exit_code == 0, result.output
    assert "playbook(s) valid" in result.output


def test_validate_lists_every_error_and_exits_non_zero(tmp_path: Path) -> None:
    shutil.copy(PROJECT_ROOT / "playbooks" / "ransomware.toml", tmp_path)
    shutil.copy(PROJECT_ROOT / "playbooks" / "payment-fraud.toml", tmp_path)
    ransomware = tmp_path / "ransomware.toml"
    ransomware.write_text(
        ransomware.read_text("utf-8").replace('within = "PT30M"', 'within = "30 min"'), "utf-8"
    )
    fraud = tmp_path / "payment-fraud.toml"
    fraud.write_text(fraud.read_text("utf-8").replace('actor = "member"', 'actor = "maire"', 1), "utf-8")
    result = CliRunner().invoke(cli, ["playbooks", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "2 error(s)" in result.output
    assert f"{fraud}: steps[1].actor: unknown value 'maire'" in result.output
    assert f"{ransomware}: steps[1].within: '30 min'" in result.output


def test_validate_reports_a_missing_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["playbooks", "validate", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert "not a directory" in result.output


@pytest.mark.usefixtures("cli_database")
def test_sync_twice_stores_new_versions_once(cli_database: CliDatabase) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["playbooks", "sync"])
    assert first.exit_code == 0, first.output
    assert "Stored ransomware version 1" in first.output
    second = runner.invoke(cli, ["playbooks", "sync"])
    assert second.exit_code == 0
    assert "0 new version(s)" in second.output


@pytest.mark.usefixtures("cli_database")
def test_sync_refuses_a_directory_with_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('id = "bad"\n', "utf-8")
    result = CliRunner().invoke(cli, ["playbooks", "sync", str(tmp_path)])
    assert result.exit_code == 1
    assert "Nothing stored" in result.output

"""Configuration: defaults, environment overrides, clear errors, no secrets in the repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cyberreponse.config import PROJECT_ROOT, ConfigError, load_settings, resolve_database_url
from tests.conftest import environ_for_tests


def test_defaults_come_from_config_toml(tmp_path: Path) -> None:
    settings = load_settings(environ=environ_for_tests(), instance_path=tmp_path)
    assert settings.get_int("server.port") == 5000
    assert settings.get_str("app.timezone") == "Europe/Paris"


def test_section_key_variable_overrides_with_plain_or_json_values(tmp_path: Path) -> None:
    environ = environ_for_tests(
        CYBERREPONSE_SERVER__PORT="8080",
        CYBERREPONSE_MAIL__SMTP_HOST="127.0.0.2",
        CYBERREPONSE_SECURITY__TOTP_REQUIRED_ROLES='["admin"]',
        CYBERREPONSE_SECURITY__COOKIE_SECURE="false",
    )
    settings = load_settings(environ=environ, instance_path=tmp_path)
    assert settings.get_int("server.port") == 8080
    assert settings.get_str("mail.smtp_host") == "127.0.0.2"
    assert settings.get_list("security.totp_required_roles") == ["admin"]
    assert settings.get_bool("security.cookie_secure") is False


def test_short_database_url_name_is_honoured(tmp_path: Path) -> None:
    environ = environ_for_tests(CYBERREPONSE_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    settings = load_settings(environ=environ, instance_path=tmp_path)
    assert resolve_database_url(settings) == "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def test_relative_sqlite_database_lives_in_the_instance_folder(tmp_path: Path) -> None:
    settings = load_settings(environ=environ_for_tests(), instance_path=tmp_path)
    assert resolve_database_url(settings) == f"sqlite:///{tmp_path}/cyberreponse.sqlite3"


@pytest.mark.parametrize(
    ("name", "value", "key", "expected"),
    [
        ("CYBERREPONSE_SERVER__PORT", "cinq-mille", "server.port", "an integer"),
        ("CYBERREPONSE_SERVER__PORT", "70000", "server.port", "an integer from 1 to 65535"),
        ("CYBERREPONSE_LOGGING__FORMAT", "xml", "logging.format", "one of json, text"),
        ("CYBERREPONSE_APP__TIMEZONE", "Mars/Olympus", "app.timezone", "an IANA time zone"),
        ("CYBERREPONSE_DATABASE_URL", "mysql://x", "database.url", "a sqlite:/// or postgresql:// URL"),
        ("CYBERREPONSE_SECURITY__COOKIE_SECURE", "peut-être", "security.cookie_secure", "true or false"),
    ],
)
def test_invalid_value_names_key_value_and_expectation(
    tmp_path: Path, name: str, value: str, key: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ=environ_for_tests(**{name: value}), instance_path=tmp_path)
    message = str(caught.value)
    assert key in message
    assert value in message
    assert expected in message


def test_unknown_setting_is_refused_rather_than_ignored(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CYBERREPONSE_MAIL__SMTP_HOTS"):
        load_settings(environ=environ_for_tests(CYBERREPONSE_MAIL__SMTP_HOTS="x"), instance_path=tmp_path)


def test_missing_secrets_stop_start_up_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cyberreponse init"):
        load_settings(environ={}, instance_path=tmp_path)


def test_bad_encryption_key_is_reported_without_showing_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(
            environ=environ_for_tests(CYBERREPONSE_ENCRYPTION_KEYS="not-a-key"), instance_path=tmp_path
        )
    assert "not-a-key" not in str(caught.value)
    assert "security.encryption_keys" in str(caught.value)


def test_cli_exits_2_with_one_clear_message_on_bad_configuration(tmp_path: Path) -> None:
    environ = environ_for_tests(CYBERREPONSE_SERVER__PORT="abc", CYBERREPONSE_INSTANCE=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "cyberreponse.cli", "audit", "verify"],
        env={**environ, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "server.port" in result.stderr and "'abc'" in result.stderr and "integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_toml_holds_no_secret() -> None:
    text = (PROJECT_ROOT / "config.toml").read_text("utf-8")
    for word in ("secret_key", "encryption_keys", "smtp_password"):
        assert f"{word} =" not in text


def test_no_key_material_is_committed() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [p for p in tracked if p.endswith(("secrets.toml", ".pem", ".key")) and "tests/" not in p]

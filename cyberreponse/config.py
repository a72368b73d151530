"""Configuration: `config.toml` defaults, overridden by `CYBERREPONSE_*` environment variables.

The type of every setting is the type of its default in `config.toml`; a few settings have a
stricter rule in `config_rules.RULES`. Secrets never come from `config.toml`: they come from the environment
or from `<instance>/secrets.toml` (written by `cyberreponse init`, mode 0600, outside git).
Everything is read once, when the app or the CLI starts, never at import.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cyberreponse.config_rules import RULES
from cyberreponse.config_rules import ConfigError as ConfigError

ENV_PREFIX = "CYBERREPONSE_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Short names for the settings people set most often.
SHORT_NAMES = {
    "CYBERREPONSE_DATABASE_URL": "database.url",
    "CYBERREPONSE_SECRET_KEY": "security.secret_key",
    "CYBERREPONSE_ENCRYPTION_KEYS": "security.encryption_keys",
    "CYBERREPONSE_SMTP_PASSWORD": "mail.smtp_password",
}

# Secrets: never in config.toml, required ones must be present for the app to start.
SECRET_KEYS = {
    "security.secret_key": True,
    "security.encryption_keys": True,
    "mail.smtp_password": False,
}


@dataclass(frozen=True)
class Settings:
    """Validated settings, addressed as "section.key"."""

    values: Mapping[str, Any]
    instance_path: Path

    def get(self, key: str) -> Any:
        return self.values[key]

    def _typed(self, key: str, kind: type) -> Any:
        value = self.values[key]
        if not isinstance(value, kind):
            raise ConfigError(key, value, f"a value of type {kind.__name__}")
        return value

    def get_str(self, key: str) -> str:
        value: str = self._typed(key, str)
        return value

    def get_int(self, key: str) -> int:
        value: int = self._typed(key, int)
        return value

    def get_bool(self, key: str) -> bool:
        return bool(self.values[key])

    def get_list(self, key: str) -> list[Any]:
        value: list[Any] = self._typed(key, list)
        return value

    def section(self, name: str) -> dict[str, Any]:
        prefix = name + "."
        return {k[len(prefix) :]: v for k, v in self.values.items() if k.startswith(prefix)}

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        merged = dict(self.values)
        for key, value in overrides.items():
            merged[key] = _validate(key, value, merged.get(key, value))
        return Settings(merged, self.instance_path)


def default_instance_path() -> Path:
    return Path(os.environ.get(ENV_PREFIX + "INSTANCE", PROJECT_ROOT / "instance")).resolve()


def _flatten(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(section, body, f"a [section] table in {source}")
        for key, value in body.items():
            flat[f"{section}.{key}"] = value
    return flat


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), "(file)", f"valid TOML ({error})") from error


def _parse_env_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _coerce(key: str, value: Any, default: Any) -> Any:
    """Bring an override to the type of the default, or explain what was expected."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
        raise ConfigError(key, value, "true or false")
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(key, value, "an integer")
    if isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(key, value, "a number")
    if isinstance(default, list):
        if isinstance(value, list):
            return value
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        raise ConfigError(key, value, "a JSON list or comma-separated values")
    if isinstance(default, dict):
        if isinstance(value, dict):
            return value
        raise ConfigError(key, value, "a JSON object")
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        raise ConfigError(key, value, "a string")
    return value


def _validate(key: str, value: Any, default: Any) -> Any:
    value = _coerce(key, value, default)
    rule = RULES.get(key)
    return rule(key, value) if rule else value


def load_settings(
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    instance_path: Path | None = None,
    require_secrets: bool = True,
) -> Settings:
    """Read config.toml, the instance secrets file and the environment; validate everything."""
    environ = os.environ if environ is None else environ
    config_file = config_file or Path(environ.get(ENV_PREFIX + "CONFIG", PROJECT_ROOT / "config.toml"))
    instance_path = instance_path or Path(environ.get(ENV_PREFIX + "INSTANCE", default_instance_path()))

    defaults = _flatten(_read_toml(config_file), str(config_file))
    for key in SECRET_KEYS:
        if key in defaults:
            raise ConfigError(key, "(hidden)", f"no secret in {config_file}: use the environment")
    values: dict[str, Any] = dict(defaults)

    secrets_file = instance_path / "secrets.toml"
    if secrets_file.exists():
        for key, value in _flatten(_read_toml(secrets_file), str(secrets_file)).items():
            if key not in SECRET_KEYS:
                raise ConfigError(key, "(hidden)", f"only secrets in {secrets_file}")
            values[key] = value

    for name, raw in environ.items():
        if name in SHORT_NAMES:
            key = SHORT_NAMES[name]
        elif name.startswith(ENV_PREFIX) and "__" in name:
            section, _, option = name[len(ENV_PREFIX) :].partition("__")
            key = f"{section.lower()}.{option.lower()}"
            if key not in defaults and key not in SECRET_KEYS:
                raise ConfigError(name, raw, "a known setting (see config.toml)")
        else:
            continue
        values[key] = _parse_env_value(raw) if key not in SECRET_KEYS else raw

    validated: dict[str, Any] = {}
    for key, value in values.items():
        validated[key] = _validate(key, value, defaults.get(key, value))
    for key, required in SECRET_KEYS.items():
        if key not in validated:
            if required and require_secrets:
                raise ConfigError(
                    key,
                    None,
                    f"a secret from the environment or {secrets_file} (run `cyberreponse init`)",
                )
            validated[key] = "" if key == "mail.smtp_password" else None
    return Settings(validated, instance_path)


def resolve_database_url(settings: Settings) -> str:
    """Relative SQLite paths live in the instance folder."""
    url = settings.get_str("database.url")
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str(settings.instance_path / url[len(prefix) :])
    return url

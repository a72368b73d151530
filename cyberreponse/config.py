"""Configuration: `config.toml` defaults, overridden by `CYBERREPONSE_*` environment variables.

The type of every setting is the type of its default in `config.toml`; a few settings have a
stricter rule in `_RULES`. Secrets never come from `config.toml`: they come from the environment
or from `<instance>/secrets.toml` (written by `cyberreponse init`, mode 0600, outside git).
Everything is read once, when the app or the CLI starts, never at import.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

from cyberreponse.clamd import parse_address

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


class ConfigError(Exception):
    """A setting is missing or has a value that cannot be used."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key = key
        self.value = value
        self.expected = expected
        shown = "(absent)" if value is None else repr(value)
        super().__init__(f"configuration: {key} = {shown} is invalid: expected {expected}")


Rule = Callable[[str, Any], Any]


def _choice(*allowed: str) -> Rule:
    def check(key: str, value: Any) -> Any:
        if value not in allowed:
            raise ConfigError(key, value, "one of " + ", ".join(allowed))
        return value

    return check


def _int_range(low: int, high: int) -> Rule:
    def check(key: str, value: Any) -> Any:
        if not low <= value <= high:
            raise ConfigError(key, value, f"an integer from {low} to {high}")
        return value

    return check


def _database_url(key: str, value: Any) -> Any:
    scheme = urlsplit(value).scheme
    if not scheme.startswith(("sqlite", "postgresql")):
        raise ConfigError(key, value, "a sqlite:/// or postgresql:// URL")
    return value


def _http_url(key: str, value: Any) -> Any:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(key, value, "an http:// or https:// URL")
    return value.rstrip("/")


def _optional_http_url(key: str, value: Any) -> Any:
    return _http_url(key, value) if value else value


def _exclusion_list(key: str, value: Any) -> Any:
    from checks.targets import InvalidTarget, normalise_domain

    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(key, value, "a list of networks (192.0.2.0/24), addresses or domains")
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            try:
                normalise_domain(item)
            except InvalidTarget as error:
                raise ConfigError(key, item, "a network, an address or a domain name") from error
    return value


def _clamd_address(key: str, value: Any) -> Any:
    try:
        parse_address(value)
    except ValueError as error:
        raise ConfigError(key, value, "unix:///path/to/clamd.ctl or tcp://host:port") from error
    return value


def _shared_limits_url(key: str, value: Any) -> Any:
    if value not in ("", "inprocess") and not str(value).startswith(("redis://", "rediss://", "unix://")):
        expected = '"" (the Celery broker when it is Redis), "inprocess" or a redis:// URL'
        raise ConfigError(key, value, expected)
    return value


def _families(key: str, value: Any) -> Any:
    known = ("mail", "dns", "tls", "web", "exposure")
    if not isinstance(value, list) or not set(value) <= set(known):
        raise ConfigError(key, value, "a list among " + ", ".join(known))
    return value


def _thresholds(count: int, *, increasing: bool) -> Rule:
    """`count` whole numbers from 1 to 100, strictly increasing (or decreasing)."""
    order = "increasing" if increasing else "decreasing"

    def check(key: str, value: Any) -> Any:
        expected = f"a list of {count} integers from 1 to 100, strictly {order}"
        if (
            not isinstance(value, list)
            or len(value) != count
            or not all(isinstance(item, int) and not isinstance(item, bool) for item in value)
            or not all(1 <= item <= 100 for item in value)
        ):
            raise ConfigError(key, value, expected)
        pairs = list(itertools.pairwise(value))
        if not all((a < b) if increasing else (a > b) for a, b in pairs):
            raise ConfigError(key, value, expected)
        return value

    return check


def _timezone(key: str, value: Any) -> Any:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError(key, value, "an IANA time zone such as Europe/Paris") from error
    return value


def _secret_key(key: str, value: Any) -> Any:
    if not isinstance(value, str) or len(value) < 32:
        raise ConfigError(key, "(hidden)", "a random string of at least 32 characters")
    return value


def _fernet_keys(key: str, value: Any) -> Any:
    keys = value.split(",") if isinstance(value, str) else value
    if not isinstance(keys, list) or not keys:
        raise ConfigError(key, "(hidden)", "a comma-separated list of Fernet keys, newest first")
    for item in keys:
        try:
            Fernet(str(item).strip())
        except (ValueError, TypeError) as error:
            raise ConfigError(
                key, "(hidden)", "Fernet keys (32 url-safe base64-encoded bytes each)"
            ) from error
    return [str(item).strip() for item in keys]


_RULES: dict[str, Rule] = {
    "app.base_url": _http_url,
    "app.default_locale": _choice("fr", "en"),
    "app.timezone": _timezone,
    "database.url": _database_url,
    "server.port": _int_range(1, 65535),
    "server.threads": _int_range(1, 256),
    "server.trusted_proxies": _int_range(0, 5),
    "security.session_idle_minutes": _int_range(1, 24 * 60),
    "security.session_max_hours": _int_range(1, 24 * 7),
    "security.password_min_length": _int_range(8, 64),
    "security.max_failed_logins": _int_range(3, 100),
    "security.secret_key": _secret_key,
    "security.encryption_keys": _fernet_keys,
    "mail.smtp_port": _int_range(1, 65535),
    "mail.smtp_timeout_seconds": _int_range(1, 120),
    "mail.max_attempts": _int_range(1, 1000),
    "uploads.max_files": _int_range(0, 50),
    "uploads.max_file_mb": _int_range(1, 500),
    "uploads.max_total_mb": _int_range(1, 2000),
    "uploads.max_zip_entries": _int_range(1, 100_000),
    "uploads.max_zip_uncompressed_mb": _int_range(1, 10_000),
    "uploads.antivirus": _choice("off", "clamd"),
    "uploads.clamd_address": _clamd_address,
    "uploads.clamd_timeout_seconds": _int_range(1, 300),
    "retention.closed_incident_months": _int_range(1, 240),
    "retention.sent_mail_days": _int_range(1, 3650),
    "jobs.lease_seconds": _int_range(3, 3600),
    "jobs.executor": _choice("inprocess", "celery"),
    "jobs.celery_units_per_task": _int_range(1, 1000),
    "jobs.worker_concurrency": _int_range(1, 64),
    "jobs.celery_visibility_timeout": _int_range(1, 86400),
    "jobs.unit_lease_seconds": _int_range(1, 86400),
    "jobs.units_per_claim": _int_range(1, 10_000),
    "scanning.concurrency": _int_range(1, 500),
    "scanning.excluded": _exclusion_list,
    "scanning.families": _families,
    "scanning.smtp_port": _int_range(1, 65535),
    "scanning.http_port": _int_range(1, 65535),
    "scanning.https_port": _int_range(1, 65535),
    "scanning.per_address_connections": _int_range(1, 100),
    "scanning.connections_per_second": _int_range(0, 10_000),
    "scanning.shared_limits_url": _shared_limits_url,
    "scanning.shared_limits_lease_seconds": _int_range(2, 3600),
    # Slower than "normal" is allowed, faster (T4 aggressive, T5 insane) is not: members' links.
    "scanning.nmap_timing": _choice("T0", "T1", "T2", "T3"),
    "scanning.nmap_max_rate": _int_range(1, 10_000),  # all runs together
    "scanning.nmap_parallel_runs": _int_range(1, 16),
    "scanning.check_timeout": _int_range(1, 600),
    "alerts.certificate_days": _int_range(0, 365),
    "alerts.webhook_url": _optional_http_url,
    "alerts.webhook_timeout_seconds": _int_range(1, 120),
    "alerts.webhook_attempts": _int_range(1, 10),
    "scoring.grade_thresholds": _thresholds(5, increasing=False),
    "scoring.maturity_thresholds": _thresholds(4, increasing=True),
    "scoring.technical_weight": _int_range(0, 100),
    "scoring.organisational_weight": _int_range(0, 100),
    "scoring.capped_max_level": _int_range(1, 5),
    "scoring.median_min_organisations": _int_range(3, 10_000),
    "scoring.result_max_age_days": _int_range(1, 365),
    "scoring.certificate_days": _int_range(1, 365),
    "api.token_days": _int_range(1, 3650),
    "api.token_max_days": _int_range(1, 3650),
    "api.max_page_size": _int_range(1, 1000),
    "logging.level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
    "logging.format": _choice("json", "text"),
}


def add_rule(key: str, rule: Rule) -> None:
    """Register a stricter rule for a setting (used by modules that own a config section)."""
    _RULES[key] = rule


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
    rule = _RULES.get(key)
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

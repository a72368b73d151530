"""The rules that settings' values must follow, beyond the type of their default in `config.toml`.

Each rule takes the key and the value and returns the value to use, or raises ConfigError naming the
key, the value and what was expected (start-up then stops with exit code 2).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet

from cyberreponse.clamd import parse_address


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


RULES: dict[str, Rule] = {
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

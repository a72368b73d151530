"""Structured logs: one event per line, whatever the user typed (ASVS 16.4.1)."""

from __future__ import annotations

import json
import logging

import pytest

from cyberreponse.logs import JsonFormatter, KeyValueFormatter, configure_logging, log_event


def _record(**fields: object) -> logging.LogRecord:
    record = logging.LogRecord("cyberreponse.test", logging.WARNING, __file__, 1, "login.failed", None, None)
    for key, value in fields.items():
        setattr(record, key, value)
    return record


def test_json_lines_cannot_be_forged_by_a_newline_in_a_field() -> None:
    line = JsonFormatter().format(_record(user="x\nFAKE level=info event=login.ok", ip="127.0.0.1"))
    assert "\n" not in line
    payload = json.loads(line)
    assert payload["user"] == "x\nFAKE level=info event=login.ok"
    assert payload["event"] == "login.failed" and payload["at"].endswith("+00:00")


def test_key_value_lines_quote_and_escape_fields() -> None:
    line = KeyValueFormatter().format(_record(user="x\nFAKE"))
    assert "\n" not in line and 'user="x\\nFAKE"' in line


def test_log_event_attaches_fields(caplog: object) -> None:
    logger = logging.getLogger("cyberreponse.test")
    with caplog.at_level(logging.INFO):  # type: ignore[attr-defined]
        log_event(logger, "scan.started", organisation="213701234")
    assert caplog.records[0].organisation == "213701234"  # type: ignore[attr-defined]


def test_configured_logging_writes_json_lines_to_standard_error(capsys: pytest.CaptureFixture[str]) -> None:
    """What `cyberreponse serve` sets up: one JSON object a line on stderr, for journald or a
    log shipper to take off the host (docs/operations.md, ASVS 16.4.2, 16.4.3); nothing on stdout."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        configure_logging("INFO", "json")
        log_event(logging.getLogger("cyberreponse.test"), "login.failed", user="u1", ip="127.0.0.1")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    payload = json.loads(line)
    assert (payload["event"], payload["user"], payload["level"]) == ("login.failed", "u1", "info")
    assert payload["at"].endswith("+00:00")

"""Structured logs: one event per line, JSON or key=value. Never secrets or incident content."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in _RESERVED and k != "message"})
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        # json.dumps escapes control characters, so a user-supplied "\n" cannot forge a line.
        return json.dumps(payload, ensure_ascii=False, default=str)


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = {k: v for k, v in vars(record).items() if k not in _RESERVED and k != "message"}
        parts = [f"at={at}", f"level={record.levelname.lower()}", f"event={json.dumps(record.getMessage())}"]
        parts += [f"{k}={json.dumps(v, ensure_ascii=False, default=str)}" for k, v in fields.items()]
        line = " ".join(parts)
        if record.exc_info:
            line += " exception=" + json.dumps(self.formatException(record.exc_info))
        return line


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # APScheduler announces every run of every job at INFO (mail delivery runs each minute); our jobs log
    # their own `job.finished` events, so its INFO lines would only bury the ones that matter.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))


def log_event(logger: logging.Logger, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with its fields as structured data."""
    logger.log(level, event, extra=fields)

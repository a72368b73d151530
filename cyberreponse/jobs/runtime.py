"""What scheduled jobs run with: set once when the scheduler (or a worker) starts.

Jobs are stored by name, so they cannot carry their database or settings with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from cyberreponse.config import Settings
from cyberreponse.db import Database


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    database: Database
    holder: str


_runtime: Runtime | None = None


def configure(runtime: Runtime) -> None:
    global _runtime
    _runtime = runtime


def current() -> Runtime:
    if _runtime is None:
        raise RuntimeError("jobs run only inside `cyberreponse scheduler`, `serve` or a worker")
    return _runtime

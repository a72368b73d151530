"""Leases decide who runs alone; the job store keeps JSON and refuses foreign functions."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from apscheduler.job import Job
from sqlalchemy.orm import Session

from cyberreponse.clock import now
from cyberreponse.config import ConfigError, Settings
from cyberreponse.jobs import leases
from cyberreponse.jobs.scheduler import configured_jobs
from cyberreponse.jobs.store import ExpressionCronTrigger, decode_state, encode_state

pytestmark = pytest.mark.db
TTL = timedelta(seconds=60)


def test_one_holder_at_a_time_until_the_lease_expires(session: Session) -> None:
    assert leases.acquire(session, "scheduler", "host-a", TTL)
    assert not leases.acquire(session, "scheduler", "host-b", TTL)
    assert leases.acquire(session, "scheduler", "host-a", TTL)  # renewal
    assert leases.holder_of(session, "scheduler") == "host-a"
    with time_machine.travel(now() + timedelta(seconds=61)):
        assert leases.holder_of(session, "scheduler") is None
        assert leases.acquire(session, "scheduler", "host-b", TTL)
        assert not leases.acquire(session, "scheduler", "host-a", TTL)


def test_released_lease_is_free_at_once(session: Session) -> None:
    assert leases.acquire(session, "campaign", "host-a", TTL)
    leases.release(session, "campaign", "host-a")
    assert leases.acquire(session, "campaign", "host-b", TTL)


def _job(func: str) -> Job:
    trigger = ExpressionCronTrigger("*/15 * * * *", "Europe/Paris")
    job = Job.__new__(Job)
    job.__setstate__(
        {
            "version": 1,
            "id": "deadline_reminders",
            "func": func,
            "trigger": trigger,
            "executor": "default",
            "args": (),
            "kwargs": {},
            "name": "deadline_reminders",
            "misfire_grace_time": 60,
            "coalesce": True,
            "max_instances": 1,
            "next_run_time": now(),
        }
    )
    return job


def test_job_state_is_json_and_round_trips() -> None:
    text = encode_state(_job("cyberreponse.jobs.tasks:audit_verify"))
    assert text.startswith("{") and '"cron": "*/15 * * * *"' in text
    state = decode_state(text)
    assert state["trigger"].expression == "*/15 * * * *"
    assert state["func"] == "cyberreponse.jobs.tasks:audit_verify"


def test_a_forged_row_pointing_at_another_function_is_refused() -> None:
    text = encode_state(_job("cyberreponse.jobs.tasks:audit_verify")).replace(
        "cyberreponse.jobs.tasks:audit_verify", "os:system"
    )
    with pytest.raises(ValueError, match="refusing to load"):
        decode_state(text)
    with pytest.raises(TypeError):
        encode_state(_job("os:system"))


def test_schedule_names_and_expressions_are_checked(settings: Settings) -> None:
    assert configured_jobs(settings)["audit_verify"] == "0 6 * * *"
    with pytest.raises(ConfigError, match=r"schedule\.format_disk"):
        configured_jobs(settings.with_overrides({"schedule.format_disk": "* * * * *"}))
    with pytest.raises(ConfigError, match="5 or 6 fields"):
        configured_jobs(settings.with_overrides({"schedule.audit_verify": "tous les jours"}))

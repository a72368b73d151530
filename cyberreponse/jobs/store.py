"""APScheduler's SQLAlchemy job store, storing JSON instead of pickle (ASVS 1.5.2).

Whoever can write the job table must not be able to run code in the scheduler: job state is plain
JSON, triggers are rebuilt from their cron expression, and only functions of `cyberreponse.jobs.tasks`
may be referenced.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import Engine
from sqlalchemy import insert as sa_insert
from sqlalchemy import update as sa_update
from sqlalchemy.exc import IntegrityError

from cyberreponse.models import SchedulerJob

TASKS_MODULE = "cyberreponse.jobs.tasks:"


class ExpressionCronTrigger(CronTrigger):  # type: ignore[misc]
    """A cron trigger that remembers the expression it was built from, so it can be stored as text."""

    def __init__(self, expression: str, timezone: str) -> None:
        fields = expression.split()
        names = ["minute", "hour", "day", "month", "day_of_week"]
        if len(fields) == 6:  # a leading seconds field
            names = ["second", *names]
        if len(fields) != len(names):
            raise ValueError(f"cron expression needs 5 or 6 fields: {expression!r}")
        super().__init__(timezone=timezone, **dict(zip(names, fields, strict=True)))
        self.expression = expression
        self.timezone_name = timezone


def encode_state(job: Job) -> str:
    state = job.__getstate__()
    trigger = state["trigger"]
    if not isinstance(trigger, ExpressionCronTrigger):
        raise TypeError("only ExpressionCronTrigger jobs can be stored")
    if not str(state["func"]).startswith(TASKS_MODULE):
        raise TypeError(f"only functions of {TASKS_MODULE} can be scheduled")
    next_run: datetime | None = state["next_run_time"]
    return json.dumps(
        {
            **{
                k: state[k]
                for k in ("id", "func", "executor", "name", "misfire_grace_time", "coalesce", "max_instances")
            },
            "args": list(state["args"]),
            "kwargs": state["kwargs"],
            "trigger": {"cron": trigger.expression, "timezone": trigger.timezone_name},
            "next_run_time": next_run.isoformat() if next_run else None,
        }
    )


def decode_state(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not str(data["func"]).startswith(TASKS_MODULE):
        raise ValueError(f"refusing to load job {data.get('id')!r}: function outside {TASKS_MODULE}")
    return {
        **data,
        "version": 1,
        "args": tuple(data["args"]),
        "trigger": ExpressionCronTrigger(data["trigger"]["cron"], data["trigger"]["timezone"]),
        "next_run_time": datetime.fromisoformat(data["next_run_time"]) if data["next_run_time"] else None,
    }


class JsonJobStore(SQLAlchemyJobStore):  # type: ignore[misc]
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine=engine, tablename="scheduler_job_unused")
        self.jobs_t = SchedulerJob.__table__  # created by the migrations, not by APScheduler

    def start(self, scheduler: Any, alias: str) -> None:
        # Skip SQLAlchemyJobStore.start, which would create its own table.
        super(SQLAlchemyJobStore, self).start(scheduler, alias)

    def add_job(self, job: Job) -> None:
        insert = sa_insert(SchedulerJob).values(
            id=job.id, next_run_time=datetime_to_utc_timestamp(job.next_run_time), job_state=encode_state(job)
        )
        with self.engine.begin() as connection:
            try:
                connection.execute(insert)
            except IntegrityError as error:
                raise ConflictingIdError(job.id) from error

    def update_job(self, job: Job) -> None:
        statement = (
            sa_update(SchedulerJob)
            .values(next_run_time=datetime_to_utc_timestamp(job.next_run_time), job_state=encode_state(job))
            .where(SchedulerJob.id == job.id)
        )
        with self.engine.begin() as connection:
            if connection.execute(statement).rowcount == 0:
                raise JobLookupError(job.id)

    def shutdown(self) -> None:
        """The engine belongs to the application: leave it open."""

    def _reconstitute_job(self, job_state: str) -> Job:
        state = decode_state(job_state)
        state["jobstore"] = self
        job = Job.__new__(Job)
        job.__setstate__(state)
        job._scheduler = self._scheduler
        job._jobstore_alias = self._alias
        return job

"""The scheduler (APScheduler 3), run by exactly one process at a time.

Every candidate process — `cyberreponse scheduler`, or `serve` with `jobs.scheduler_in_serve` — tries
to hold the database lease "scheduler". Only the holder starts APScheduler on the job store; the others
stand by and take over when the lease expires (the holder died), so a job store is never shared by two
running schedulers and two processes started by mistake never run the same job twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from cyberreponse.config import ConfigError, Settings
from cyberreponse.db import Database
from cyberreponse.jobs import leases, runtime, tasks
from cyberreponse.jobs.store import ExpressionCronTrigger, JsonJobStore
from cyberreponse.logs import log_event

logger = logging.getLogger(__name__)
LEASE = "scheduler"


def new_holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def configured_jobs(settings: Settings) -> dict[str, str]:
    """Job name → cron expression, from `[schedule]`; an empty expression disables a job."""
    jobs = {}
    for name, expression in settings.section("schedule").items():
        if not callable(getattr(tasks, name, None)) or name.startswith("_") or name == "recorded":
            raise ConfigError(
                f"schedule.{name}", expression, "the name of a job in cyberreponse/jobs/tasks.py"
            )
        if expression:
            try:
                ExpressionCronTrigger(expression, settings.get_str("app.timezone"))
            except ValueError as error:
                raise ConfigError(
                    f"schedule.{name}", expression, "a cron expression of 5 or 6 fields"
                ) from error
            jobs[name] = expression
    return jobs


class SchedulerLeader:
    """Hold the lease while running APScheduler; stand by while another process holds it."""

    def __init__(self, settings: Settings, database: Database, holder: str | None = None) -> None:
        self.settings = settings
        self.database = database
        self.holder = holder or new_holder_id()
        self.ttl = timedelta(seconds=settings.get_int("jobs.lease_seconds"))
        self.jobs = configured_jobs(settings)
        self.scheduler: BackgroundScheduler | None = None
        self.stopping = threading.Event()

    def _start_scheduler(self) -> None:
        runtime.configure(runtime.Runtime(self.settings, self.database, self.holder))
        timezone = self.settings.get_str("app.timezone")
        scheduler = BackgroundScheduler(
            jobstores={"default": JsonJobStore(self.database.engine)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
            timezone=timezone,
        )
        scheduler.start(paused=True)
        for job in scheduler.get_jobs():
            if job.id not in self.jobs:
                job.remove()
        for name, expression in self.jobs.items():
            existing = scheduler.get_job(name)
            # Keep a stored job as is, so that a run missed while no scheduler was up still happens.
            if existing is None or existing.trigger.expression != expression:
                scheduler.add_job(
                    f"cyberreponse.jobs.tasks:{name}",
                    ExpressionCronTrigger(expression, timezone),
                    id=name,
                    name=name,
                    replace_existing=True,
                )
        scheduler.resume()
        self.scheduler = scheduler
        log_event(logger, "scheduler.leading", holder=self.holder, jobs=sorted(self.jobs))

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None
            log_event(logger, "scheduler.stopped", holder=self.holder)

    def step(self) -> bool:
        """Take or renew the lease and start or stop APScheduler accordingly; True while leading."""
        with self.database.session_scope() as session:
            leading = leases.acquire(session, LEASE, self.holder, self.ttl)
            other = None if leading else leases.holder_of(session, LEASE)
        if leading and self.scheduler is None:
            self._start_scheduler()
        elif not leading and self.scheduler is not None:
            log_event(logger, "scheduler.lease_lost", logging.WARNING, holder=self.holder, other=other)
            self._stop_scheduler()
        elif not leading:
            log_event(logger, "scheduler.standing_by", holder=self.holder, leader=other)
        return leading

    def run(self) -> None:
        """Loop until `stop()`: renew well before the lease expires."""
        interval = max(1.0, self.ttl.total_seconds() / 3)
        try:
            while not self.stopping.is_set():
                try:
                    self.step()
                except Exception:  # a database hiccup must not kill the loop; the lease just expires
                    logger.exception("scheduler.step_failed")
                self.stopping.wait(interval)
        finally:
            self._stop_scheduler()
            with self.database.session_scope() as session:
                leases.release(session, LEASE, self.holder)

    def stop(self) -> None:
        self.stopping.set()

    def run_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="scheduler-leader", daemon=True)
        thread.start()
        return thread

"""Scheduled jobs, thin: each opens a session and calls a service. Named in `[schedule]` of config.toml.

Every function here can be scheduled (the job store refuses functions from anywhere else), so only
jobs belong in this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from sqlalchemy.orm import Session

from cyberreponse.audit import verify_chain
from cyberreponse.clock import now
from cyberreponse.jobs import runtime
from cyberreponse.logs import log_event
from cyberreponse.models import JobRun
from cyberreponse.services.sessions import purge_ended_sessions

logger = logging.getLogger(__name__)
JobBody = Callable[[Session], str]


def recorded(body: JobBody) -> Callable[[], None]:
    """Run a job body with its own session and keep a JobRun row of how it went."""

    @wraps(body)
    def run() -> None:
        current = runtime.current()
        with current.database.session_scope() as session:
            record = JobRun(job=body.__name__, holder=current.holder, started_at=now())
            session.add(record)
            session.commit()
            try:
                record.detail = body(session)[:2000]
                record.status = "done"
            except Exception as error:  # a failed job is recorded and logged; the scheduler goes on
                session.rollback()
                record.status = "failed"
                record.detail = f"{type(error).__name__}: {error}"[:2000]
                logger.exception("job.failed", extra={"job": body.__name__})
            record.finished_at = now()
            session.add(record)
            session.commit()
            log_event(logger, "job.finished", job=body.__name__, status=record.status)

    return run


@recorded
def session_cleanup(session: Session) -> str:
    """Forget sessions that ended more than 30 days ago."""
    return f"{purge_ended_sessions(session)} ended sessions purged"


@recorded
def audit_verify(session: Session) -> str:
    """Walk the audit chain daily: a broken link is an alert for the operators."""
    checked, broken = verify_chain(session)
    if broken is not None:
        log_event(logger, "audit.chain_broken", logging.ERROR, event_id=broken.event_id, reason=broken.reason)
        raise RuntimeError(f"audit chain broken at event {broken.event_id}: {broken.reason}")
    return f"{checked} audit events verified"

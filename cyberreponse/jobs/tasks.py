"""Scheduled jobs, thin: each opens a session and calls a service. Named in `[schedule]` of config.toml.

Every function here can be scheduled (the job store refuses functions from anywhere else), so only
jobs belong in this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.audit import verify_chain
from cyberreponse.clock import now
from cyberreponse.jobs import runtime
from cyberreponse.logs import log_event
from cyberreponse.mail import deliver_pending_mail
from cyberreponse.models import JobRun
from cyberreponse.services.deadlines import send_deadline_reminders
from cyberreponse.services.retention import RetentionPolicy, apply_retention
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


@recorded
def mail_delivery(session: Session) -> str:
    """Send queued e-mails (acknowledgements, notifications, reminders) and retry failed ones."""
    report = deliver_pending_mail(session, runtime.current().settings, limit=500)
    return f"{report}"


@recorded
def deadline_reminders(session: Session) -> str:
    """Remind assignees of legal deadlines due within six hours or overdue, once each."""
    settings = runtime.current().settings
    queued = send_deadline_reminders(session, settings)
    report = deliver_pending_mail(session, settings)
    return f"{queued} reminders queued; {report}"


@recorded
def nightly_campaign(session: Session) -> str:
    """Finish any campaign a crash left unfinished, then scan every consenting member's assets.

    Tonight's campaign is created once (its slot is unique), so a second scheduler or a restart
    during the night finds it and only helps finish it.
    """
    # Imported here: the scanner (checks, dnspython, nmap wrappers) would slow every scheduler's start.
    from cyberreponse.jobs.campaign_runner import run_campaign
    from cyberreponse.services.campaigns import start_nightly, unfinished_campaigns

    current = runtime.current()
    session.commit()
    resumed = [c.id for c in unfinished_campaigns(session)]
    for campaign_id in resumed:
        run_campaign(current.database, current.settings, campaign_id, current.holder)
    campaign = start_nightly(session, system_actor("scheduler"), current.settings, now())
    if campaign is None:
        return f"{len(resumed)} unfinished campaign(s) resumed; tonight's campaign already exists"
    finished = run_campaign(current.database, current.settings, campaign.id, current.holder)
    return (
        f"{len(resumed)} resumed; campaign {finished.public_id}: {finished.units_done} units done, "
        f"{finished.units_failed} failed, {finished.units_skipped} skipped, "
        f"{finished.findings_opened} findings opened, {finished.findings_resolved} resolved"
    )


@recorded
def certificate_digest(session: Session) -> str:
    """Tell the CSIRT every morning which members' website certificates expire within 30 days."""
    from cyberreponse.services.alerts import queue_certificate_digest

    listed = queue_certificate_digest(session, runtime.current().settings)
    session.commit()
    return f"{listed} certificate(s) listed"


@recorded
def data_retention(session: Session) -> str:
    """Erase personal data the retention policy no longer allows to keep (docs/data-protection.md)."""
    policy = RetentionPolicy.from_settings(runtime.current().settings)
    return str(apply_retention(session, system_actor("scheduler"), policy))

"""Drive a campaign to its end with the configured executor, and close it (alerts, webhook).

In-process: this process claims batches of units and runs them itself. Celery: this process hands
batches to the broker (units become `queued`) and watches; workers claim and write them. Either way,
a unit whose holder died is claimed again once its lease runs out, so `run_campaign` on an unfinished
campaign is also how a campaign is resumed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.logs import log_event
from cyberreponse.models import Campaign
from cyberreponse.services import campaigns
from cyberreponse.services.alerts import queue_campaign_alerts, send_webhook
from cyberreponse.services.scoring import ScoringPolicy
from cyberreponse.services.snapshots import record_snapshots_after_campaign
from cyberreponse.services.unit_execution import execute_units

logger = logging.getLogger(__name__)
Progress = Callable[[Campaign], None]


def unit_lease(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.get_int("jobs.unit_lease_seconds"))


def complete_campaign(database: Database, settings: Settings, campaign_id: int) -> bool:
    """Close the campaign if no unit is left: queue its alerts in the same transaction, then the webhook.

    True only for the caller that closed it, so alerts go out once even with several workers.
    """
    with database.session_scope() as session:
        if not campaigns.mark_finished(session, campaign_id):
            session.rollback()
            return False
        campaign = session.get_one(Campaign, campaign_id)
        summary = queue_campaign_alerts(session, settings, campaign)
        session.commit()
        log_event(
            logger,
            "campaign.finished",
            campaign=campaign.public_id,
            done=campaign.units_done,
            failed=campaign.units_failed,
            skipped=campaign.units_skipped,
        )
    send_webhook(settings, campaign, summary)
    _record_snapshots(database, settings, campaign_id)
    return True


def _record_snapshots(database: Database, settings: Settings, campaign_id: int) -> None:
    """Score snapshots for the trends, after the campaign is closed and its alerts queued: a failure
    here is logged and never undoes the campaign (the hook is idempotent and can be run again)."""
    try:
        with database.session_scope() as session:
            record_snapshots_after_campaign(session, campaign_id, ScoringPolicy.from_settings(settings))
    except Exception:
        logger.exception("snapshots.failed campaign_id=%s", campaign_id)


def _snapshot(database: Database, campaign_id: int) -> Campaign:
    with database.session_scope() as session:
        campaign = session.get_one(Campaign, campaign_id)
        session.expunge(campaign)
        return campaign


def run_campaign(
    database: Database,
    settings: Settings,
    campaign_id: int,
    holder: str,
    *,
    progress: Progress | None = None,
    wait: bool = True,
    poll_seconds: float = 1.0,
) -> Campaign:
    """Work the campaign until every unit is finished (or, for Celery without `wait`, dispatched)."""
    lease = unit_lease(settings)
    celery = settings.get_str("jobs.executor") == "celery"
    dispatch = None
    if celery:
        from cyberreponse.jobs.celery_app import dispatch_units

        dispatch = dispatch_units
    while True:
        with database.session_scope() as session:
            campaigns.reap_abandoned(session, campaign_id, lease)
            token = campaigns.new_claim_token(holder)
            if dispatch is not None:
                # Back-pressure while we watch: about 20 tasks' worth of units in the broker at a time.
                # Without watching, everything is handed over at once (the workers close the campaign).
                size = settings.get_int("jobs.celery_units_per_task")
                room = size * 20 - campaigns.queued_units(session, campaign_id) if wait else 1_000_000
                ids = (
                    campaigns.claim_units(session, campaign_id, token, lease, limit=room, state="queued")
                    if room > 0
                    else []
                )
            else:
                ids = campaigns.claim_units(
                    session, campaign_id, token, lease, limit=settings.get_int("jobs.units_per_claim")
                )
            left = campaigns.unfinished_units(session, campaign_id)
        if ids and dispatch is not None:
            dispatch(settings, campaign_id, ids)
        elif ids:
            execute_units(
                database,
                settings,
                ids,
                token,
                on_written=(lambda _n: progress(_snapshot(database, campaign_id))) if progress else None,
            )
        if progress is not None:
            progress(_snapshot(database, campaign_id))
        if not left and not ids:
            complete_campaign(database, settings, campaign_id)
            break
        if not ids:
            if dispatch is not None and not wait:
                break
            time.sleep(poll_seconds)  # units held by others (workers, or a runner whose lease will expire)
    return _snapshot(database, campaign_id)


def run_in_background(
    database: Database, settings: Settings, campaign_id: int, holder: str
) -> threading.Thread:
    """ "Analyser maintenant" from the web: the campaign runs in a thread (in-process executor) or is
    handed to the workers (Celery), so the request returns at once."""

    def body() -> None:
        try:
            run_campaign(database, settings, campaign_id, holder, wait=False)
        except Exception:
            logger.exception("campaign.background_failed")

    thread = threading.Thread(target=body, name=f"campaign-{campaign_id}", daemon=True)
    thread.start()
    return thread

"""Celery, for campaigns that outgrow one machine: `[jobs] executor = "celery"`, `cyberreponse worker`.

Safety settings: JSON only (no pickle: whoever can write to the broker must not run code, ASVS 1.5.2);
late acknowledgement and rejection on a lost worker, so a message is acknowledged only after its units
are written and a worker that dies hands its message back; one message prefetched at a time. A task
carries unit ids only; the worker claims them in the database (a unit done is skipped, a unit held by a
live runner is left to it), so a message delivered twice does no harm.
"""

from __future__ import annotations

from collections.abc import Sequence

from celery import Celery

from cyberreponse.config import Settings
from cyberreponse.jobs import runtime

TASK_NAME = "cyberreponse.execute_units"


def make_celery(settings: Settings) -> Celery:
    visibility = settings.get_int("jobs.celery_visibility_timeout")
    app = Celery(
        "cyberreponse",
        broker=settings.get_str("jobs.celery_broker_url"),
        backend=settings.get_str("jobs.celery_result_backend"),
    )
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        event_serializer="json",
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.get_str("jobs.celery_queue"),
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility,
            # Look for messages of dead workers often enough to honour a short visibility timeout.
            "unacked_restore_interval": max(1, min(10, visibility // 4)),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
    )
    app.task(name=TASK_NAME)(execute_units_task)
    return app


_clients: dict[int, Celery] = {}


def _client(settings: Settings) -> Celery:
    """One Celery client per settings object (a process has one), created on first dispatch."""
    if id(settings) not in _clients:
        _clients[id(settings)] = make_celery(settings)
    return _clients[id(settings)]


def dispatch_units(settings: Settings, campaign_id: int, unit_ids: Sequence[int]) -> int:
    """Send the queued units in tasks of `jobs.celery_units_per_task` (an asset's units stay together
    when they can: ids come sorted by asset); returns the number of tasks sent."""
    app = _client(settings)
    size = settings.get_int("jobs.celery_units_per_task")
    tasks = 0
    for start in range(0, len(unit_ids), size):
        app.send_task(TASK_NAME, args=[campaign_id, list(unit_ids[start : start + size])])
        tasks += 1
    return tasks


def execute_units_task(campaign_id: int, unit_ids: list[int]) -> dict[str, int]:
    """In a worker: claim what is still to do among these units, run it, close the campaign if last."""
    from cyberreponse.jobs.campaign_runner import complete_campaign, unit_lease
    from cyberreponse.services import campaigns
    from cyberreponse.services.unit_execution import execute_units

    current = runtime.current()
    lease = unit_lease(current.settings)
    token = campaigns.new_claim_token(current.holder)
    with current.database.session_scope() as session:
        claimed = campaigns.claim_units(
            session, int(campaign_id), token, lease, limit=len(unit_ids), unit_ids=[int(i) for i in unit_ids]
        )
    report = execute_units(current.database, current.settings, claimed, token) if claimed else None
    complete_campaign(current.database, current.settings, int(campaign_id))
    return {"claimed": len(claimed), "done": report.units_done if report else 0}

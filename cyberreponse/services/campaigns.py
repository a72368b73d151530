"""Campaigns: which assets are scanned, the units of work they fan out to, and who holds which unit.

A unit goes pending → (queued, for Celery) → running → done, failed or skipped. A runner claims units
with an UPDATE conditioned on their state, under a claim token of its own, so two runners never both
hold a unit; a unit whose holder died (claimed longer than `jobs.unit_lease_seconds` ago) is claimed
again, at most MAX_ATTEMPTS times. The token is also a fence: a runner writes a unit's results only
while the unit is still claimed under its token (unit_execution.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse_many
from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cyberreponse import audit
from cyberreponse.actors import Actor
from cyberreponse.clock import in_paris, now
from cyberreponse.config import Settings
from cyberreponse.errors import Invalid, NotFound, RateLimited
from cyberreponse.models import Asset, Campaign, CampaignUnit, Organisation
from cyberreponse.services.scan_policy import exclusions, families
from cyberreponse.services.scoping import organisation_in_scope, require_staff

MAX_ATTEMPTS = 3
UNFINISHED = ("pending", "queued", "running")
PAGE_SIZE = 50


def nightly_slot(moment: datetime) -> str:
    """The night a nightly campaign belongs to, by the Paris calendar: one campaign per night."""
    return "nightly:" + in_paris(moment).date().isoformat()


def eligible_assets(
    session: Session, settings: Settings, organisation_ids: Iterable[int] | None = None
) -> list[Asset]:
    """Scan-enabled assets of active organisations that consented, minus the exclusion list."""
    query = (
        select(Asset)
        .join(Asset.organisation)
        .where(
            Asset.scan_enabled.is_(True),
            Organisation.active.is_(True),
            Organisation.scan_consent_at.is_not(None),
        )
        .order_by(Asset.id)
    )
    if organisation_ids is not None:
        query = query.where(Organisation.id.in_(list(organisation_ids)))
    excluded = exclusions(settings)
    return [a for a in session.scalars(query) if not excluded.excludes(a.kind, a.value)]


def may_scan(settings: Settings, asset: Asset) -> str | None:
    """Why this asset must not be scanned now, or None: checked again when each unit runs."""
    organisation = asset.organisation
    if not organisation.active:
        return "organisation inactive"
    if organisation.scan_consent_at is None:
        return "consent withdrawn"
    if not asset.scan_enabled:
        return "scanning disabled for the asset"
    if exclusions(settings).excludes(asset.kind, asset.value):
        return "excluded"
    return None


def _create(
    session: Session,
    actor: Actor,
    settings: Settings,
    *,
    kind: str,
    slot: str | None,
    organisation_ids: Sequence[int] | None,
    organisation_id: int | None = None,
) -> Campaign:
    campaign = Campaign(
        kind=kind,
        slot=slot,
        organisation_id=organisation_id,
        requested_by=actor.label,
        requested_by_user_id=actor.user_id,
        started_at=now(),
        status="running",
    )
    session.add(campaign)
    session.flush()
    rows = [
        {
            "campaign_id": campaign.id,
            "asset_id": asset.id,
            "family": family,
            "state": "pending",
            "attempts": 0,
            "detail": "",
        }
        for asset in eligible_assets(session, settings, organisation_ids)
        for family in families(settings, asset.kind)
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(CampaignUnit), rows[start : start + 1000])
    campaign.units_total = len(rows)
    if not rows:
        campaign.status = "done"
        campaign.finished_at = now()
    audit.record(
        session,
        actor,
        "campaign.start",
        "campaign",
        campaign.public_id,
        {"kind": kind, "units": len(rows), "slot": slot, "organisations": list(organisation_ids or [])},
    )
    return campaign


def start_nightly(session: Session, actor: Actor, settings: Settings, moment: datetime) -> Campaign | None:
    """Tonight's campaign, created once: None when this night's campaign already exists."""
    slot = nightly_slot(moment)
    if session.scalars(select(Campaign.id).where(Campaign.slot == slot)).first() is not None:
        return None
    try:
        campaign = _create(session, actor, settings, kind="nightly", slot=slot, organisation_ids=None)
        session.commit()
    except IntegrityError:  # another scheduler created it between our look and our insert
        session.rollback()
        return None
    return campaign


def start_campaign(
    session: Session, actor: Actor, settings: Settings, sirens: Sequence[str] = ()
) -> Campaign:
    """An on-demand campaign (CLI), of every eligible asset or of the organisations named."""
    require_staff(actor)
    ids = None
    organisation_id = None
    if sirens:
        ids = [organisation_in_scope(session, actor, siren).id for siren in sirens]
        organisation_id = ids[0] if len(ids) == 1 else None
    campaign = _create(
        session,
        actor,
        settings,
        kind="on_demand",
        slot=None,
        organisation_ids=ids,
        organisation_id=organisation_id,
    )
    session.commit()
    return campaign


def _check_scan_limits(
    session: Session, actor: Actor, settings: Settings, organisation: Organisation
) -> None:
    """Per organisation and per user (ASVS 2.4.1), counted in the database so every process agrees."""
    checks = (
        ("scanning.on_demand_org_limit", Campaign.organisation_id == organisation.id),
        ("scanning.on_demand_user_limit", Campaign.requested_by_user_id == actor.user_id),
    )
    for key, condition in checks:
        if key.endswith("user_limit") and actor.user_id is None:
            continue
        for item in parse_many(settings.get_str(key)):
            since = now() - timedelta(seconds=item.get_expiry())
            count = session.scalar(
                select(func.count(Campaign.id)).where(
                    Campaign.kind == "on_demand", Campaign.created_at >= since, condition
                )
            )
            if (count or 0) >= item.amount:
                raise RateLimited("Trop d'analyses demandées récemment : réessayez plus tard.")


def request_scan(session: Session, actor: Actor, settings: Settings, siren: str) -> Campaign:
    """ "Analyser maintenant": an on-demand campaign for one organisation, rate limited and audited."""
    require_staff(actor)
    organisation = organisation_in_scope(session, actor, siren)
    if not organisation.active or organisation.scan_consent_at is None:
        raise Invalid("siren", "Cette organisation n'a pas donné son accord pour les analyses.")
    if not eligible_assets(session, settings, [organisation.id]):
        raise Invalid("siren", "Aucun actif à analyser pour cette organisation.")
    _check_scan_limits(session, actor, settings, organisation)
    campaign = _create(
        session,
        actor,
        settings,
        kind="on_demand",
        slot=None,
        organisation_ids=[organisation.id],
        organisation_id=organisation.id,
    )
    audit.record(
        session, actor, "organisation.scan_requested", "organisation", siren, {"campaign": campaign.public_id}
    )
    session.commit()
    return campaign


def new_claim_token(holder: str) -> str:
    return f"{holder}#{secrets.token_hex(4)}"[:200]


def _claimable(cutoff: datetime, *, from_queue: bool = False) -> ColumnElement[bool]:
    """Pending units, units whose holder's lease ran out, and (for a worker) units queued for it."""
    fresh_states = ("pending", "queued") if from_queue else ("pending",)
    return or_(
        CampaignUnit.state.in_(fresh_states),
        and_(CampaignUnit.state.in_(("queued", "running")), CampaignUnit.claimed_at < cutoff),
    )


def reap_abandoned(session: Session, campaign_id: int, lease: timedelta) -> int:
    """Units whose holder vanished and that had their tries: failed (counted); returns how many."""
    cutoff = now() - lease
    result = session.execute(
        update(CampaignUnit)
        .where(
            CampaignUnit.campaign_id == campaign_id,
            CampaignUnit.state.in_(("queued", "running")),
            CampaignUnit.claimed_at < cutoff,
            CampaignUnit.attempts >= MAX_ATTEMPTS,
        )
        .values(state="failed", finished_at=now(), detail="abandoned after repeated attempts")
    )
    failed = int(getattr(result, "rowcount", 0) or 0)
    if failed:
        session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(units_failed=Campaign.units_failed + failed)
        )
    session.commit()
    return failed


def claim_units(
    session: Session,
    campaign_id: int,
    token: str,
    lease: timedelta,
    *,
    limit: int,
    unit_ids: Sequence[int] | None = None,
    state: str = "running",
) -> list[int]:
    """Take up to `limit` claimable units (pending, or held by a runner that died) under `token`.

    `state="queued"` hands them to the broker (Celery) rather than running them here.
    """
    cutoff = now() - lease
    claimable = _claimable(cutoff, from_queue=unit_ids is not None)
    query = select(CampaignUnit.id).where(CampaignUnit.campaign_id == campaign_id, claimable)
    if unit_ids is not None:
        query = query.where(CampaignUnit.id.in_(list(unit_ids)))
    candidates = list(session.scalars(query.order_by(CampaignUnit.asset_id, CampaignUnit.id).limit(limit)))
    if not candidates:
        session.rollback()
        return []
    attempts = CampaignUnit.attempts + 1 if state == "running" else CampaignUnit.attempts
    session.execute(
        update(CampaignUnit)
        .where(CampaignUnit.id.in_(candidates), claimable, CampaignUnit.attempts < MAX_ATTEMPTS)
        .values(state=state, claimed_by=token, claimed_at=now(), attempts=attempts)
    )
    session.commit()
    return list(
        session.scalars(
            select(CampaignUnit.id)
            .where(
                CampaignUnit.id.in_(candidates), CampaignUnit.claimed_by == token, CampaignUnit.state == state
            )
            .order_by(CampaignUnit.asset_id, CampaignUnit.id)
        )
    )


def unfinished_units(session: Session, campaign_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(CampaignUnit.id)).where(
                CampaignUnit.campaign_id == campaign_id, CampaignUnit.state.in_(UNFINISHED)
            )
        )
        or 0
    )


def queued_units(session: Session, campaign_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(CampaignUnit.id)).where(
                CampaignUnit.campaign_id == campaign_id, CampaignUnit.state == "queued"
            )
        )
        or 0
    )


def mark_finished(session: Session, campaign_id: int) -> bool:
    """Close the campaign when no unit is left; True for the one caller that closed it."""
    if unfinished_units(session, campaign_id):
        return False
    result = session.execute(
        update(Campaign)
        .where(Campaign.id == campaign_id, Campaign.status == "running")
        .values(status="done", finished_at=now())
    )
    return bool(getattr(result, "rowcount", 0))


def unfinished_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).where(Campaign.status == "running").order_by(Campaign.id)))


def get_campaign(session: Session, actor: Actor, public_id: str) -> Campaign:
    require_staff(actor)
    campaign = session.scalars(select(Campaign).where(Campaign.public_id == public_id)).first()
    if campaign is None:
        raise NotFound("Campagne introuvable.")
    return campaign


@dataclass(frozen=True)
class CampaignPage:
    items: list[Campaign]
    page: int
    pages: int
    total: int


def list_campaigns(session: Session, actor: Actor, page: int = 1, page_size: int = PAGE_SIZE) -> CampaignPage:
    """Newest first; staff only (a campaign spans every member)."""
    require_staff(actor)
    total = int(session.scalar(select(func.count(Campaign.id))) or 0)
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    items = list(
        session.scalars(
            select(Campaign)
            .order_by(Campaign.created_at.desc(), Campaign.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    return CampaignPage(items, page, pages, total)

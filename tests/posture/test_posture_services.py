"""An organisation's posture from stored results, and the snapshots kept for trends."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.clock import now
from cyberreponse.errors import NotFound
from cyberreponse.models import CampaignUnit, ScoreSnapshot
from cyberreponse.services.assessments import submit_answers
from cyberreponse.services.questionnaire import current_questionnaire
from cyberreponse.services.scorecard import organisation_scorecard
from cyberreponse.services.scoring import ScoringPolicy
from cyberreponse.services.snapshots import record_snapshots_after_campaign
from tests.factories import make_organisation, make_user
from tests.posture.conftest import Commune
from tests.posture.data import result, scan

pytestmark = pytest.mark.db
POLICY = ScoringPolicy()
STAFF = Actor("analyste", "analyst", user_id=None)


def test_the_grade_is_capped_by_an_exposed_smb_share_and_every_category_is_explained(
    session: Session, commune: Commune
) -> None:
    posture = organisation_scorecard(session, STAFF, commune.organisation.siren, POLICY)
    technical = posture.technical
    scores = {c.key: c.score for c in technical.categories}
    # mail: SPF 8 + DMARC p=none 2 out of 16; dns: DNSSEC unsigned 2 / 8 (CAA is advice); tls: expired 0 / 8;
    # web 8 / 8; exposure: the IP address exposes SMB (0 / 4), the domain's scan could not decide.
    assert scores == {"mail": 62.5, "dns": 25.0, "tls": 0.0, "web": 100.0, "exposure": 0.0}
    assert technical.score == 37.5 and technical.uncapped_grade == "E"
    assert technical.grade == "F"
    assert [(cap.code, cap.grade) for cap in technical.caps] == [("exposure.smb", "F"), ("tls.expired", "D")]
    assert posture.organisational is None and posture.maturity.basis == "technical"
    assert posture.maturity.level == 2 and posture.maturity.name == "Fragile"  # 37.5: from 20, under 40


def test_a_newer_result_replaces_the_older_one_and_lifts_its_cap(session: Session, commune: Commune) -> None:
    with time_machine.travel(now() + timedelta(hours=1)):
        scan(session, commune.domain, [result("tls.certificate")])
        scan(session, commune.address, [result("exposure.ports")])
        posture = organisation_scorecard(session, STAFF, commune.organisation.siren, POLICY)
    assert posture.technical.category("tls").score == 100.0
    assert posture.technical.caps == ()
    assert posture.technical.grade == posture.technical.uncapped_grade


def test_results_older_than_the_maximum_age_are_not_scored(session: Session, commune: Commune) -> None:
    with time_machine.travel(now() + POLICY.result_max_age + timedelta(days=1)):
        posture = organisation_scorecard(session, STAFF, commune.organisation.siren, POLICY)
    assert posture.technical.score is None
    assert posture.technical.categories_with_data == 0


def test_a_member_of_another_commune_cannot_read_this_posture(session: Session, commune: Commune) -> None:
    other = make_organisation(session, "Commune Voisine")
    member = Actor("voisin", "member", organisation_ids=frozenset({other.id}))
    with pytest.raises(NotFound):
        organisation_scorecard(session, member, commune.organisation.siren, POLICY)


def test_the_campaign_hook_writes_one_snapshot_per_organisation_scanned_once(
    session: Session, commune: Commune
) -> None:
    campaign = scan(session, commune.domain, [result("web.https")])
    session.add(CampaignUnit(campaign_id=campaign.id, asset_id=commune.domain.id, family="web", state="done"))
    session.commit()
    assert record_snapshots_after_campaign(session, campaign.id, POLICY) == 1
    assert record_snapshots_after_campaign(session, campaign.id, POLICY) == 0
    snapshot = session.scalars(select(ScoreSnapshot).where(ScoreSnapshot.campaign_id == campaign.id)).one()
    assert snapshot.organisation_id == commune.organisation.id
    assert (snapshot.technical_grade, snapshot.uncapped_grade, snapshot.technical_score) == ("F", "E", 37.5)
    assert snapshot.categories["mail"] == {"earned": 10, "possible": 16, "score": 62.5}
    assert {cap["code"] for cap in snapshot.caps} == {"exposure.smb", "tls.expired"}
    assert snapshot.open_findings == 4  # DMARC, DNSSEC, expired certificate, SMB (CAA is advice)


def test_submitting_the_self_assessment_writes_a_snapshot_with_both_scores(
    session: Session, commune: Commune
) -> None:
    member = make_user(session, "member", [commune.organisation])
    actor = Actor(member.email, "member", member.id, frozenset({commune.organisation.id}))
    answers = {question.id: "3" for question in current_questionnaire().questions}
    answer_set = submit_answers(session, actor, commune.organisation.siren, answers, scoring=POLICY)
    snapshot = session.scalars(
        select(ScoreSnapshot).where(ScoreSnapshot.answer_set_id == answer_set.id)
    ).one()
    assert snapshot.source == "assessment"
    assert snapshot.organisational_score == 100.0
    # (37.5 + 100) / 2 = 68.75, but the capped grade holds the level at 2 « Fragile ».
    assert snapshot.maturity_score == 68.8 and snapshot.maturity_level == 2
    assert session.scalar(select(func.count(ScoreSnapshot.id))) == 1

"""PDF reports are heavy work (WeasyPrint): each user may generate only a few per minute (ASVS 15.1.3,
2.4.1); past the limit they get 429 and nothing more is rendered or archived."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cyberreponse import create_app
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.extensions import limiter
from cyberreponse.models import ReportArchive
from tests.conftest import csrf_token, login
from tests.factories import make_user
from tests.posture.conftest import Commune

pytestmark = pytest.mark.db


def test_a_user_asking_for_pdf_after_pdf_is_slowed_down_and_nothing_more_is_rendered(
    settings: Settings, db: Database, session: Session, commune: Commune
) -> None:
    app = create_app(settings=settings.with_overrides({"reports.rate_limit": "2 per minute"}), database=db)
    app.config["TESTING"] = True
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    member = make_user(session, "member", [commune.organisation])
    session.commit()
    login(client, member)
    path = f"/organisations/{commune.organisation.siren}/rapport-nis2"
    statuses = [
        client.post(path + "/pdf", data={"csrf_token": csrf_token(client, path)}).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert session.scalar(select(func.count()).select_from(ReportArchive)) == 2
    # The limit is the user's: a colleague at the same address is not held back by it.
    colleague = make_user(session, "member", [commune.organisation])
    session.commit()
    other = app.test_client()
    login(other, colleague)
    assert other.post(path + "/pdf", data={"csrf_token": csrf_token(other, path)}).status_code == 200

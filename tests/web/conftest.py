"""Helpers for API tests: tokens issued through the real service."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cyberreponse.actors import system_actor
from cyberreponse.models import User
from cyberreponse.services.api_tokens import TokenPolicy, issue_token

POLICY = TokenPolicy(default_days=90, max_days=365)


def issue(session: Session, user: User, days: int = 30, name: str = "test") -> str:
    _token, secret = issue_token(session, system_actor("test"), user, name, days, POLICY)
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}

"""What views need from the request: the database session, the settings and the actor."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy.orm import Session

from cyberreponse.actors import Actor
from cyberreponse.config import Settings
from cyberreponse.db import Database
from cyberreponse.services.accounts import actor_for
from cyberreponse.services.scoring import ScoringPolicy


def database() -> Database:
    db: Database = current_app.extensions["cyberreponse.db"]
    return db


def db_session() -> Session:
    """One session per request, closed when the request ends."""
    if "db_session" not in g:
        g.db_session = database().session()
    session: Session = g.db_session
    return session


def settings() -> Settings:
    value: Settings = current_app.extensions["cyberreponse.settings"]
    return value


def scoring_policy() -> ScoringPolicy:
    """The `[scoring]` settings, checked together when the app was built."""
    policy: ScoringPolicy = current_app.extensions["cyberreponse.scoring"]
    return policy


def client_ip() -> str:
    return request.remote_addr or ""


def current_actor() -> Actor:
    if not current_user.is_authenticated:
        return Actor(label="anonymous", role="anonymous", ip=client_ip())
    if "actor" not in g:
        g.actor = actor_for(current_user._get_current_object(), client_ip())
    actor: Actor = g.actor
    return actor


def close_db_session(_error: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()

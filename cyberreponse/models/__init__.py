"""All models, imported here so that `Base.metadata` is complete for Alembic and tests."""

from cyberreponse.models.api_token import ApiToken
from cyberreponse.models.assessment import (
    ANSWER_SET_STATUSES,
    Answer,
    AnswerSet,
    QuestionnaireSnapshot,
)
from cyberreponse.models.audit import AuditEvent
from cyberreponse.models.base import Base
from cyberreponse.models.jobs import JobLease, JobRun, SchedulerJob
from cyberreponse.models.organisation import (
    ASSET_KINDS,
    NIS2_STATUSES,
    ORGANISATION_KINDS,
    Asset,
    Contact,
    Organisation,
)
from cyberreponse.models.playbook import PlaybookVersion
from cyberreponse.models.user import RecoveryCode, User, UserSession, user_organisation

__all__ = [
    "ANSWER_SET_STATUSES",
    "ASSET_KINDS",
    "NIS2_STATUSES",
    "ORGANISATION_KINDS",
    "Answer",
    "AnswerSet",
    "ApiToken",
    "Asset",
    "AuditEvent",
    "Base",
    "Contact",
    "JobLease",
    "JobRun",
    "Organisation",
    "PlaybookVersion",
    "QuestionnaireSnapshot",
    "RecoveryCode",
    "SchedulerJob",
    "User",
    "UserSession",
    "user_organisation",
]

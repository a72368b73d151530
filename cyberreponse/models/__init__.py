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
from cyberreponse.models.checklist import STEP_STATES, PlaybookRun, StepState
from cyberreponse.models.incident import (
    CHANNELS,
    OPEN_STATUSES,
    RSIT,
    SEVERITIES,
    STATUSES,
    FollowUpToken,
    Incident,
    IncidentCounter,
)
from cyberreponse.models.incident_parts import (
    OBSERVABLE_KINDS,
    Attachment,
    Comment,
    Obligation,
    Observable,
    TimelineEvent,
)
from cyberreponse.models.jobs import JobLease, JobRun, SchedulerJob
from cyberreponse.models.mail import OutboxMail
from cyberreponse.models.organisation import (
    ASSET_KINDS,
    NIS2_STATUSES,
    ORGANISATION_KINDS,
    Asset,
    Contact,
    Organisation,
)
from cyberreponse.models.playbook import PlaybookVersion
from cyberreponse.models.posture import (
    CAMPAIGN_KINDS,
    CHECK_FAMILIES,
    UNIT_STATES,
    Campaign,
    CampaignUnit,
    CheckResultRecord,
    Finding,
)
from cyberreponse.models.scores import SNAPSHOT_SOURCES, ReportArchive, ScoreSnapshot
from cyberreponse.models.user import RecoveryCode, User, UserSession, user_organisation

__all__ = [
    "ANSWER_SET_STATUSES",
    "ASSET_KINDS",
    "CAMPAIGN_KINDS",
    "CHANNELS",
    "CHECK_FAMILIES",
    "NIS2_STATUSES",
    "OBSERVABLE_KINDS",
    "OPEN_STATUSES",
    "ORGANISATION_KINDS",
    "RSIT",
    "SEVERITIES",
    "SNAPSHOT_SOURCES",
    "STATUSES",
    "STEP_STATES",
    "UNIT_STATES",
    "Answer",
    "AnswerSet",
    "ApiToken",
    "Asset",
    "Attachment",
    "AuditEvent",
    "Base",
    "Campaign",
    "CampaignUnit",
    "CheckResultRecord",
    "Comment",
    "Contact",
    "Finding",
    "FollowUpToken",
    "Incident",
    "IncidentCounter",
    "JobLease",
    "JobRun",
    "Obligation",
    "Observable",
    "Organisation",
    "OutboxMail",
    "PlaybookRun",
    "PlaybookVersion",
    "QuestionnaireSnapshot",
    "RecoveryCode",
    "ReportArchive",
    "SchedulerJob",
    "ScoreSnapshot",
    "StepState",
    "TimelineEvent",
    "User",
    "UserSession",
    "user_organisation",
]

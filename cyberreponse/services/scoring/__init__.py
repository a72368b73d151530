"""Scores, each explainable down to the answers (and, later, the findings) that cost points.

- `organisational`: the self-assessment score per NIS2 measure and ANSSI theme (this module's
  first part); `measure_status`: satisfied / partial / not satisfied / unknown per measure.
- `technical`: scan results per category, grades A–F with caps; `maturity`: the two scores combined
  into five named levels; `nis2_measures`: each measure judged from answers and scans together;
  `policy`: the `[scoring]` settings of a deployment.

Every function here is pure: plain values in, frozen dataclasses out. docs/scoring.md explains
the rules with worked examples, and tests/services/test_scoring_doc.py runs those examples.
"""

from cyberreponse.services.scoring.figures import rounded
from cyberreponse.services.scoring.maturity import LEVEL_NAMES, Maturity, MaturityPolicy, combine
from cyberreponse.services.scoring.measure_status import (
    NOT_SATISFIED,
    PARTIAL,
    SATISFIED,
    STATUSES,
    UNKNOWN_STATUS,
    MeasureStatus,
    Reason,
    StatusThresholds,
    measure_statuses,
)
from cyberreponse.services.scoring.organisational import (
    AnswerCost,
    Gap,
    GroupScore,
    OrganisationalScore,
    score_answers,
)
from cyberreponse.services.scoring.policy import ScoringPolicy
from cyberreponse.services.scoring.technical import (
    CATEGORIES,
    GRADES,
    AppliedCap,
    CategoryScore,
    FindingInput,
    ResultCost,
    ResultInput,
    TechnicalPolicy,
    TechnicalScore,
    score_results,
)

__all__ = [
    "CATEGORIES",
    "GRADES",
    "LEVEL_NAMES",
    "NOT_SATISFIED",
    "PARTIAL",
    "SATISFIED",
    "STATUSES",
    "UNKNOWN_STATUS",
    "AnswerCost",
    "AppliedCap",
    "CategoryScore",
    "FindingInput",
    "Gap",
    "GroupScore",
    "Maturity",
    "MaturityPolicy",
    "MeasureStatus",
    "OrganisationalScore",
    "Reason",
    "ResultCost",
    "ResultInput",
    "ScoringPolicy",
    "StatusThresholds",
    "TechnicalPolicy",
    "TechnicalScore",
    "combine",
    "measure_statuses",
    "rounded",
    "score_answers",
    "score_results",
]

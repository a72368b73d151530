"""Scores, each explainable down to the answers (and, later, the findings) that cost points.

- `organisational`: the self-assessment score per NIS2 measure and ANSSI theme (this module's
  first part); `measure_status`: satisfied / partial / not satisfied / unknown per measure.
- To come, beside them: `technical` (scan results per category, grades A–F with caps) and
  `maturity` (the two combined into five named levels, weights and thresholds from configuration).

Every function here is pure: plain values in, frozen dataclasses out. docs/scoring.md explains
the rules with worked examples, and tests/services/test_scoring_doc.py runs those examples.
"""

from cyberreponse.services.scoring.figures import rounded
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

__all__ = [
    "NOT_SATISFIED",
    "PARTIAL",
    "SATISFIED",
    "STATUSES",
    "UNKNOWN_STATUS",
    "AnswerCost",
    "Gap",
    "GroupScore",
    "MeasureStatus",
    "OrganisationalScore",
    "Reason",
    "StatusThresholds",
    "measure_statuses",
    "rounded",
    "score_answers",
]

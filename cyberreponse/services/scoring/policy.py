"""The scoring settings of one deployment (`[scoring]` in config.toml), checked together.

Each key has its own rule in cyberreponse/config.py; what involves several keys is checked here, when
the app or the CLI starts (`create_app` builds the policy), so a bad combination stops the start with
a message naming the keys. The defaults of the dataclasses equal config.toml's (a test says so), so
that the worked examples of docs/scoring.md hold for a deployment that changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from cyberreponse.config import ConfigError, Settings
from cyberreponse.services.scoring.maturity import MaturityPolicy
from cyberreponse.services.scoring.measure_status import StatusThresholds
from cyberreponse.services.scoring.technical import TechnicalPolicy


@dataclass(frozen=True)
class ScoringPolicy:
    technical: TechnicalPolicy = field(default_factory=TechnicalPolicy)
    maturity: MaturityPolicy = field(default_factory=MaturityPolicy)
    statuses: StatusThresholds = field(default_factory=StatusThresholds)
    median_min_organisations: int = 5
    result_max_age: timedelta = timedelta(days=30)
    certificate_days: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> ScoringPolicy:
        technical_weight = settings.get_int("scoring.technical_weight")
        organisational_weight = settings.get_int("scoring.organisational_weight")
        if technical_weight == 0 and organisational_weight == 0:
            raise ConfigError(
                "scoring.technical_weight",
                0,
                "a weight above 0 for scoring.technical_weight or scoring.organisational_weight",
            )
        grades = tuple(settings.get_list("scoring.grade_thresholds"))
        levels = tuple(settings.get_list("scoring.maturity_thresholds"))
        return cls(
            technical=TechnicalPolicy(grade_thresholds=grades),
            maturity=MaturityPolicy(
                technical_weight=technical_weight,
                organisational_weight=organisational_weight,
                thresholds=levels,
                capped_max_level=settings.get_int("scoring.capped_max_level"),
            ),
            median_min_organisations=settings.get_int("scoring.median_min_organisations"),
            result_max_age=timedelta(days=settings.get_int("scoring.result_max_age_days")),
            certificate_days=settings.get_int("scoring.certificate_days"),
        )

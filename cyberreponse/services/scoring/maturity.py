"""Maturity: the technical and organisational scores combined into five named levels.

The maturity score is the weighted mean of the two scores (weights from `[scoring]` in config.toml);
when only one score exists it is used alone, and when neither does there is no level. The level is 1
plus the number of thresholds the score reaches. A capped technical grade (an exposed SMB share, an
expired certificate…) also holds the level down to `capped_max_level`: an organisation with its door
open is not « solide », whatever its answers. See docs/scoring.md, « Maturity ».
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from cyberreponse.services.scoring.figures import rounded

# Level → French name, in words a mayor reads without help (shown translated through labels).
LEVEL_NAMES = {
    1: "À risque",
    2: "Fragile",
    3: "En progrès",
    4: "Solide",
    5: "Exemplaire",
}
LEVELS = tuple(LEVEL_NAMES)


@dataclass(frozen=True)
class MaturityPolicy:
    technical_weight: int = 50
    organisational_weight: int = 50
    thresholds: tuple[int, int, int, int] = (20, 40, 60, 80)  # lower bounds of levels 2, 3, 4 and 5
    capped_max_level: int = 2

    def level(self, score: Fraction) -> int:
        return 1 + sum(1 for low in self.thresholds if score >= low)


@dataclass(frozen=True)
class Maturity:
    score: float | None
    level: int | None
    uncapped_level: int | None
    basis: str  # "both", "technical", "organisational" or "none"
    technical_share: float | None  # points of the maturity score that come from each score
    organisational_share: float | None
    held_by_cap: bool
    exact: Fraction | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str | None:
        return LEVEL_NAMES[self.level] if self.level is not None else None


def combine(
    technical: Fraction | None,
    organisational: Fraction | None,
    *,
    capped: bool = False,
    policy: MaturityPolicy | None = None,
) -> Maturity:
    """The maturity of an organisation from its exact technical and organisational scores."""
    chosen = policy or MaturityPolicy()
    parts: list[tuple[Fraction, int]] = []
    if technical is not None and chosen.technical_weight:
        parts.append((technical, chosen.technical_weight))
    if organisational is not None and chosen.organisational_weight:
        parts.append((organisational, chosen.organisational_weight))
    if not parts:
        return Maturity(None, None, None, "none", None, None, False)
    total_weight = sum(weight for _score, weight in parts)
    exact = sum((score * weight for score, weight in parts), Fraction(0)) / total_weight
    if len(parts) == 2:
        basis = "both"
    else:
        basis = "technical" if technical is not None and chosen.technical_weight else "organisational"
    technical_share = (
        rounded(technical * chosen.technical_weight / total_weight)
        if technical is not None and basis in ("both", "technical")
        else None
    )
    organisational_share = (
        rounded(organisational * chosen.organisational_weight / total_weight)
        if organisational is not None and basis in ("both", "organisational")
        else None
    )
    uncapped = chosen.level(exact)
    level = min(uncapped, chosen.capped_max_level) if capped else uncapped
    return Maturity(
        score=rounded(exact),
        level=level,
        uncapped_level=uncapped,
        basis=basis,
        technical_share=technical_share,
        organisational_share=organisational_share,
        held_by_cap=level < uncapped,
        exact=exact,
    )

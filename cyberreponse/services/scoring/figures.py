"""How scores are rounded for people: computed exactly (fractions), rounded once, half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

SCALE = 100  # every score is out of 100


def percent(earned: int, possible: int) -> Fraction:
    """`earned` over `possible`, as an exact score out of 100."""
    return Fraction(earned * SCALE, possible)


def mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None


def rounded(value: Fraction | None, places: int = 1) -> float | None:
    """One decimal, half up (66.65 → 66.7), as people round; None stays None."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return float(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

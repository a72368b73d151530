"""Charts as SVG geometry computed on the server: the same drawing in the page and in the PDF.

No JavaScript draws anything. The templates (`templates/_charts.html`) turn these shapes into inline
SVG with presentation attributes (x, y, width…) and classes styled by static/css/app.css: the CSP
forbids inline `style` attributes, and WeasyPrint reads the same stylesheet for the PDF.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

# Colours as presentation attributes: WeasyPrint's SVG renderer ignores the stylesheet's rules for
# SVG elements, and the CSP forbids style attributes; both accept fill="#…" and stroke="#…".
PALETTE = {
    "category": "#000091",
    "status-satisfied": "#18753c",
    "status-partial": "#b86e00",
    "status-not_satisfied": "#b3261e",
    "status-unknown": "#8d8d9b",
    "grade-A": "#18753c",
    "grade-B": "#3b7a24",
    "grade-C": "#6b6400",
    "grade-D": "#8a4b00",
    "grade-E": "#a4361b",
    "grade-F": "#b3261e",
    "grade-none": "#8d8d9b",
    "series-maturity": "#18753c",
    "series-technical": "#000091",
    "series-organisational": "#b86e00",
    "series-median": "#8d8d9b",
}
GRID = "#c9cbd6"
AXIS = "#53535f"
INK = "#1b1b1f"


def colour(css: str) -> str:
    return PALETTE.get(css, "#000091")


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # the value as shown
    css: str
    fill: str
    x: float
    y: float
    width: float
    height: float
    label_y: float


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]
    grid: tuple[tuple[float, str], ...]  # (y, label) of the horizontal lines


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class TrendSeries:
    name: str
    css: str
    points: tuple[TrendPoint, ...]

    @property
    def stroke(self) -> str:
        return colour(self.css)

    @property
    def path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass(frozen=True)
class TrendChart:
    title: str
    width: int
    height: int
    left: float
    bottom: float
    series: tuple[TrendSeries, ...]
    ticks: tuple[tuple[float, str], ...]  # (x, month label)
    grid: tuple[tuple[float, str], ...]

    @property
    def empty(self) -> bool:
        return not any(s.points for s in self.series)


def _number(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + suffix


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float | None, str]],
    *,
    maximum: float = 100,
    width: int = 520,
    height: int = 200,
    integer: bool = False,
) -> BarChart:
    """Vertical bars for (label, value, css class); a None value draws no bar and shows a dash."""
    top, bottom, left = 16.0, 28.0, 40.0
    plot = height - top - bottom
    slot = (width - left) / max(len(items), 1)
    scale = maximum if maximum > 0 else 1
    bars = []
    for index, (label, value, css) in enumerate(items):
        size = 0.0 if value is None else plot * min(max(value, 0), scale) / scale
        text = "—" if value is None else (str(int(value)) if integer else _number(value))
        bars.append(
            Bar(
                label=label,
                value=value,
                text=text,
                css=css,
                fill=colour(css),
                x=round(left + index * slot + slot * 0.15, 1),
                y=round(top + plot - size, 1),
                width=round(slot * 0.7, 1),
                height=round(size, 1),
                label_y=height - 10,
            )
        )
    return BarChart(title, width, height, top + plot, tuple(bars), _grid(scale, top, plot, integer))


def _grid(scale: float, top: float, plot: float, integer: bool) -> tuple[tuple[float, str], ...]:
    """About four horizontal lines, each at the value it is labelled with. Counts are whole, so a
    chart of two organisations gets lines at 0, 1 and 2, not four lines labelled 0, 0, 1, 1."""
    if integer:
        step = float(max(1, math.ceil(scale / 4)))
        values = [step * index for index in range(int(scale // step) + 1)]
    else:
        values = [scale * index / 4 for index in range(5)]
    return tuple(
        (round(top + plot - plot * value / scale, 1), f"{value:g}".replace(".", ",")) for value in values
    )


def _months_back(end: date, months: int) -> list[date]:
    firsts = []
    year, month = end.year, end.month
    for _ in range(months):
        firsts.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(firsts))


MONTHS_FR = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)


def trend_chart(
    title: str,
    series: Sequence[tuple[str, str, Sequence[tuple[datetime, float | None]]]],
    *,
    start: datetime,
    end: datetime,
    width: int = 560,
    height: int = 220,
    month_label: Callable[[date], str] | None = None,
) -> TrendChart:
    """Lines of (moment, value out of 100) between `start` and `end`; None values leave a gap-free
    line through the known points (a month without a snapshot is just not drawn)."""
    left, right, top, bottom = 40.0, 10.0, 12.0, 28.0
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        return round(left + plot_w * min(max((moment - start).total_seconds() / span, 0), 1), 1)

    def y_of(value: float) -> float:
        return round(top + plot_h * (1 - min(max(value, 0), 100) / 100), 1)

    lines = tuple(
        TrendSeries(
            name,
            css,
            tuple(
                TrendPoint(x_of(moment), y_of(value), _number(value))
                for moment, value in points
                if value is not None and start <= moment <= end
            ),
        )
        for name, css, points in series
    )
    months = max(1, round(span / (30.44 * 86400)))
    ticks = []
    for first in _months_back(end.date(), months):
        moment = datetime(first.year, first.month, 1, tzinfo=end.tzinfo)
        if start <= moment <= end:
            label = month_label(first) if month_label else MONTHS_FR[first.month - 1]
            ticks.append((x_of(moment), label))
    grid = tuple((y_of(value), str(value)) for value in (0, 25, 50, 75, 100))
    return TrendChart(title, width, height, left, top + plot_h, lines, tuple(ticks), grid)

"""The per-sprint trend as an inline SVG bar chart, laid out here and drawn by the template.

Server-side so it prints and needs no JavaScript; pure geometry (no ORM, no clock) so it
is easy to test. Labels are plain strings: the template escapes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 24, 44  # room for tick labels and sprint names


@dataclass(frozen=True)
class Point:
    """One bar's input: a label, a value in seconds (None: nothing to measure), a link."""

    label: str
    seconds: float | None
    href: str
    description: str  # what a screen reader hears for the bar


@dataclass(frozen=True)
class Bar:
    label: str
    x: float
    width: float
    y: float
    height: float
    label_x: float
    value_y: float
    value_text: str
    href: str
    description: str
    empty: bool


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    right: int
    baseline: float
    tick_x: int  # right edge of the tick labels
    label_y: float  # baseline of the sprint names
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    unit: str


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^n that is >= value (an axis that reads well)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exponent + 1))  # pragma: no cover - the loop always returns


def _short(value: float, unit: str) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{text} {unit}"


def bar_chart(points: Sequence[Point], *, width: int = WIDTH, height: int = HEIGHT) -> BarChart:
    """Bars of `seconds`, in hours (minutes when every value is under two hours)."""
    values = [p.seconds for p in points if p.seconds is not None]
    largest = max(values, default=0.0)
    unit, divisor = ("h", 3600.0) if largest >= 2 * 3600 else ("min", 60.0)
    top_value = nice_ceiling(largest / divisor) if values else 1.0
    plot_height = height - TOP - BOTTOM
    baseline = float(height - BOTTOM)
    slot = (width - LEFT - RIGHT) / max(len(points), 1)
    bar_width = slot * 0.6
    bars = []
    for index, point in enumerate(points):
        x = LEFT + index * slot + (slot - bar_width) / 2
        scaled = 0.0 if point.seconds is None else point.seconds / divisor
        bar_height = plot_height * scaled / top_value
        bars.append(
            Bar(
                label=point.label,
                x=round(x, 1),
                width=round(bar_width, 1),
                y=round(baseline - bar_height, 1),
                height=round(bar_height, 1),
                label_x=round(x + bar_width / 2, 1),
                value_y=round(baseline - bar_height - 5, 1),
                value_text="—" if point.seconds is None else _short(scaled, unit),
                href=point.href,
                description=point.description,
                empty=point.seconds is None,
            )
        )
    ticks = tuple(
        Tick(y=round(baseline - plot_height * i / 4, 1), text=_short(top_value * i / 4, unit))
        for i in range(5)
    )
    return BarChart(
        width=width,
        height=height,
        left=LEFT,
        right=width - RIGHT,
        baseline=baseline,
        tick_x=LEFT - 6,
        label_y=baseline + 18,
        bars=tuple(bars),
        ticks=ticks,
        unit=unit,
    )

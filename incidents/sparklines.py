"""A partner service's health series as an inline SVG sparkline, laid out here and drawn
by the template (`incidents/_performance.html`).

Server-side so it prints and needs no JavaScript; pure geometry (no ORM, no clock) so it
is easy to test. The series is one line, broken where Datadog had no value (a gap is not
drawn as zero); the same span a week earlier is a dashed line beside it; the incident
itself is a shaded band, and the degraded limit a dotted rule when it fits the scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

WIDTH, HEIGHT = 320, 72
PAD = 4

StoredPoint = Sequence[float | int | None]  # [epoch seconds, value or null], as stored


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    line: str  # SVG path data, one `M` per run of values
    baseline: str
    band_x: float
    band_width: float
    limit_y: float | None
    top_value: float  # the value at the top edge


def _runs(points: Sequence[StoredPoint]) -> list[list[tuple[float, float]]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for at, value in points:
        if value is None or at is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((float(at), float(value)))
    return [run for run in runs if run]


def sparkline(
    points: Sequence[StoredPoint],
    baseline: Sequence[StoredPoint],
    *,
    span_start: datetime,
    span_end: datetime,
    started: datetime,
    ended: datetime,
    limit: float | None,
) -> Sparkline:
    """The geometry of one sparkline; times outside the span are clamped to its edges."""
    low, high = span_start.timestamp(), span_end.timestamp()
    width = max(high - low, 1.0)
    values = [float(v) for _, v in (*points, *baseline) if v is not None]
    top = max([*values, limit or 0.0, 0.0]) * 1.1 or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD

    def x(at: float) -> float:
        return round(PAD + inner_w * min(max((at - low) / width, 0.0), 1.0), 1)

    def y(value: float) -> float:
        return round(PAD + inner_h * (1 - min(max(value / top, 0.0), 1.0)), 1)

    def path(series: Sequence[StoredPoint]) -> str:
        parts = []
        for run in _runs(series):
            head, *rest = run
            segment = f"M{x(head[0])} {y(head[1])}"
            if not rest:  # a lone value between gaps: a short tick so it shows
                segment += " h1"
            segment += "".join(f" L{x(at)} {y(v)}" for at, v in rest)
            parts.append(segment)
        return " ".join(parts)

    band_from, band_to = x(started.timestamp()), x(ended.timestamp())
    return Sparkline(
        width=WIDTH,
        height=HEIGHT,
        line=path(points),
        baseline=path(baseline),
        band_x=band_from,
        band_width=max(band_to - band_from, 1.0),
        limit_y=y(limit) if limit is not None and 0 <= limit <= top else None,
        top_value=top,
    )

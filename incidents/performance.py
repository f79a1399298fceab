"""A partner app's performance during an incident, from its Datadog series: pure functions.

Why pure: the incident page, the metrics page, the JSON API and the `metrics` command show
the same figures, and minutes degraded must be checkable by hand. Nothing here reads the
clock or the database: the sync passes the series it read and `as_of`.

A series is a sequence of points `(instant, value)`; a value of None is a point Datadog
sent without a value. Rules (DESIGN.md, "Partner app performance"):

- **Points are instants.** Every instant is converted to UTC on the way in and durations
  are differences of instants, so a night with a DST change is not an hour off. Naive
  datetimes are rejected.
- **How minutes are counted between points.** Datadog rolls a series up into buckets of
  `step` (its `interval`): a point stands for the bucket that starts at its instant. So a
  point at `t` covers `[t, min(t + step, next point's instant))`. A null point covers
  nothing, and neither does the time past `t + step` when the next point is later than
  that: nulls and gaps are unknown, never zeros and never degraded. Without a `step`, it
  is the smallest spacing between two consecutive points.
- **Minutes degraded** are the minutes of `[since, until)` (clipped to `as_of`) covered by
  points whose value exceeds the limit: the service's threshold when one is set, else
  twice the baseline's p95 (strictly above: a value equal to the limit is not degraded).
  A baseline p95 of 0 (no errors at all a week earlier) makes any error degraded.
- **Worst and mean** are taken over the points of the incident itself,
  `[started, ended)` (`ended`: the resolution, or `as_of` while open), clipped to
  `as_of`; the mean weighs each point by the time it covers, so a gap does not pull it
  towards zero. Against the baseline: `worst_ratio = worst / baseline p95` and
  `mean_ratio = mean / baseline mean`; None when the baseline's figure is 0.
- **Not enough data**: fewer than `MIN_POINTS` points with a value in the incident (or in
  the baseline, when no threshold is set) give `NotEnoughData`, a typed result that says
  why, never a number. With a threshold but a thin baseline, the figures are given and the
  ratios are None.
- The baseline's p95 uses the same linear interpolation as the MTTR p90
  (`incidents.metrics.PERCENTILE_METHOD`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.metrics import as_utc, percentile

MIN_POINTS = 3
MINUTE = timedelta(minutes=1)

Point = tuple[datetime, float | None]


@dataclass(frozen=True)
class Series:
    """Points in time order, every instant in UTC, with the bucket length each covers."""

    points: tuple[Point, ...]
    step: timedelta

    @property
    def valued(self) -> tuple[tuple[datetime, float], ...]:
        return tuple((at, value) for at, value in self.points if value is not None)


def series(points: Iterable[Point], step: timedelta | None = None) -> Series:
    """A `Series` from raw points: instants to UTC, sorted, one point per instant (the last
    given wins), non-finite values (NaN, inf) taken as nulls."""
    by_instant: dict[datetime, float | None] = {}
    for at, value in points:
        instant = as_utc(at, "point")
        if value is not None:
            value = float(value)
            if not math.isfinite(value):
                value = None
        by_instant[instant] = value
    ordered = tuple(sorted(by_instant.items()))
    if step is None:
        spacings = [b[0] - a[0] for a, b in zip(ordered, ordered[1:], strict=False)]
        step = min(spacings) if spacings else MINUTE
    if step <= timedelta(0):
        raise ValueError(f"a series' step must be positive, got {step}")
    return Series(points=ordered, step=step)


def coverage(data: Series) -> list[tuple[datetime, datetime, float]]:
    """`(start, end, value)` for each point with a value: the time it stands for."""
    spans = []
    points = data.points
    for index, (at, value) in enumerate(points):
        if value is None:
            continue
        end = at + data.step
        if index + 1 < len(points):
            end = min(end, points[index + 1][0])
        spans.append((at, end, value))
    return spans


def _clip(
    spans: Iterable[tuple[datetime, datetime, float]], since: datetime, until: datetime
) -> list[tuple[datetime, datetime, float]]:
    clipped = []
    for start, end, value in spans:
        low, high = max(start, since), min(end, until)
        if low < high:
            clipped.append((low, high, value))
    return clipped


@dataclass(frozen=True)
class NotEnoughData:
    """Too few points to say anything: shown in words, never as a number."""

    reason: str


@dataclass(frozen=True)
class Baseline:
    """The same span one week earlier: what normal looks like."""

    p95: float
    mean: float
    points: int


@dataclass(frozen=True)
class Figures:
    """One series' figures for one incident. Minutes are real minutes (UTC)."""

    worst: float
    mean: float
    limit: float  # above it a minute is degraded
    limit_source: str  # "threshold" or "baseline"
    degraded_minutes: float
    measured_minutes: float  # minutes of [since, until) covered by some value
    baseline: Baseline | None
    worst_ratio: float | None
    mean_ratio: float | None
    points: int


def baseline_figures(data: Series) -> Baseline | NotEnoughData:
    """The baseline's p95 and time-weighted mean, or why there are none."""
    spans = coverage(data)
    if len(spans) < MIN_POINTS:
        return NotEnoughData(_too_few("the baseline week", len(spans)))
    values = [value for _, _, value in spans]
    p95 = percentile(values, 95)
    assert p95 is not None  # at least MIN_POINTS values
    return Baseline(p95=p95, mean=_weighted_mean(spans), points=len(spans))


def _too_few(what: str, count: int) -> str:
    noun = "point" if count == 1 else "points"
    return f"not enough data: {what} has {count} {noun} with a value (at least {MIN_POINTS} needed)"


def _weighted_mean(spans: Sequence[tuple[datetime, datetime, float]]) -> float:
    weights = [(end - start) / MINUTE for start, end, _ in spans]
    total = math.fsum(weights)
    if total == 0:
        return math.fsum(v for _, _, v in spans) / len(spans)
    return math.fsum(w * v for w, (_, _, v) in zip(weights, spans, strict=True)) / total


def degraded_minutes(
    data: Series, *, limit: float, since: datetime, until: datetime, as_of: datetime
) -> float:
    """Minutes of `[since, min(until, as_of))` covered by points whose value exceeds `limit`."""
    since, ceiling = as_utc(since, "since"), min(as_utc(until, "until"), as_utc(as_of, "as_of"))
    total = timedelta(0)
    for start, end, value in _clip(coverage(data), since, ceiling):
        if value > limit:
            total += end - start
    return total / MINUTE


def _ratio(value: float, reference: float) -> float | None:
    return None if reference == 0 else value / reference


def performance(
    data: Series,
    baseline: Series,
    *,
    started: datetime,
    ended: datetime | None,
    since: datetime,
    until: datetime,
    as_of: datetime,
    threshold: float | None = None,
) -> Figures | NotEnoughData:
    """The figures of one series for an incident `[started, ended)` (None: still open),
    degraded minutes over `[since, until)`, all as known at `as_of`; see the module rules."""
    started, as_of = as_utc(started, "started"), as_utc(as_of, "as_of")
    since, until = as_utc(since, "since"), as_utc(until, "until")
    if until < since:
        raise ValueError(f"span ends ({until.isoformat()}) before it starts ({since})")
    end = as_of if ended is None else min(as_utc(ended, "ended"), as_of)
    during = _clip(coverage(data), started, end)
    if len(during) < MIN_POINTS:
        return NotEnoughData(_too_few("the incident", len(during)))
    normal = baseline_figures(baseline)
    if isinstance(normal, NotEnoughData):
        if threshold is None:
            return normal
        normal = None
    if threshold is not None:
        limit, limit_source = float(threshold), "threshold"
    else:
        assert normal is not None
        limit, limit_source = 2 * normal.p95, "baseline"
    worst = max(value for _, _, value in during)
    mean = _weighted_mean(during)
    ceiling = min(until, as_of)
    measured = sum(
        ((high - low) for low, high, _ in _clip(coverage(data), since, ceiling)), timedelta(0)
    )
    return Figures(
        worst=worst,
        mean=mean,
        limit=limit,
        limit_source=limit_source,
        degraded_minutes=degraded_minutes(data, limit=limit, since=since, until=until, as_of=as_of),
        measured_minutes=measured / MINUTE,
        baseline=normal,
        worst_ratio=None if normal is None else _ratio(worst, normal.p95),
        mean_ratio=None if normal is None else _ratio(mean, normal.mean),
        points=len(during),
    )


def downsample(data: Series, *, buckets: int = 60) -> tuple[Point, ...]:
    """At most `buckets` points for a sparkline, keeping each bucket's highest value so a
    spike stays visible; a bucket with no value stays a gap (None), not a zero."""
    if buckets < 1:
        raise ValueError("buckets must be at least 1")
    points = data.points
    if len(points) <= buckets:
        return points
    first, last = points[0][0], points[-1][0]
    width = (last - first) / buckets
    kept: list[Point] = []
    index = 0
    for bucket in range(buckets):
        low = first + bucket * width
        high = last if bucket == buckets - 1 else first + (bucket + 1) * width
        values: list[float] = []
        while index < len(points) and (
            points[index][0] < high or (bucket == buckets - 1 and points[index][0] <= high)
        ):
            value = points[index][1]
            if value is not None:
                values.append(value)
            index += 1
        kept.append((low, max(values) if values else None))
    return tuple(kept)

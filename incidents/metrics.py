"""Incident metrics: MTTR, MTTA, counts and partner-team impact, as pure functions.

Why pure: the metrics page, the handoff report, the JSON API and the `metrics` command
must agree to the second, and the figures must be checkable by hand. So this module knows
nothing of the ORM or the clock: selectors turn rows into `IncidentFacts`, and the caller
passes `as_of`, the instant the figures describe ("what did we know at as_of?").

Rules (DESIGN.md, "Incidents"):

- A window [since, until) selects the incidents that *started* in it
  (`since <= started < until`), as PagerDuty's analytics do. An incident that starts after
  `as_of` has not happened yet at `as_of` and is ignored.
- MTTR is the mean of (resolved - started) over the window's incidents resolved at or
  before `as_of`; a resolution after `as_of` counts as still open. Median and p90 use
  linear interpolation between closest ranks (see `PERCENTILE_METHOD`).
- MTTA is the mean of (first acknowledgement - started) over the window's incidents
  acknowledged at or before `as_of`; never-acknowledged ones are counted, not averaged as 0.
- Canceled incidents (false alarms, duplicates) are excluded from everything except
  `canceled_count`: not in MTTR/MTTA, not open, not unacknowledged, not in the severity or
  source counts, and their impact intervals are ignored.
- Partner-team impact minutes over a window are the length of the union of the team's
  impact intervals clipped to the window. The intervals come from *all* the incidents
  given, not only those started in the window, so an incident that started before the
  window and still hurt a team inside it counts for the overlap. An open interval, or one
  whose end is after `as_of`, runs to `as_of`.
- Durations are differences of UTC instants. Naive datetimes are rejected: subtracting two
  aware datetimes that share a tzinfo is wall-clock arithmetic in Python, so every instant
  is converted to UTC on the way in.
- A figure with nothing to measure is None, never 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

SEVERITIES: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4")
URGENT_SEVERITIES: frozenset[str] = frozenset({"SEV1", "SEV2"})
UNKNOWN_SEVERITY = "unknown"  # the by_severity key for incidents without a severity

PERCENTILE_METHOD = "linear"
"""How the median and the p90 are computed: linear interpolation between closest ranks.

The p-th percentile of n sorted values v[0..n-1] sits at position h = (n - 1) * p / 100;
the result is v[floor(h)] + (h - floor(h)) * (v[floor(h) + 1] - v[floor(h)]). This is
numpy's default, Excel's PERCENTILE.INC and Python's `statistics.quantiles(...,
method="inclusive")`, and its 50th percentile is the ordinary median, so one method
serves both figures.
"""

DEFAULT_PAGERDUTY_PRIORITIES: Mapping[str, str] = MappingProxyType(
    {"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV4"}
)
PAGERDUTY_URGENCIES: Mapping[str, str] = MappingProxyType({"high": "SEV2", "low": "SEV4"})
# PagerDuty's own default urgency; used when an incident arrives without one, so an
# unclassifiable page errs towards urgent rather than being buried.
DEFAULT_URGENCY = "high"

UPDATE_EVERY = timedelta(minutes=30)

IncidentId = int | str
Interval = tuple[datetime, datetime | None]


def as_utc(value: datetime, name: str = "datetime") -> datetime:
    """`value` as a UTC instant; a naive datetime is an error, not a guess."""
    if value.tzinfo is UTC:  # the common case, as the database returns them
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _optional_utc(value: datetime | None, name: str) -> datetime | None:
    return None if value is None else as_utc(value, name)


def _check_window(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    since, until = as_utc(since, "since"), as_utc(until, "until")
    if until < since:
        raise ValueError(f"window ends ({until.isoformat()}) before it starts ({since})")
    return since, until


@dataclass(frozen=True)
class Impact:
    """A partner team's application was affected from `start` to `end` (None: still is)."""

    team: str
    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        start = as_utc(self.start, "impact start")
        end = _optional_utc(self.end, "impact end")
        if end is not None and end < start:
            raise ValueError(f"impact on {self.team} ends before it starts")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)


@dataclass(frozen=True)
class IncidentFacts:
    """What the metrics need to know about one incident; every instant is stored in UTC.

    `acknowledged` is the *first* acknowledgement (PagerDuty: the first
    `acknowledge_log_entry`). Inconsistent facts (a resolution or an acknowledgement before
    the start, an unknown severity) raise ValueError: the forms and the sync refuse or flag
    them before they get here, and a silent negative duration would skew every mean.
    """

    id: IncidentId
    started: datetime
    acknowledged: datetime | None = None
    resolved: datetime | None = None
    severity: str | None = None
    source: str = "manual"
    canceled: bool = False
    impacts: tuple[Impact, ...] = ()

    def __post_init__(self) -> None:
        started = as_utc(self.started, f"incident {self.id} started")
        acknowledged = _optional_utc(self.acknowledged, f"incident {self.id} acknowledged")
        resolved = _optional_utc(self.resolved, f"incident {self.id} resolved")
        if acknowledged is not None and acknowledged < started:
            raise ValueError(f"incident {self.id} is acknowledged before it started")
        if resolved is not None and resolved < started:
            raise ValueError(f"incident {self.id} is resolved before it started")
        if self.severity is not None and self.severity not in SEVERITIES:
            raise ValueError(f"incident {self.id} has unknown severity {self.severity!r}")
        object.__setattr__(self, "started", started)
        object.__setattr__(self, "acknowledged", acknowledged)
        object.__setattr__(self, "resolved", resolved)
        object.__setattr__(self, "impacts", tuple(self.impacts))

    def is_resolved(self, as_of: datetime) -> bool:
        return self.resolved is not None and self.resolved <= as_utc(as_of, "as_of")

    def is_acknowledged(self, as_of: datetime) -> bool:
        return self.acknowledged is not None and self.acknowledged <= as_utc(as_of, "as_of")


@dataclass(frozen=True)
class IncidentMetrics:
    """The figures for one window. Durations in seconds; None where there is nothing to measure.

    Invariant: `incident_count == resolved_count + open_count` (canceled ones are apart).
    The `*_ids` fields let every number link to the incidents behind it.
    """

    incident_count: int
    resolved_count: int
    open_count: int
    acknowledged_count: int
    unacknowledged_count: int
    canceled_count: int
    mttr_seconds: float | None
    mttr_median_seconds: float | None
    mttr_p90_seconds: float | None
    mtta_seconds: float | None
    by_severity: Mapping[str, int]
    by_source: Mapping[str, int]
    partner_impact_minutes: Mapping[str, float]
    resolved_ids: tuple[IncidentId, ...] = ()
    open_ids: tuple[IncidentId, ...] = ()
    unacknowledged_ids: tuple[IncidentId, ...] = ()
    canceled_ids: tuple[IncidentId, ...] = ()


@dataclass(frozen=True)
class TrendPoint:
    """One window of a trend (a sprint, usually) and its figures."""

    label: str
    since: datetime
    until: datetime
    metrics: IncidentMetrics


def in_window(facts: IncidentFacts, since: datetime, until: datetime) -> bool:
    """Whether the incident started in [since, until)."""
    since, until = _check_window(since, until)
    return since <= facts.started < until


def started_in_window(
    incidents: Iterable[IncidentFacts], since: datetime, until: datetime
) -> tuple[IncidentFacts, ...]:
    """The incidents that started in [since, until), in the order given."""
    since, until = _check_window(since, until)
    return tuple(facts for facts in incidents if since <= facts.started < until)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0..100) of `values` by linear interpolation; None when empty."""
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    fraction = position - lower
    return ordered[lower] + fraction * (ordered[upper] - ordered[lower])


def _mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def impact_minutes(
    intervals: Iterable[Interval], *, since: datetime, until: datetime, as_of: datetime
) -> float:
    """Minutes covered by the union of `intervals` within [since, until), as known at `as_of`.

    An interval whose end is None or after `as_of` runs to `as_of`; one that starts at or
    after `as_of` contributes nothing. Overlaps count once.
    """
    since, until = _check_window(since, until)
    as_of = as_utc(as_of, "as_of")
    ceiling = min(until, as_of)
    clipped: list[tuple[datetime, datetime]] = []
    for raw_start, raw_end in intervals:
        start = as_utc(raw_start, "interval start")
        end = _optional_utc(raw_end, "interval end")
        if end is not None and end < start:
            raise ValueError(f"interval ends before it starts: {start.isoformat()}")
        low, high = max(start, since), min(as_of if end is None else end, ceiling)
        if low < high:
            clipped.append((low, high))
    total = timedelta(0)
    covered_to = since  # sweeping in start order, the union so far ends here
    for low, high in sorted(clipped):
        low = max(low, covered_to)
        if high > low:
            total += high - low
            covered_to = high
    return total / timedelta(minutes=1)


def partner_impact_minutes(
    incidents: Iterable[IncidentFacts], *, since: datetime, until: datetime, as_of: datetime
) -> dict[str, float]:
    """Team -> impact minutes in [since, until), over the impacts of every non-canceled incident.

    Only teams with some impact inside the window appear, sorted by name.
    """
    by_team: dict[str, list[Interval]] = {}
    for facts in incidents:
        if facts.canceled:
            continue
        for impact in facts.impacts:
            by_team.setdefault(impact.team, []).append((impact.start, impact.end))
    minutes = {
        team: impact_minutes(intervals, since=since, until=until, as_of=as_of)
        for team, intervals in sorted(by_team.items())
    }
    return {team: value for team, value in minutes.items() if value > 0}


def incident_metrics(
    incidents: Iterable[IncidentFacts], *, since: datetime, until: datetime, as_of: datetime
) -> IncidentMetrics:
    """MTTR, MTTA, counts and partner impact for the incidents that started in [since, until).

    Pass every incident that may matter: those started in the window for the counts and
    durations, and any older one whose impact may reach into the window.
    """
    since, until = _check_window(since, until)
    as_of = as_utc(as_of, "as_of")
    everything = tuple(incidents)
    selected = [f for f in started_in_window(everything, since, until) if f.started <= as_of]

    canceled = [f for f in selected if f.canceled]
    counted = [f for f in selected if not f.canceled]
    resolved = [f for f in counted if f.is_resolved(as_of)]
    still_open = [f for f in counted if not f.is_resolved(as_of)]
    acknowledged = [f for f in counted if f.is_acknowledged(as_of)]
    unacknowledged = [f for f in counted if not f.is_acknowledged(as_of)]

    second = timedelta(seconds=1)
    repair = [(f.resolved - f.started) / second for f in resolved if f.resolved is not None]
    acknowledge = [
        (f.acknowledged - f.started) / second for f in acknowledged if f.acknowledged is not None
    ]

    severities: Counter[str] = Counter(f.severity or UNKNOWN_SEVERITY for f in counted)
    by_severity = {severity: severities.get(severity, 0) for severity in SEVERITIES}
    if severities.get(UNKNOWN_SEVERITY):
        by_severity[UNKNOWN_SEVERITY] = severities[UNKNOWN_SEVERITY]
    by_source = dict(sorted(Counter(f.source for f in counted).items()))

    return IncidentMetrics(
        incident_count=len(counted),
        resolved_count=len(resolved),
        open_count=len(still_open),
        acknowledged_count=len(acknowledged),
        unacknowledged_count=len(unacknowledged),
        canceled_count=len(canceled),
        mttr_seconds=_mean(repair),
        mttr_median_seconds=percentile(repair, 50),
        mttr_p90_seconds=percentile(repair, 90),
        mtta_seconds=_mean(acknowledge),
        by_severity=MappingProxyType(by_severity),
        by_source=MappingProxyType(by_source),
        partner_impact_minutes=MappingProxyType(
            partner_impact_minutes(everything, since=since, until=until, as_of=as_of)
        ),
        resolved_ids=tuple(f.id for f in resolved),
        open_ids=tuple(f.id for f in still_open),
        unacknowledged_ids=tuple(f.id for f in unacknowledged),
        canceled_ids=tuple(f.id for f in canceled),
    )


def metrics_trend(
    incidents: Iterable[IncidentFacts],
    windows: Sequence[tuple[str, datetime, datetime]],
    as_of: datetime,
) -> list[TrendPoint]:
    """The figures for each (label, since, until) window, in the order given (a sprint trend)."""
    everything = tuple(incidents)
    return [
        TrendPoint(
            label=label,
            since=as_utc(since, "since"),
            until=as_utc(until, "until"),
            metrics=incident_metrics(everything, since=since, until=until, as_of=as_of),
        )
        for label, since, until in windows
    ]


def to_json(metrics: IncidentMetrics) -> dict[str, Any]:
    """The JSON object the API and the `metrics` command put under `incidents`."""
    return {
        "mttr_seconds": metrics.mttr_seconds,
        "mttr_median_seconds": metrics.mttr_median_seconds,
        "mttr_p90_seconds": metrics.mttr_p90_seconds,
        "mtta_seconds": metrics.mtta_seconds,
        "resolved_count": metrics.resolved_count,
        "open_count": metrics.open_count,
        "unacknowledged_count": metrics.unacknowledged_count,
        "by_severity": dict(metrics.by_severity),
        "partner_impact_minutes": dict(metrics.partner_impact_minutes),
        "incident_count": metrics.incident_count,
        "acknowledged_count": metrics.acknowledged_count,
        "canceled_count": metrics.canceled_count,
        "by_source": dict(metrics.by_source),
    }


def severity_from_pagerduty(
    priority_name: str | None, urgency: str | None, mapping: Mapping[str, str] | None = None
) -> str:
    """A SEV from a PagerDuty incident's priority name, falling back to its urgency.

    `mapping` (priority name -> SEV) replaces the default P1..P5 one; names match ignoring
    case and surrounding spaces. A null or unmapped priority falls back to urgency
    (high -> SEV2, low -> SEV4); a missing or unknown urgency is taken as PagerDuty's
    default, high.
    """
    table = DEFAULT_PAGERDUTY_PRIORITIES if mapping is None else mapping
    normalized = {name.strip().casefold(): sev for name, sev in table.items()}
    for severity in normalized.values():
        if severity not in SEVERITIES:
            raise ValueError(f"priority mapping points to unknown severity {severity!r}")
    if priority_name is not None:
        severity = normalized.get(priority_name.strip().casefold())
        if severity is not None:
            return severity
    key = (urgency or "").strip().casefold()
    return PAGERDUTY_URGENCIES.get(key, PAGERDUTY_URGENCIES[DEFAULT_URGENCY])


def is_urgent(severity: str | None) -> bool:
    """SEV1 and SEV2 are urgent: paged at any hour, updated every 30 minutes."""
    return severity in URGENT_SEVERITIES


def update_overdue(
    severity: str | None,
    last_update_at: datetime | None,
    started: datetime,
    resolved: datetime | None,
    as_of: datetime,
    every: timedelta = UPDATE_EVERY,
    *,
    canceled: bool = False,
) -> bool:
    """Whether an urgent incident still open at `as_of` went more than `every` without an update.

    The clock runs from the last timeline update at or before `as_of`, or from the start
    when there is none. Exactly `every` after is due, not yet overdue.
    """
    started = as_utc(started, "started")
    as_of = as_utc(as_of, "as_of")
    resolved = _optional_utc(resolved, "resolved")
    last_update = _optional_utc(last_update_at, "last_update_at")
    if canceled or not is_urgent(severity) or started > as_of:
        return False
    if resolved is not None and resolved <= as_of:
        return False
    reference = last_update if last_update is not None and last_update <= as_of else started
    return as_of - max(reference, started) > every

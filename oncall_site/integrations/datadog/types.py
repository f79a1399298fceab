"""What the Datadog integration hands the rest of the site: frozen, normalized records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Monitor:
    id: int
    name: str
    status: str  # Alert, Warn, No Data, OK, ... as Datadog says it
    tags: tuple[str, ...]
    last_triggered_at: datetime | None
    url: str
    type: str | None = None
    # When the overall state last changed (`overall_state_modified`), where the answer gives
    # it: the monitor search does not, the monitor itself does.
    state_changed_at: datetime | None = None
    # Silenced (`options.silenced` not empty, or a matching downtime), where the answer says;
    # None: it does not say (ask the search with `muted:true`).
    silenced: bool | None = None


@dataclass(frozen=True)
class MetricSeries:
    """One metric query's answer: its first series' points, in time order.

    An empty `points` is a query that matched no metric (Datadog answers 200 with no
    series); `series_count` says how many series the query gave (a query grouped by a tag
    gives several; the first is used).
    """

    query: str
    points: tuple[tuple[datetime, float | None], ...]
    interval_seconds: int | None
    unit: str | None
    series_count: int

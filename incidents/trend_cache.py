"""The figures of settled sprints for the metrics trend, kept while their incidents stay the same.

A sprint's figures depend on `as_of` only through the instants of its incidents: once the
sprint has ended and every acknowledgement and resolution in it lies at or before `as_of`,
they are the same at any later `as_of`. The trend shows 8 sprints, and reading every
incident of the 7 settled ones on each request would be most of a page's work; so their
figures are kept in this process and read again only when their *digest* changes.

The digest is one aggregate over the incidents started in those sprints, of what the
trend's figures depend on: who is there (count and sum of ids), each instant (as days),
the states, and the latest `updated_at`. Any correction of a past incident changes it,
whether a person's (a save moves `updated_at`) or the sync's (`bulk_update` leaves
`updated_at` alone, but changes an instant or a state), and then the sprints are read
again, all at once. SQLite's `julianday` keeps milliseconds: a correction by less than a
millisecond that also leaves `updated_at` alone would go unseen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Expression, FloatField, Func, Max, Q, Sum
from django.db.models.sql.compiler import SQLCompiler

from incidents.metrics import SEVERITIES, IncidentMetrics
from incidents.models import Incident, State
from incidents.windows import Window

MAX_TRENDS = 16  # each entry holds the figures of one trend's settled sprints


class DaysAfter(Func):
    """Days from `origin` to an instant, as a number the database can sum."""

    output_field = FloatField()

    def __init__(self, expression: Any, origin: datetime) -> None:
        super().__init__(expression)
        self.origin = origin.timestamp() / 86400

    def as_sql(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(EXTRACT(EPOCH FROM {sql}) / 86400 - %s)", [*params, self.origin]

    def as_sqlite(self, compiler: SQLCompiler, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        # 2440587.5 is the Julian day of the Unix epoch.
        return f"(julianday({sql}) - 2440587.5 - %s)", [*params, self.origin]


@dataclass(frozen=True)
class Digest:
    """What the sprints' trend figures depend on, and from when they stop depending on
    `as_of`."""

    values: tuple[Any, ...]
    settled_at: datetime


def _aggregates(origin: datetime) -> dict[str, Expression]:
    return {
        "count": Count("pk"),
        "ids": Sum("pk"),
        "changed": Max("updated_at"),
        "started": Sum(DaysAfter("started_at", origin)),
        "acknowledged": Sum(DaysAfter("acknowledged_at", origin)),
        "acknowledged_count": Count("acknowledged_at"),
        "last_acknowledged": Max("acknowledged_at"),
        "resolved": Sum(DaysAfter("resolved_at", origin)),
        "resolved_count": Count("resolved_at"),
        "last_resolved": Max("resolved_at"),
        "resolved_state": Count("pk", filter=Q(state=State.RESOLVED)),
        "canceled_state": Count("pk", filter=Q(state=State.CANCELED)),
        # Only an unknown severity changes what the trend shows (the row is left out).
        "known_severity": Count("pk", filter=Q(severity__in=[*SEVERITIES, ""])),
    }


def digest(windows: Sequence[Window]) -> Digest:
    """The digest of the incidents started from the first window's start to the last one's
    end (sprints run back to back), in one query."""
    since, until = windows[0].since, windows[-1].until
    row = Incident.objects.filter(started_at__gte=since, started_at__lt=until).aggregate(
        **_aggregates(since)
    )
    instants = (until, row["last_acknowledged"], row["last_resolved"])
    return Digest(
        values=tuple(sorted(row.items())),
        settled_at=max(moment for moment in instants if moment is not None),
    )


_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], tuple[IncidentMetrics, ...]] = OrderedDict()


def _key(windows: Sequence[Window], digest: Digest) -> tuple[Any, ...]:
    return (tuple((window.since, window.until) for window in windows), digest.values)


def get(
    windows: Sequence[Window], digest: Digest, as_of: datetime
) -> tuple[IncidentMetrics, ...] | None:
    """The figures kept for the windows with this digest, if they hold at `as_of`."""
    if as_of < digest.settled_at:
        return None
    key = _key(windows, digest)
    with _lock:
        figures = _kept.get(key)
        if figures is not None:
            _kept.move_to_end(key)
        return figures


def put(
    windows: Sequence[Window],
    digest: Digest,
    as_of: datetime,
    figures: tuple[IncidentMetrics, ...],
) -> None:
    """Keep the windows' figures measured at `as_of`, if they were all settled by then."""
    if as_of < digest.settled_at:
        return
    key = _key(windows, digest)
    with _lock:
        _kept[key] = figures
        _kept.move_to_end(key)
        while len(_kept) > MAX_TRENDS:
            _kept.popitem(last=False)


def clear() -> None:
    with _lock:
        _kept.clear()

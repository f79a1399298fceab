"""The figures of settled sprints for the metrics trend, kept while their incidents stay the same.

A sprint's figures depend on `as_of` only through the instants of its incidents: once the
sprint has ended and every acknowledgement and resolution in it lies at or before `as_of`,
they are the same at any later `as_of`. The trend shows 8 sprints, and reading every
incident of 7 settled ones on each request is most of a page's work; so the figures of a
settled sprint are kept in this process and read again only when its *digest* changes.

The digest is one query over the incidents of the trend's sprints, summing what the trend's
figures depend on: who is in the sprint (count and sum of ids), each instant (as days), the
states, and the latest `updated_at`. Any
correction of a past incident changes it, whether a person's (a save moves `updated_at`) or
the sync's (`bulk_update` leaves `updated_at` alone, but changes an instant or a state).
SQLite's `julianday` keeps milliseconds: a correction by less than a millisecond that also
leaves `updated_at` alone would go unseen.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    Expression,
    FloatField,
    Func,
    IntegerField,
    Max,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.sql.compiler import SQLCompiler

from incidents.metrics import SEVERITIES, IncidentMetrics
from incidents.models import Incident, State
from incidents.windows import Window

MAX_SPRINTS = 64  # a few trends' worth; each entry holds one sprint's figures


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
    """What a sprint's trend figures depend on, and from when they stop depending on `as_of`."""

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


def digests(windows: Sequence[Window]) -> list[Digest]:
    """The digest of each window's incidents (those started in it), in one query.

    `windows` are oldest first and do not overlap, as sprints are.
    """
    if not windows:
        return []
    position = Case(
        *(When(started_at__lt=window.until, then=Value(i)) for i, window in enumerate(windows)),
        output_field=IntegerField(),
    )
    started = Q()
    for window in windows:
        started |= Q(started_at__gte=window.since, started_at__lt=window.until)
    rows = (
        Incident.objects.filter(started)
        .order_by()
        .annotate(position=position)
        .values("position")
        .annotate(**_aggregates(windows[0].since))
    )
    by_position = {row.pop("position"): row for row in rows}
    result = []
    for i, window in enumerate(windows):
        row = by_position.get(i)  # a sprint without incidents has no row
        if row is None:
            result.append(Digest(values=(), settled_at=window.until))
            continue
        instants = (window.until, row["last_acknowledged"], row["last_resolved"])
        result.append(
            Digest(
                values=tuple(sorted(row.items())),
                settled_at=max(moment for moment in instants if moment is not None),
            )
        )
    return result


_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], IncidentMetrics] = OrderedDict()


def _key(window: Window, digest: Digest) -> tuple[Any, ...]:
    return (window.since, window.until, digest.values)


def get(window: Window, digest: Digest, as_of: datetime) -> IncidentMetrics | None:
    """The figures kept for the window with this digest, if they hold at `as_of`."""
    if as_of < digest.settled_at:
        return None
    key = _key(window, digest)
    with _lock:
        metrics = _kept.get(key)
        if metrics is not None:
            _kept.move_to_end(key)
        return metrics


def put(window: Window, digest: Digest, as_of: datetime, metrics: IncidentMetrics) -> None:
    """Keep the figures measured at `as_of`, if the sprint was settled by then."""
    if as_of < digest.settled_at:
        return
    with _lock:
        _kept[_key(window, digest)] = metrics
        _kept.move_to_end(_key(window, digest))
        while len(_kept) > MAX_SPRINTS:
            _kept.popitem(last=False)


def clear() -> None:
    with _lock:
        _kept.clear()

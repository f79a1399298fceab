"""The figures of settled sprints for the metrics trend, kept while their incidents stay the same.

A sprint's figures depend on `as_of` only through the instants of its incidents: once the
sprint has ended and every acknowledgement and resolution in it lies at or before `as_of`,
they are the same at any later `as_of`. The trend shows 8 sprints, and reading every
incident of the 7 settled ones on each request would be most of a page's work; so their
figures are kept in this process and read again only when their *digest* changes.

The digest is one aggregate over the incidents started in those sprints: who is there
(count and sum of ids) and the latest `updated_at`. Every write to an incident moves its
`updated_at` — a person's save and the sync's bulk updates alike (`IncidentQuerySet`
makes sure) — and a deletion changes the count and the ids, so any correction of a past
incident changes the digest, and the sprints are read again, all at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Expression, Max, Sum

from incidents.metrics import IncidentMetrics
from incidents.models import Incident
from incidents.windows import Window

MAX_TRENDS = 16  # each entry holds the figures of one trend's settled sprints


@dataclass(frozen=True)
class Digest:
    """What the sprints' trend figures depend on: which incidents, and their last change."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Kept:
    figures: tuple[IncidentMetrics, ...]
    settled_at: datetime  # the figures hold at any `as_of` from here on


def _aggregates() -> dict[str, Expression]:
    return {
        "count": Count("pk"),
        "ids": Sum("pk"),
        "changed": Max("updated_at"),
    }


def digest(windows: Sequence[Window]) -> Digest:
    """The digest of the incidents started from the first window's start to the last one's
    end (sprints run back to back), in one query that reads only an index."""
    since, until = windows[0].since, windows[-1].until
    row = Incident.objects.filter(started_at__gte=since, started_at__lt=until).aggregate(
        **_aggregates()
    )
    return Digest(values=tuple(sorted(row.items())))


_lock = threading.Lock()
_kept: OrderedDict[tuple[Any, ...], Kept] = OrderedDict()


def _key(windows: Sequence[Window], digest: Digest) -> tuple[Any, ...]:
    return (tuple((window.since, window.until) for window in windows), digest.values)


def get(
    windows: Sequence[Window], digest: Digest, as_of: datetime
) -> tuple[IncidentMetrics, ...] | None:
    """The figures kept for the windows with this digest, if they hold at `as_of`."""
    key = _key(windows, digest)
    with _lock:
        kept = _kept.get(key)
        if kept is None or as_of < kept.settled_at:  # an earlier as_of than measured
            return None
        _kept.move_to_end(key)
        return kept.figures


def put(
    windows: Sequence[Window],
    digest: Digest,
    figures: tuple[IncidentMetrics, ...],
    *,
    as_of: datetime,
    settled_at: datetime,
) -> None:
    """Keep the windows' figures measured at `as_of`, if they had settled by then: they
    hold at any `as_of` from `settled_at` on (the windows' end, or the last acknowledgement
    or resolution in them if later)."""
    if as_of < settled_at:
        return
    key = _key(windows, digest)
    with _lock:
        _kept[key] = Kept(figures, settled_at)
        _kept.move_to_end(key)
        while len(_kept) > MAX_TRENDS:
            _kept.popitem(last=False)


def clear() -> None:
    with _lock:
        _kept.clear()

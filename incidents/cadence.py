"""How well a SEV1-2 incident kept its 30-minute update rule, as a pure function.

The rule (DESIGN.md, "Incidents"; `rules.overdue_for_update` decides the live marker): an
urgent incident owes the partner teams an update every 30 minutes while it is open
(triggered, acknowledged or mitigated). The clock starts when the incident starts and
restarts at each timeline update; exactly 30 minutes is on time, more is late.

Over one incident's open span, up to `as_of`:

- the span runs from `started` to the resolution, or to `as_of` while still open (a
  resolution after `as_of` is not known yet);
- `updates` are the timeline updates posted within the span (at or after the start, at or
  before its end); those outside it say nothing about the cadence;
- the gaps are the times between consecutive moments of [start, *updates, end]; the
  longest gap is the figure the partner teams felt, each gap over 30 minutes is one late
  update, and the minutes past 30 in each add up to the time overdue.

Durations are differences of UTC instants, so a night with a DST change is not an hour off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.metrics import UPDATE_EVERY, as_utc


@dataclass(frozen=True)
class UpdateCadence:
    """One incident's updates against the rule; durations in seconds."""

    updates: int  # timeline updates posted while it was open
    longest_gap_seconds: float
    late_updates: int  # gaps longer than the rule allows
    overdue_seconds: float  # the time past the rule, summed over the late gaps
    open_at_as_of: bool  # the last gap is still running

    @property
    def kept(self) -> bool:
        return self.late_updates == 0


def update_cadence(
    *,
    started: datetime,
    updates: Iterable[datetime],
    resolved: datetime | None,
    as_of: datetime,
    every: timedelta = UPDATE_EVERY,
) -> UpdateCadence | None:
    """The cadence of one incident's updates over its open span up to `as_of`; None when it
    had not started by `as_of` (nothing to measure yet)."""
    started, as_of = as_utc(started, "started"), as_utc(as_of, "as_of")
    if started > as_of:
        return None
    resolved = None if resolved is None else as_utc(resolved, "resolved")
    still_open = resolved is None or resolved > as_of
    end = as_of if still_open else max(resolved, started)  # type: ignore[type-var]
    posted = sorted(at for at in (as_utc(u, "update") for u in updates) if started <= at <= end)
    moments = [started, *posted, end]
    gaps = [later - earlier for earlier, later in zip(moments, moments[1:], strict=False)]
    late = [gap for gap in gaps if gap > every]
    second = timedelta(seconds=1)
    return UpdateCadence(
        updates=len(posted),
        longest_gap_seconds=max(gaps) / second,
        late_updates=len(late),
        overdue_seconds=sum(((gap - every) for gap in late), timedelta(0)) / second,
        open_at_as_of=still_open,
    )

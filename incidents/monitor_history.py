"""A Datadog monitor's firings and flapping, from the state changes the monitors sync stores
(`MonitorTransition`): pure functions over hand-given instants, `as_of`/`at` passed in.

- A monitor fires while its state is Alert, Warn or No Data. A firing episode begins at a
  change into one of those from any other state (or from the unknown state before the
  first change stored) and ends at the next change into any other state (OK, Ignored,
  Skipped, ...). Alert -> Warn -> Alert is one episode. Changes after `as_of` are not
  known yet: an episode whose recovery comes later is still firing at `as_of`.
- A monitor is flapping at `at` when it changed state at least 4 times in the 24 hours
  before `at` (after `at - 24h`, up to and including `at`). The 24 hours are elapsed time
  (UTC instants), so a night with a DST change is neither 23 nor 25 hours.
- The instants are Datadog's where its answer gives them, else the sync's (within a
  minute of the change while the worker runs); a change undone between two syncs is not
  seen, so flapping faster than the sync is undercounted, never invented.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from incidents.history import Firing
from incidents.metrics import as_utc
from incidents.models import ACTIVE_ALERT_STATUSES

FLAPPING_CHANGES = 4
FLAPPING_WINDOW = timedelta(hours=24)


def firing_episodes(changes: Iterable[tuple[datetime, str]], *, as_of: datetime) -> list[Firing]:
    """The firing episodes of one monitor known at `as_of`, oldest first, from its state
    changes `(at, to_state)` in any order (see the module's doc). The first change may be
    a seed: the state the monitor was in when a window opens."""
    as_of = as_utc(as_of, "as_of")
    known = sorted((as_utc(at, "change"), state) for at, state in changes)
    episodes: list[Firing] = []
    fired: datetime | None = None
    for at, state in known:
        if at > as_of:
            break
        if state in ACTIVE_ALERT_STATUSES:
            if fired is None:
                fired = at
        elif fired is not None:
            episodes.append(Firing(fired=fired, recovered=at))
            fired = None
    if fired is not None:
        episodes.append(Firing(fired=fired, recovered=None))
    return episodes


def state_changes_within(changes: Iterable[datetime], *, at: datetime) -> int:
    """How many of `changes` fall in the 24 hours before `at`: after `at - 24h`, up to `at`."""
    at = as_utc(at, "at")
    since = at - FLAPPING_WINDOW
    return sum(1 for change in changes if since < as_utc(change, "change") <= at)


def is_flapping(changes: Iterable[datetime], *, at: datetime) -> bool:
    """Whether a monitor with these state changes is flapping at `at` (4 or more in the
    24 hours before it)."""
    return state_changes_within(changes, at=at) >= FLAPPING_CHANGES

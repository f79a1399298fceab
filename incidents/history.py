"""What an incident or a Datadog monitor was at a given instant, from the rows as stored:
pure functions for the handoff report, which describes a sprint "as of" a moment.

What is stored limits what can be said, and the rules below say so rather than guess:

- An incident keeps the instants of its first acknowledgement, its mitigation, resolution
  and cancellation, so its state at any instant can be told (a reopened incident has
  lost the times it reopened, and reads as open since it started).
- A monitor row keeps only its *latest* firing: Datadog's `last_triggered_at` (or when the
  sync first saw it alerting, if Datadog did not say), and, once recovered, when the sync
  saw it back to OK (`last_seen_at`, within one sync interval of the real recovery). A
  monitor that fires again replaces its earlier firing, a firing that came and went between
  two syncs is never seen, and neither mutes (downtimes) nor state changes are stored: a
  monitor's silences and flapping are not measurable here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from incidents.metrics import as_utc
from incidents.models import State


def state_at(
    *,
    state: str,
    acknowledged_at: datetime | None,
    mitigated_at: datetime | None,
    resolved_at: datetime | None,
    canceled_at: datetime | None,
    at: datetime,
) -> str:
    """The incident's state at `at` (a `State` value), from its current state and instants.

    Canceled and resolved count from their instant (canceled with no instant: always);
    until then it was open: mitigated from its mitigation, acknowledged from its first
    acknowledgement, triggered before. As the metrics do, a resolved incident counts as
    open until its resolution, and an open row's stray resolution time is ignored.
    """
    at = as_utc(at, "at")
    if state == State.CANCELED and (canceled_at is None or as_utc(canceled_at) <= at):
        return State.CANCELED
    if state == State.RESOLVED and resolved_at is not None and as_utc(resolved_at) <= at:
        return State.RESOLVED
    if mitigated_at is not None and as_utc(mitigated_at) <= at:
        return State.MITIGATED
    if acknowledged_at is not None and as_utc(acknowledged_at) <= at:
        return State.ACKNOWLEDGED
    return State.TRIGGERED


@dataclass(frozen=True)
class Firing:
    """A monitor's latest firing as known at `as_of`: from `fired` to `recovered` (None:
    still firing at `as_of`)."""

    fired: datetime
    recovered: datetime | None

    def end(self, as_of: datetime) -> datetime:
        return self.recovered or as_utc(as_of, "as_of")

    def seconds(self, as_of: datetime) -> float:
        return (self.end(as_of) - self.fired).total_seconds()

    def seconds_within(self, since: datetime, until: datetime, as_of: datetime) -> float:
        """How long it fired inside [since, until), up to `as_of`."""
        low = max(self.fired, as_utc(since, "since"))
        high = min(self.end(as_of), as_utc(until, "until"), as_utc(as_of, "as_of"))
        return max((high - low).total_seconds(), 0.0)

    def overlaps(self, since: datetime, until: datetime, as_of: datetime) -> bool:
        """Whether it was firing at some moment of [since, until) up to `as_of` (a firing
        that starts in the window counts even when it recovered within the same second)."""
        since, until = as_utc(since, "since"), as_utc(until, "until")
        return self.fired < until and (self.fired >= since or self.end(as_of) > since)


def latest_firing(
    *,
    triggered_at: datetime | None,
    first_seen_at: datetime,
    active: bool,
    last_seen_at: datetime,
    as_of: datetime,
) -> Firing | None:
    """The monitor's latest stored firing as known at `as_of`; None when it started after.

    It fired at `triggered_at` (Datadog's own), else when the sync first saw it alerting.
    A monitor no longer active recovered when the sync marked it so (`last_seen_at`); a
    recovery after `as_of` was not known then: still firing.
    """
    as_of = as_utc(as_of, "as_of")
    fired = as_utc(triggered_at or first_seen_at, "fired")
    if fired > as_of:
        return None
    recovered = None if active else as_utc(last_seen_at, "recovered")
    if recovered is not None and (recovered > as_of or recovered < fired):
        # Recovered after as_of: still firing then. Before it fired: the row's instants
        # disagree (a firing newer than its recovery), so it is taken as still firing.
        recovered = None
    return Firing(fired=fired, recovered=recovered)


def incident_during_firing(
    *,
    firing: Firing,
    incident_started: datetime,
    incident_ended: datetime | None,
    as_of: datetime,
) -> bool:
    """Whether the incident linked to the monitor (declared from it, or the one it was
    added to) belongs to this firing: it was open at some moment of it. An incident of an
    earlier firing of the same monitor, over before this one fired, does not."""
    started = as_utc(incident_started, "incident started")
    ended = None if incident_ended is None else as_utc(incident_ended, "incident ended")
    return started <= firing.end(as_of) and (ended is None or ended >= firing.fired)

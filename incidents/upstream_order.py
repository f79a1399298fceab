"""Which of two PagerDuty records of one incident is the newer: the rule that keeps a
replayed or out-of-order webhook delivery, or a sync run that read the incident before a
delivery arrived, from moving an incident backwards.

The newest upstream change wins, by PagerDuty's own clock: a webhook event's `occurred_at`,
an incident record's `updated_at` (or `last_status_change_at`). Each PagerDuty incident
keeps the time of the newest change it took (`Incident.upstream_changed_at`); a record
older than that changes nothing upstream-owned (title, status, times, priority). What does
not depend on order still counts late: the first acknowledgement (the earliest one wins
whenever it arrives) and the timeline entry of each event.

Pure: no ORM, no clock.

Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/ (deliveries are
"at least once" and not ordered)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

# At one instant, the status further along wins, so two records stamped alike end in the
# same state whichever arrives first (an `acknowledged` and a `resolved` of one second).
STATUS_RANK = {"triggered": 0, "acknowledged": 1, "resolved": 2}

# Our finer local states, as PagerDuty would name them.
UPSTREAM_STATUS = {
    "triggered": "triggered",
    "acknowledged": "acknowledged",
    "mitigated": "acknowledged",
    "resolved": "resolved",
    "canceled": "resolved",
}


@dataclass(frozen=True)
class UpstreamChange:
    """A PagerDuty record of an incident: when PagerDuty last changed it (None: unknown),
    and the status it reports (triggered, acknowledged, resolved)."""

    at: datetime | None
    status: str


def upstream_status(state: str) -> str:
    """A stored incident's state as PagerDuty's status (mitigated is acknowledged there)."""
    return UPSTREAM_STATUS.get(state, "triggered")


def supersedes(incoming: UpstreamChange, stored: UpstreamChange) -> bool:
    """Whether `incoming` is newer than what the incident last took from PagerDuty.

    - Nothing taken yet with a time (`stored.at` None: a new row, or one stored before
      times were kept): the incoming record applies.
    - An incoming record without a time cannot show it is newer: it does not apply.
    - A later time applies; an earlier one does not (a replay, a late delivery, a sync
      that read the incident before a delivery changed it).
    - The same time: only a status further along (triggered < acknowledged < resolved)
      applies, so a replay changes nothing and two records of one instant converge.
    """
    if stored.at is None:
        return True
    if incoming.at is None:
        return False
    if incoming.at != stored.at:
        return incoming.at > stored.at
    return STATUS_RANK.get(incoming.status, 0) > STATUS_RANK.get(stored.status, 0)


# What a PagerDuty incident record says; a record older than the row's changes none of it.
PAGERDUTY_RECORD = (
    "number",
    "title",
    "state",
    "urgency",
    "priority",
    "service_id",
    "upstream_service_id",
    "started_at",
    "acknowledged_at",
    "resolved_at",
    "upstream_changed_at",
    "upstream_url",
    "assignees",
)


def older_record(row: Any, fields: dict[str, Any]) -> bool:
    """Whether a sync's incoming incident `fields` are older than what `row` last took."""
    incoming = UpstreamChange(fields.get("upstream_changed_at"), upstream_status(fields["state"]))
    stored = UpstreamChange(row.upstream_changed_at, upstream_status(row.state))
    return not supersedes(incoming, stored)


def keep_record(row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with what `row` holds of PagerDuty's record kept; the rest (flags for review,
    a service mapped in the admin since, for the same PagerDuty service) still applies."""
    kept = {name: getattr(row, name) for name in PAGERDUTY_RECORD}
    if fields.get("upstream_service_id") == row.upstream_service_id:
        kept.pop("service_id")
    return {**fields, **kept}

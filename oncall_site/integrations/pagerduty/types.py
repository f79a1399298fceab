"""What the PagerDuty integration hands the rest of the site: frozen, normalized records
from the REST API and from v3 webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PagerDutyUser:
    id: str
    name: str


@dataclass(frozen=True)
class PagerDutyIncident:
    id: str
    number: int | None
    title: str
    status: str  # triggered, acknowledged, resolved
    urgency: str | None  # high, low
    priority_name: str | None  # None when the incident has no priority
    service_id: str | None
    service_name: str | None
    created_at: datetime  # the start, for MTTR
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    last_status_change_at: datetime | None
    html_url: str
    assignees: tuple[PagerDutyUser, ...] = ()
    escalation_policy_name: str | None = None
    incident_key: str | None = None
    # When PagerDuty last changed the record (`updated_at`, else `last_status_change_at`):
    # orders it against webhook deliveries.
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Acknowledgement:
    incident_id: str
    at: datetime
    by: PagerDutyUser | None


@dataclass(frozen=True)
class OnCall:
    schedule_id: str | None  # None for a direct user escalation target
    escalation_level: int
    user_id: str
    user_name: str
    start: datetime | None  # None for a permanent on-call
    end: datetime | None
    escalation_policy_id: str | None = None


# Webhooks (v3). Text fields are "" when the event leaves them out or null.


@dataclass(frozen=True)
class IncidentEvent:
    """An `incident.*` event that carries the incident: a status change, or a change to
    something else we keep (priority, escalation, assignment)."""

    event_id: str
    event_type: str  # incident.triggered, incident.priority_updated, ...
    occurred_at: datetime | None
    agent: str  # who did it, as PagerDuty summarizes them
    incident_id: str
    number: int | None
    title: str
    # triggered, acknowledged or resolved when the event itself is that change
    # (incident.unacknowledged and incident.reopened are "triggered"), else None.
    changed_status: str | None
    status: str  # the incident's status as the event reports it
    created_at: datetime | None
    priority_name: str
    urgency: str
    service_id: str
    html_url: str  # "" unless an http(s) URL
    # The incident's assignees as the event reports them; None when it leaves them out.
    assignees: tuple[PagerDutyUser, ...] | None = None


@dataclass(frozen=True)
class NoteEvent:
    """`incident.annotated`: a note added to an incident."""

    event_id: str
    occurred_at: datetime | None
    incident_id: str
    note_id: str
    content: str


@dataclass(frozen=True)
class IgnoredEvent:
    """An event the site does not use (service.updated, ...), accepted and ignored on purpose."""

    event_type: str

"""PagerDuty v3 webhook deliveries parsed into the dataclasses of `types.py`.

A delivery is `{"event": {...}}`. Incident events carry the incident in `event.data`;
`incident.annotated` carries the note. Other event types are accepted and ignored on
purpose. The signature is checked before this runs (`oncall_site.webhook_signatures`).
Missing fields come back empty ("" or None) for the caller to flag; only a delivery that
cannot be keyed at all (no event, no incident id) is refused, with a message for the sender.

Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from oncall_site.integrations.errors import UnreadableWebhook
from oncall_site.integrations.pagerduty.types import (
    IgnoredEvent,
    IncidentEvent,
    NoteEvent,
    PagerDutyUser,
)
from oncall_site.integrations.text import one_line, plain_text
from oncall_site.integrations.timestamps import parse_instant

# Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/#event-types
STATUS_EVENTS = {
    "incident.triggered": "triggered",
    "incident.acknowledged": "acknowledged",
    "incident.unacknowledged": "triggered",
    "incident.resolved": "resolved",
    "incident.reopened": "triggered",
}
# Events that carry the incident and change something we keep (priority, assignment...).
INCIDENT_EVENTS = {
    *STATUS_EVENTS,
    "incident.priority_updated",
    "incident.escalated",
    "incident.reassigned",
    "incident.delegated",
}
NOTE_EVENT = "incident.annotated"

WebhookEvent = IncidentEvent | NoteEvent | IgnoredEvent


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    """A field as one line of text without control characters; "" when missing or null."""
    return one_line(value) if isinstance(value, str | int | float) else ""


def _counts(value: object) -> bool:
    """A whole number a database column takes (PagerDuty's incident numbers are)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31


def _instant(value: object) -> datetime | None:
    """A timestamp, or None when missing or unreadable (the caller flags it either way)."""
    try:
        return parse_instant(value)
    except ValueError:
        return None


def parse_event(payload: object) -> WebhookEvent:
    """One delivery's event. Raises UnreadableWebhook when it cannot be stored at all."""
    event = _mapping(_mapping(payload).get("event"))
    if not event:
        raise UnreadableWebhook("The body has no `event` object (is this a v3 webhook?).")
    event_type = _text(event.get("event_type"))
    if event_type in INCIDENT_EVENTS:
        return _incident_event(event, event_type)
    if event_type == NOTE_EVENT:
        return _note_event(event)
    return IgnoredEvent(event_type=event_type)


def _incident_event(event: Mapping[str, Any], event_type: str) -> IncidentEvent:
    data = _mapping(event.get("data"))
    incident_id = _text(data.get("id"))
    if not incident_id:
        raise UnreadableWebhook(f"The {event_type} event names no incident (data.id is missing).")
    priority = _mapping(data.get("priority"))
    html_url = _text(data.get("html_url"))
    number = data.get("number")
    return IncidentEvent(
        event_id=_text(event.get("id")),
        event_type=event_type,
        occurred_at=_instant(event.get("occurred_at")),
        agent=_text(_mapping(event.get("agent")).get("summary")),
        incident_id=incident_id,
        number=number if _counts(number) else None,
        title=_text(data.get("title") or data.get("summary")),
        changed_status=STATUS_EVENTS.get(event_type),
        status=_text(data.get("status")),
        created_at=_instant(data.get("created_at")),
        priority_name=_text(priority.get("summary") or priority.get("name")),
        urgency=_text(data.get("urgency")),
        service_id=_text(_mapping(data.get("service")).get("id")),
        html_url=html_url if html_url.lower().startswith(("https://", "http://")) else "",
        assignees=_assignees(data.get("assignees")),
    )


def _assignees(value: object) -> tuple[PagerDutyUser, ...] | None:
    """`data.assignees` (user references): None when the event leaves them out."""
    if not isinstance(value, list):
        return None
    users = []
    for ref in value:
        ref = _mapping(ref)
        user_id = _text(ref.get("id"))
        if user_id:
            users.append(PagerDutyUser(id=user_id, name=_text(ref.get("summary")) or user_id))
    return tuple(users)


def _note_event(event: Mapping[str, Any]) -> NoteEvent:
    data = _mapping(event.get("data"))
    incident_id = _text(_mapping(data.get("incident")).get("id"))
    content = data.get("content")
    content = plain_text(content).strip() if isinstance(content, str) else ""
    if not incident_id or not content:
        raise UnreadableWebhook(f"The {NOTE_EVENT} event has no incident id or no content.")
    return NoteEvent(
        event_id=_text(event.get("id")),
        occurred_at=_instant(event.get("occurred_at")),
        incident_id=incident_id,
        note_id=_text(data.get("id")),
        content=content,
    )

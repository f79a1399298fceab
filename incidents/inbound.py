"""What the inbound webhooks store: PagerDuty v3 incident events and Slack incident reports.

The views (`incidents/webhooks.py`) check signatures; this module turns a verified payload
into rows. Both are idempotent, keyed on `(source, external_id)`: a replayed delivery
changes nothing. Missing or odd fields are stored as far as they are known and the incident
is flagged for review (`needs_review`), never dropped silently and never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from incidents.metrics import severity_from_pagerduty
from incidents.models import Incident, IncidentUpdate, Source, State, UpdateKind
from incidents.services import timeline_record
from rotations.models import PartnerTeam, Service

# Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/#event-types
PAGERDUTY_STATUS_EVENTS = {
    "incident.triggered": State.TRIGGERED,
    "incident.acknowledged": State.ACKNOWLEDGED,
    "incident.unacknowledged": State.TRIGGERED,
    "incident.resolved": State.RESOLVED,
    "incident.reopened": State.TRIGGERED,
}
# Events that carry the incident and change something we keep (priority, assignment...).
PAGERDUTY_INCIDENT_EVENTS = {
    *PAGERDUTY_STATUS_EVENTS,
    "incident.priority_updated",
    "incident.escalated",
    "incident.reassigned",
    "incident.delegated",
}
PAGERDUTY_NOTE_EVENT = "incident.annotated"
PAGERDUTY_STATUSES = {
    "triggered": State.TRIGGERED,
    "acknowledged": State.ACKNOWLEDGED,
    "resolved": State.RESOLVED,
}


class InboundError(ValueError):
    """A payload we cannot store at all (not even keyed); the message goes back to the sender."""


@dataclass(frozen=True)
class InboundResult:
    stored: bool  # False: ignored on purpose (an event we do not use)
    detail: str
    incident_id: int | None = None
    created: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "stored" if self.stored else "ignored",
            "detail": self.detail,
            "incident": self.incident_id,
            "created": self.created,
        }


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object, limit: int) -> str:
    return " ".join(str(value).split())[:limit] if value not in (None, "") else ""


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def _flag(incident: Incident, problems: list[str]) -> None:
    if problems:
        incident.needs_review = True
        reasons = [r for r in incident.review_reason.split("; ") if r] + problems
        incident.review_reason = "; ".join(dict.fromkeys(reasons))[:300]


def _save_checked(incident: Incident, problems: list[str]) -> None:
    """Save even when the row contradicts itself, flagged with what is wrong."""
    try:
        incident.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems.extend(exc.messages)
    _flag(incident, problems)
    incident.save()


# PagerDuty


def _apply_status(
    incident: Incident, target: str, at: datetime, *, witnessed: bool, problems: list[str]
) -> None:
    """Move `incident` to PagerDuty's status `target` as of `at`, never backwards in time.

    Deliveries can arrive out of order: a late `acknowledged` must not reopen a resolved
    incident, and a replay must not move any time. `witnessed` is False when the event did
    not itself change the status (its time is then only an upper bound, and flagged).
    """
    state = incident.state
    if target == State.ACKNOWLEDGED:
        if incident.acknowledged_at is None or at < incident.acknowledged_at:
            incident.acknowledged_at = at
            if not witnessed:
                problems.append("acknowledged before we heard of it; the time is approximate")
        if state == State.TRIGGERED:
            incident.state = State.ACKNOWLEDGED
    elif target == State.RESOLVED:
        if state in (State.RESOLVED, State.CANCELED):
            return  # already closed here (canceled by hand stays canceled)
        incident.state = State.RESOLVED
        incident.resolved_at = at
        if not witnessed:
            problems.append("resolved before we heard of it; the time is approximate")
    elif target == State.TRIGGERED:
        if state == State.RESOLVED and (incident.resolved_at is None or at > incident.resolved_at):
            incident.state = State.TRIGGERED  # reopened
            incident.resolved_at = incident.mitigated_at = None
        elif state == State.ACKNOWLEDGED and (
            incident.acknowledged_at is None or at >= incident.acknowledged_at
        ):
            incident.state = State.TRIGGERED  # unacknowledged; the first ack still counts
    if incident.state == State.RESOLVED and incident.resolved_at is None:
        incident.resolved_at = at


def pagerduty_event_apply(payload: object, *, now: datetime | None = None) -> InboundResult:
    """Store one PagerDuty v3 webhook delivery (`{"event": {...}}`).

    Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/
    """
    event = _mapping(_mapping(payload).get("event"))
    if not event:
        raise InboundError("The body has no `event` object (is this a v3 webhook?).")
    event_type = _text(event.get("event_type"), 80)
    if event_type in PAGERDUTY_INCIDENT_EVENTS:
        return _pagerduty_incident(event, event_type, now=now or timezone.now())
    if event_type == PAGERDUTY_NOTE_EVENT:
        return _pagerduty_note(event, now=now or timezone.now())
    return InboundResult(stored=False, detail=f"{event_type or 'unnamed'} events are not used")


def _pagerduty_severity_mapping() -> Mapping[str, str] | None:
    return settings.PAGERDUTY_PRIORITY_SEVERITIES


def _pagerduty_incident(
    event: Mapping[str, Any], event_type: str, *, now: datetime
) -> InboundResult:
    data = _mapping(event.get("data"))
    incident_id = _text(data.get("id"), 64)
    if not incident_id:
        raise InboundError(f"The {event_type} event names no incident (data.id is missing).")
    problems: list[str] = []
    occurred = _timestamp(event.get("occurred_at"))
    if occurred is None:
        problems.append("the event had no occurred_at; the time it arrived is used")
        occurred = now
    created_at = _timestamp(data.get("created_at"))
    priority = _mapping(data.get("priority"))
    priority_name = _text(priority.get("summary") or priority.get("name"), 16)
    urgency = _text(data.get("urgency"), 8)
    service_ref = _mapping(data.get("service"))
    event_id = _text(event.get("id"), 50)

    with transaction.atomic():
        incident = (
            Incident.objects.select_for_update()
            .filter(source=Source.PAGERDUTY, external_id=incident_id)
            .first()
        )
        created = incident is None
        if incident is None:
            if created_at is None:
                problems.append("no created_at; the start is the time of this event")
            incident = Incident(
                source=Source.PAGERDUTY,
                external_id=incident_id,
                started_at=min(created_at or occurred, occurred),
                state=State.TRIGGERED,
            )
        elif created_at is not None:
            incident.started_at = created_at
        title = _text(data.get("title") or data.get("summary"), 300)
        if title:
            incident.title = title
        elif not incident.title:
            incident.title = f"PagerDuty incident {incident_id}"
            problems.append("no title")
        if isinstance(data.get("number"), int):
            incident.number = data["number"]
        html_url = _text(data.get("html_url"), 500)
        if html_url.lower().startswith(("https://", "http://")):
            incident.upstream_url = html_url
        if service_ref.get("id"):
            incident.upstream_service_id = _text(service_ref["id"], 32)
            incident.service = Service.objects.filter(
                pagerduty_service_id=incident.upstream_service_id
            ).first()
        # Recompute the severity only when PagerDuty's inputs to it change, so a severity
        # set by hand here survives unrelated events.
        if (
            created
            or not incident.severity
            or (priority_name, urgency)
            != (
                incident.priority,
                incident.urgency,
            )
        ):
            incident.severity = severity_from_pagerduty(
                priority_name or None, urgency or None, _pagerduty_severity_mapping()
            )
        incident.priority, incident.urgency = priority_name, urgency

        witnessed = event_type in PAGERDUTY_STATUS_EVENTS
        target = PAGERDUTY_STATUS_EVENTS.get(event_type) or PAGERDUTY_STATUSES.get(
            _text(data.get("status"), 16)
        )
        if target is not None and (witnessed or created or target != State.TRIGGERED):
            _apply_status(incident, target, occurred, witnessed=witnessed, problems=problems)
        _save_checked(incident, problems)

        if witnessed and event_id:
            key = f"pd-event:{event_id}"
            if not IncidentUpdate.objects.filter(incident=incident, external_id=key).exists():
                agent = _text(_mapping(event.get("agent")).get("summary"), 120)
                timeline_record(
                    incident,
                    kind=UpdateKind.STATUS,
                    text=f"PagerDuty: {event_type.removeprefix('incident.')}"
                    + (f" by {agent}" if agent else "")
                    + ".",
                    at=occurred,
                    user=None,
                    external_id=key,
                )
    verb = "created" if created else "updated"
    return InboundResult(
        stored=True, detail=f"incident {verb}", incident_id=incident.pk, created=created
    )


def _pagerduty_note(event: Mapping[str, Any], *, now: datetime) -> InboundResult:
    data = _mapping(event.get("data"))
    incident_id = _text(_mapping(data.get("incident")).get("id"), 64)
    note_id = _text(data.get("id"), 50)
    content = str(data.get("content") or "").strip()
    if not incident_id or not content:
        raise InboundError("The incident.annotated event has no incident id or no content.")
    incident = Incident.objects.filter(source=Source.PAGERDUTY, external_id=incident_id).first()
    if incident is None:
        # The next sync brings the incident; a note on it alone is not worth a guess.
        return InboundResult(stored=False, detail=f"note on unknown incident {incident_id}")
    key = f"pd-note:{note_id or _text(event.get('id'), 50)}"
    with transaction.atomic():
        if not IncidentUpdate.objects.filter(incident=incident, external_id=key).exists():
            timeline_record(
                incident,
                kind=UpdateKind.NOTE,
                text=content[:5000],
                at=_timestamp(event.get("occurred_at")) or now,
                user=None,
                external_id=key,
            )
    return InboundResult(stored=True, detail="note stored", incident_id=incident.pk)


# Slack incident-report workflow

_SEVERITY = re.compile(r"^\s*(?:sev(?:erity)?\s*)?([1-4])\b", re.IGNORECASE)
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}


def severity_from_text(value: object) -> str | None:
    """SEV1..SEV4 from what a person typed ("SEV2", "sev 2", "2 (major)"); None if unclear."""
    match = _SEVERITY.match(str(value or ""))
    return f"SEV{match.group(1)}" if match else None


def yes_no(value: object) -> bool | None:
    """Y/N (yes/no, true/false) as a boolean; None when unanswered or unclear."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().casefold()
    return True if text in YES else False if text in NO else None


def _team(value: str) -> PartnerTeam | None:
    return PartnerTeam.objects.filter(Q(name__iexact=value) | Q(slug__iexact=value)).first()


def slack_report_apply(payload: object, *, now: datetime | None = None) -> InboundResult:
    """Store one report from the Slack "report an incident" workflow, once per `report_id`.

    Expected fields (the workflow's variables): `report_id` (required), `reporter_team`,
    `reported_by`, `title`, `description`, `how_to_reproduce`, `application_non_functional`
    (Y/N), `blocker` (Y/N), `severity`, `service`, `submitted_at` (ISO 8601).
    """
    body = _mapping(payload)
    report_id = _text(body.get("report_id"), 64)
    if not report_id:
        raise InboundError("The report has no report_id, so a replay could not be recognized.")
    existing = Incident.objects.filter(source=Source.SLACK, external_id=report_id).first()
    if existing is not None:
        return InboundResult(stored=True, detail="already recorded", incident_id=existing.pk)

    now = now or timezone.now()
    problems: list[str] = []
    description = str(body.get("description") or "").strip()
    title = _text(body.get("title"), 300) or _text(
        description.splitlines()[0] if description else "", 120
    )
    if not description:
        problems.append("the report has no description")
    started = _timestamp(body.get("submitted_at")) or now
    started = min(started, now)
    team_name = _text(body.get("reporter_team"), 120)
    team = _team(team_name) if team_name else None
    if team_name and team is None:
        problems.append(f"unknown reporter team {team_name!r}")
    severity_raw = _text(body.get("severity"), 40)
    severity = severity_from_text(severity_raw)
    if severity_raw and severity is None:
        problems.append(f"unknown severity {severity_raw!r}")
    service_name = _text(body.get("service"), 80)
    service = Service.objects.filter(name__iexact=service_name).first() if service_name else None
    if service_name and service is None:
        problems.append(f"unknown service {service_name!r}")
    reporter = _text(body.get("reported_by"), 120)

    incident = Incident(
        source=Source.SLACK,
        external_id=report_id,
        title=title or f"Incident reported in Slack{f' by {team_name}' if team_name else ''}",
        description=description,
        how_to_reproduce=str(body.get("how_to_reproduce") or "").strip(),
        application_non_functional=yes_no(body.get("application_non_functional")),
        blocker=yes_no(body.get("blocker")),
        severity=severity or "",
        reporter_team=team,
        service=service,
        started_at=started,
        state=State.TRIGGERED,
    )
    try:
        with transaction.atomic():
            _save_checked(incident, problems)
            who = " ".join(filter(None, [reporter, f"({team_name})" if team_name else ""]))
            timeline_record(
                incident,
                kind=UpdateKind.COMMUNICATION,
                text=f"Reported in Slack{f' by {who}' if who else ''}.",
                at=started,
                user=None,
                external_id=f"slack:{report_id}"[:64],
            )
    except IntegrityError:
        # The same report delivered twice at once: the other delivery stored it.
        existing = Incident.objects.get(source=Source.SLACK, external_id=report_id)
        return InboundResult(stored=True, detail="already recorded", incident_id=existing.pk)
    return InboundResult(
        stored=True, detail="incident created", incident_id=incident.pk, created=True
    )

"""What the inbound webhooks store: PagerDuty v3 incident events and Slack incident reports.

The views (`incidents/webhooks.py`) check signatures and parse the payload with the vendor's
integration (`pagerduty.parse_event`, `slack.parse_incident_report`); this module turns the
parsed event into rows. Both are idempotent, keyed on `(source, external_id)`: a replayed
delivery changes nothing. Missing or odd fields are stored as far as they are known and the
incident is flagged for review (`needs_review`), never dropped silently and never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from incidents.metrics import severity_from_pagerduty
from incidents.models import Incident, IncidentUpdate, Source, State, UpdateKind
from incidents.owners import assignee_list
from incidents.services import timeline_record
from incidents.upstream_order import UpstreamChange, supersedes, upstream_status
from oncall_site.integrations import fit, pagerduty, slack
from rotations.models import PartnerTeam, Service

# Still importable from here, where they were first written (the rule now lives in Slack's
# webhook parsing).
severity_from_text = slack.severity_from_text
yes_no = slack.yes_no

PAGERDUTY_STATUSES = {
    "triggered": State.TRIGGERED,
    "acknowledged": State.ACKNOWLEDGED,
    "resolved": State.RESOLVED,
}


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


def _flag(incident: Incident, problems: list[str]) -> None:
    if problems:
        incident.needs_review = True
        reasons = [r for r in incident.review_reason.split("; ") if r] + problems
        incident.review_reason = fit("; ".join(dict.fromkeys(reasons)), 300)


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
    """Move `incident` to PagerDuty's status `target` as of `at`.

    Only for an event newer than anything the incident took from PagerDuty
    (`incidents.upstream_order.supersedes`); an older one goes to `_late_acknowledgement`.
    `witnessed` is False when the event did not itself change the status (its time is
    then only an upper bound, and flagged). Canceled here by hand stays canceled.
    """
    state = incident.state
    if state == State.CANCELED:
        if target == State.ACKNOWLEDGED:
            _late_acknowledgement(incident, at)
        return
    if target == State.ACKNOWLEDGED:
        if incident.acknowledged_at is None or at < incident.acknowledged_at:
            incident.acknowledged_at = at
            if not witnessed:
                problems.append("acknowledged before we heard of it; the time is approximate")
        if state == State.RESOLVED:
            # Acknowledged after the resolution we hold: it was reopened upstream meanwhile.
            incident.resolved_at = incident.mitigated_at = None
        if state in (State.TRIGGERED, State.RESOLVED):
            incident.state = State.ACKNOWLEDGED
    elif target == State.RESOLVED:
        if state == State.RESOLVED and not witnessed:
            return  # the resolution we witnessed is more exact than this event's time
        incident.state = State.RESOLVED
        incident.resolved_at = at
        if not witnessed:
            problems.append("resolved before we heard of it; the time is approximate")
    elif target == State.TRIGGERED:
        if state == State.RESOLVED:
            incident.state = State.TRIGGERED  # reopened
            incident.resolved_at = incident.mitigated_at = None
        elif state == State.ACKNOWLEDGED:
            incident.state = State.TRIGGERED  # unacknowledged; the first ack still counts
    if incident.state == State.RESOLVED and incident.resolved_at is None:
        incident.resolved_at = at


def _late_acknowledgement(incident: Incident, at: datetime) -> None:
    """An acknowledgement counts whenever it arrives, if it is the first one and fits
    between the start and the resolution (the first ack does not depend on order)."""
    earlier = incident.acknowledged_at is None or at < incident.acknowledged_at
    fits = at >= incident.started_at and (
        incident.resolved_at is None or at <= incident.resolved_at
    )
    if earlier and fits:
        incident.acknowledged_at = at


def pagerduty_event_store(
    event: pagerduty.WebhookEvent, *, now: datetime | None = None
) -> InboundResult:
    """Store one PagerDuty v3 webhook event (parsed by `pagerduty.parse_event`).

    Reference: https://developer.pagerduty.com/docs/webhooks/v3-overview/
    """
    if isinstance(event, pagerduty.IncidentEvent):
        return _pagerduty_incident(event, now=now or timezone.now())
    if isinstance(event, pagerduty.NoteEvent):
        return _pagerduty_note(event, now=now or timezone.now())
    return InboundResult(
        stored=False, detail=f"{event.event_type[:80] or 'unnamed'} events are not used"
    )


def _pagerduty_severity_mapping() -> Mapping[str, str] | None:
    return settings.PAGERDUTY_PRIORITY_SEVERITIES


def _pagerduty_incident(event: pagerduty.IncidentEvent, *, now: datetime) -> InboundResult:
    incident_id = event.incident_id[:64]
    problems: list[str] = []
    occurred = event.occurred_at
    if occurred is None:
        problems.append("the event had no occurred_at; the time it arrived is used")
        occurred = now
    created_at = event.created_at

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
        witnessed = event.changed_status is not None
        status = event.changed_status or event.status
        stored = UpstreamChange(incident.upstream_changed_at, upstream_status(incident.state))
        if created or supersedes(UpstreamChange(event.occurred_at, status), stored):
            _take_event(incident, event, occurred, created=created, problems=problems)
            if event.occurred_at is not None:
                incident.upstream_changed_at = event.occurred_at
        elif PAGERDUTY_STATUSES.get(status) == State.ACKNOWLEDGED:
            _late_acknowledgement(incident, occurred)
        _save_checked(incident, problems)

        event_id = event.event_id[:50]
        if witnessed and event_id:
            key = f"pd-event:{event_id}"
            if not IncidentUpdate.objects.filter(incident=incident, external_id=key).exists():
                agent = event.agent[:120]
                timeline_record(
                    incident,
                    kind=UpdateKind.STATUS,
                    text=f"PagerDuty: {event.event_type.removeprefix('incident.')}"
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


def _take_event(
    incident: Incident,
    event: pagerduty.IncidentEvent,
    occurred: datetime,
    *,
    created: bool,
    problems: list[str],
) -> None:
    """What PagerDuty owns, from an event newer than anything the incident took before."""
    incident_id = incident.external_id
    priority_name = event.priority_name[:16]
    urgency = event.urgency[:8]
    title = fit(event.title, 300)
    if title:
        incident.title = title
    elif not incident.title:
        incident.title = f"PagerDuty incident {incident_id}"
        problems.append("no title")
    if event.number is not None:
        incident.number = event.number
    if event.html_url:
        incident.upstream_url = event.html_url[:500]
    if event.service_id:
        incident.upstream_service_id = event.service_id[:32]
        incident.service = Service.objects.filter(
            pagerduty_service_id=incident.upstream_service_id
        ).first()
    # Recompute the severity only when PagerDuty's inputs to it change, so a severity
    # set by hand here survives unrelated events.
    if (
        created
        or not incident.severity
        or (priority_name, urgency) != (incident.priority, incident.urgency)
    ):
        incident.severity = severity_from_pagerduty(
            priority_name or None, urgency or None, _pagerduty_severity_mapping()
        )
    incident.priority, incident.urgency = priority_name, urgency
    if event.assignees is not None:
        incident.assignees = assignee_list(event.assignees)

    witnessed = event.changed_status is not None
    target = PAGERDUTY_STATUSES.get(event.changed_status or event.status)
    if target is not None and (witnessed or created or target != State.TRIGGERED):
        _apply_status(incident, target, occurred, witnessed=witnessed, problems=problems)


def _pagerduty_note(event: pagerduty.NoteEvent, *, now: datetime) -> InboundResult:
    incident_id = event.incident_id[:64]
    incident = Incident.objects.filter(source=Source.PAGERDUTY, external_id=incident_id).first()
    if incident is None:
        # The next sync brings the incident; a note on it alone is not worth a guess.
        return InboundResult(stored=False, detail=f"note on unknown incident {incident_id}")
    key = f"pd-note:{(event.note_id or event.event_id)[:50]}"
    with transaction.atomic():
        if not IncidentUpdate.objects.filter(incident=incident, external_id=key).exists():
            timeline_record(
                incident,
                kind=UpdateKind.NOTE,
                text=fit(event.content, 5000),
                at=event.occurred_at or now,
                user=None,
                external_id=key,
            )
    return InboundResult(stored=True, detail="note stored", incident_id=incident.pk)


# Slack incident-report workflow


def _team(value: str) -> PartnerTeam | None:
    return PartnerTeam.objects.filter(Q(name__iexact=value) | Q(slug__iexact=value)).first()


def slack_report_store(
    report: slack.IncidentReport, *, now: datetime | None = None
) -> InboundResult:
    """Store one report of the Slack "report an incident" workflow (parsed by
    `slack.parse_incident_report`), once per `report_id`."""
    report_id = report.report_id[:64]
    existing = Incident.objects.filter(source=Source.SLACK, external_id=report_id).first()
    if existing is not None:
        return InboundResult(stored=True, detail="already recorded", incident_id=existing.pk)

    now = now or timezone.now()
    problems: list[str] = []
    if not report.description:
        problems.append("the report has no description")
    started = min(report.submitted_at or now, now)
    team_name = report.reporter_team[:120]
    team = _team(team_name) if team_name else None
    if team_name and team is None:
        problems.append(f"unknown reporter team {team_name!r}")
    severity_typed = report.severity_text[:40]
    if severity_typed and report.severity is None:
        problems.append(f"unknown severity {severity_typed!r}")
    service_name = report.service[:80]
    service = Service.objects.filter(name__iexact=service_name).first() if service_name else None
    if service_name and service is None:
        problems.append(f"unknown service {service_name!r}")
    reporter = report.reported_by[:120]

    incident = Incident(
        source=Source.SLACK,
        external_id=report_id,
        title=fit(report.title, 300)
        or f"Incident reported in Slack{f' by {team_name}' if team_name else ''}",
        description=report.description,
        how_to_reproduce=report.how_to_reproduce,
        application_non_functional=report.application_non_functional,
        blocker=report.blocker,
        severity=report.severity or "",
        reporter_team=team,
        reported_by=reporter,
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

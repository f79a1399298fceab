"""Writes a person makes: declaring incidents, moving them through their states, the
timeline, partner-team impact, the ticket link, and turning an alert into an incident.

Every write validates the whole row (`full_clean`) before saving, so a bad time or value
comes back as a ValidationError naming the field, and nothing half-done is stored.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from incidents import rules
from incidents.models import (
    OPEN_STATES,
    DatadogMonitor,
    Incident,
    IncidentImpact,
    IncidentUpdate,
    Source,
    State,
    UpdateKind,
)
from rotations.models import PartnerTeam, Service

# How far ahead of the server clock a typed time may be (a laptop clock a little fast).
FUTURE_TOLERANCE = timedelta(minutes=5)

# Where each state may go. Skipping ahead is allowed (a page resolved without anyone
# acknowledging it is a real thing, and MTTA then counts it as never acknowledged).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    State.TRIGGERED: (State.ACKNOWLEDGED, State.MITIGATED, State.RESOLVED, State.CANCELED),
    State.ACKNOWLEDGED: (State.MITIGATED, State.RESOLVED, State.CANCELED),
    State.MITIGATED: (State.RESOLVED, State.CANCELED),
    State.RESOLVED: (State.TRIGGERED,),
    State.CANCELED: (State.TRIGGERED,),
}
TRANSITION_VERBS: dict[str, str] = {
    State.ACKNOWLEDGED: "Acknowledge",
    State.MITIGATED: "Mark mitigated",
    State.RESOLVED: "Resolve",
    State.CANCELED: "Cancel (false alarm or duplicate)",
    State.TRIGGERED: "Reopen",
}

TRANSITION_DONE: dict[str, str] = {
    State.ACKNOWLEDGED: "Acknowledged.",
    State.MITIGATED: "Mitigated.",
    State.RESOLVED: "Resolved.",
    State.CANCELED: "Canceled.",
    State.TRIGGERED: "Reopened.",
}

User = AbstractBaseUser | AnonymousUser | None


def _author(user: User) -> AbstractBaseUser | None:
    return user if isinstance(user, AbstractBaseUser) and user.is_authenticated else None


def _not_before_start_minute(at: datetime, started: datetime) -> datetime:
    """Times are typed to the minute: one in the minute the incident started means its start
    (a page at 10:10:45 acknowledged "at 10:10" is not acknowledged before it began)."""
    if started - timedelta(minutes=1) < at < started:
        return started
    return at


def _not_in_future(at: datetime, field: str, now: datetime | None = None) -> None:
    if at > (now or timezone.now()) + FUTURE_TOLERANCE:
        raise ValidationError({field: "That time is in the future; give the time it happened."})


def timeline_record(
    incident: Incident,
    *,
    kind: str,
    text: str,
    at: datetime,
    user: User,
    external_id: str = "",
) -> IncidentUpdate:
    """Add a timeline entry and move the incident's `last_update_at` clock forward."""
    update = IncidentUpdate(
        incident=incident,
        kind=kind,
        text=text,
        at=at,
        author=_author(user),
        external_id=external_id,
    )
    update.full_clean(exclude=["incident"])
    update.save()
    if incident.last_update_at is None or at > incident.last_update_at:
        incident.last_update_at = at
        Incident.objects.filter(pk=incident.pk).update(last_update_at=at)
    return update


def _reporter_name(user: User) -> str:
    """Who declared an incident here, as pages name them: their engineer's name if any."""
    who = _author(user)
    if who is None:
        return ""
    engineer = getattr(who, "engineer", None)
    name = engineer.name if engineer is not None else who.get_full_name() or who.get_username()
    return name[:120]


def incident_declare(
    *,
    title: str,
    started_at: datetime,
    user: User,
    severity: str = "",
    service: Service | None = None,
    reporter_team: PartnerTeam | None = None,
    description: str = "",
    how_to_reproduce: str = "",
    application_non_functional: bool | None = None,
    blocker: bool | None = None,
    source: str = Source.MANUAL,
    external_id: str = "",
) -> Incident:
    """Open an incident by hand (or from an alert) and note who declared it in the timeline."""
    _not_in_future(started_at, "started_at")
    incident = Incident(
        title=title,
        started_at=started_at,
        severity=severity,
        service=service,
        reporter_team=reporter_team,
        description=description,
        how_to_reproduce=how_to_reproduce,
        application_non_functional=application_non_functional,
        blocker=blocker,
        source=source,
        external_id=external_id,
        state=State.TRIGGERED,
        reported_by=_reporter_name(user),
    )
    incident.full_clean()
    with transaction.atomic():
        incident.save()
        who = _author(user)
        timeline_record(
            incident,
            kind=UpdateKind.STATUS,
            text=f"Declared{f' by {who.get_username()}' if who else ''}.",
            at=timezone.now(),
            user=user,
        )
    return incident


def incident_transition(
    *, incident: Incident, to: str, at: datetime, user: User, note: str = ""
) -> Incident:
    """Move the incident to `to`, stamping the matching time (`acknowledged_at` keeps the first
    acknowledgement). Reopening clears the mitigation, resolution and cancellation times."""
    if to not in TRANSITIONS.get(incident.state, ()):
        raise ValidationError(
            {
                "to": f"A {incident.get_state_display().lower()} incident cannot become "
                f"{State(to).label.lower() if to in State.values else to!r}."
            }
        )
    _not_in_future(at, "at")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        at = _not_before_start_minute(at, locked.started_at)
        if locked.state != incident.state:
            raise ValidationError(
                f"Someone else just moved this incident to {locked.get_state_display().lower()}; "
                "look again before changing it."
            )
        if to == State.ACKNOWLEDGED:
            if locked.acknowledged_at is None:
                locked.acknowledged_at = at
        elif to == State.MITIGATED:
            locked.mitigated_at = at
        elif to == State.RESOLVED:
            locked.resolved_at = at
        elif to == State.CANCELED:
            locked.canceled_at = at
        elif to == State.TRIGGERED:
            locked.mitigated_at = locked.resolved_at = locked.canceled_at = None
        locked.state = to
        try:
            locked.full_clean()
        except ValidationError as exc:
            # The form's field is `at`: errors on the timestamp it set belong there.
            stamped = {
                State.ACKNOWLEDGED: "acknowledged_at",
                State.MITIGATED: "mitigated_at",
                State.RESOLVED: "resolved_at",
                State.CANCELED: "canceled_at",
            }.get(State(to))
            if stamped and hasattr(exc, "error_dict") and stamped in exc.error_dict:
                raise ValidationError({"at": exc.error_dict[stamped]}) from exc
            raise
        locked.save()
        timeline_record(
            locked,
            kind=UpdateKind.STATUS,
            text=f"{TRANSITION_DONE[to]} {note}".strip(),
            at=at,
            user=user,
        )
    return locked


def update_add(
    *, incident: Incident, kind: str, text: str, at: datetime, user: User
) -> IncidentUpdate:
    """A discovery or remediation step, a message to partner teams, or a note."""
    _not_in_future(at, "at")
    at = _not_before_start_minute(at, incident.started_at)
    if at < incident.started_at:
        raise ValidationError({"at": "An update cannot come before the incident started."})
    with transaction.atomic():
        return timeline_record(incident, kind=kind, text=text, at=at, user=user)


def impact_save(
    *,
    incident: Incident,
    team: PartnerTeam,
    start: datetime,
    end: datetime | None,
    note: str = "",
    impact: IncidentImpact | None = None,
) -> IncidentImpact:
    """Record (or correct) how long a partner team's application was affected."""
    _not_in_future(start, "start")
    if end is not None:
        _not_in_future(end, "end")
    impact = impact or IncidentImpact(incident=incident)
    impact.team, impact.start, impact.end, impact.note = team, start, end, note
    impact.full_clean()
    impact.save()
    return impact


def impact_end(*, impact: IncidentImpact, at: datetime) -> IncidentImpact:
    _not_in_future(at, "end")
    impact.end = at
    impact.full_clean()
    impact.save(update_fields=["end"])
    return impact


def ticket_link(*, incident: Incident, url: str, user: User) -> Incident:
    """Point the incident at an existing ticket."""
    incident.ticket_url = url
    incident.full_clean()
    with transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(ticket_url=url)
        timeline_record(
            incident,
            kind=UpdateKind.NOTE,
            text=f"Ticket linked: {url}",
            at=timezone.now(),
            user=user,
        )
    return incident


def alert_declare_incident(*, alert: DatadogMonitor, user: User) -> tuple[Incident, bool]:
    """The alert's incident, declaring it if needed: (incident, created).

    Idempotent: the alert remembers its incident, and the incident is keyed on the monitor
    and the moment it fired, so two clicks (or two people) make one incident.
    """
    with transaction.atomic():
        # Lock the monitor's row only: PostgreSQL cannot lock the nullable side of the join.
        locked = (
            DatadogMonitor.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(pk=alert.pk)
        )
        current = rules.firing_incident(locked)
        if current is not None:
            return current, False
        key = rules.firing_key(locked)
        existing = Incident.objects.filter(source=Source.DATADOG, external_id=key).first()
        if existing is not None:
            locked.incident = existing
            locked.save(update_fields=["incident"])
            return existing, False
        now = timezone.now()
        started = min(locked.triggered_at or now, now)
        name = " ".join(locked.name.split()) or f"Datadog monitor {locked.monitor_id}"
        # The alert row is locked, so a second click waits here and then finds the incident.
        incident = incident_declare(
            title=name[:300],
            started_at=started,
            user=user,
            severity=rules.monitor_severity(locked.tags or ()),
            service=monitor_service(locked),
            source=Source.DATADOG,
            external_id=key,
            description=(
                f"Declared from the Datadog monitor {locked.monitor_id} ({locked.status}).\n"
                f"{locked.url}"
            ).strip(),
        )
        locked.incident = incident
        locked.save(update_fields=["incident"])
    return incident, True


def monitor_service(monitor: DatadogMonitor) -> Service | None:
    """The service its `service:` tag names, if we know one by that name."""
    name = rules.tag_value(monitor.tags or (), "service")
    return Service.objects.filter(name__iexact=name).first() if name else None


def open_incident_on_service(monitor: DatadogMonitor) -> Incident | None:
    """The open incident already on the monitor's service (the newest), if any: what the
    alert probably is, offered instead of a new incident."""
    name = rules.tag_value(monitor.tags or (), "service")
    if not name:
        return None
    return (
        Incident.objects.filter(state__in=OPEN_STATES, service__name__iexact=name)
        .order_by("-started_at", "-pk")
        .first()
    )


def alert_attach(*, alert: DatadogMonitor, incident: Incident, user: User) -> Incident:
    """Count the alert as part of an incident already open (on its service, say) rather
    than declaring another; noted in that incident's timeline."""
    if not incident.is_open:
        raise ValidationError("That incident is no longer open: declare a new one instead.")
    with transaction.atomic():
        locked = DatadogMonitor.objects.select_for_update().get(pk=alert.pk)
        if locked.incident_id == incident.pk:
            return incident
        locked.incident = incident
        locked.save(update_fields=["incident"])
        timeline_record(
            incident,
            kind=UpdateKind.NOTE,
            text=f"Datadog monitor {locked.monitor_id} ({locked.name}, {locked.status}) is part "
            "of this incident.",
            at=timezone.now(),
            user=user,
        )
    return incident

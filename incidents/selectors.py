"""Reads for the incident pages and the alerts page, each in a bounded number of queries.

The figures (windows, the facts the metric rules see, the metrics document) are in
`incidents.selectors_metrics`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from incidents import rules
from incidents.models import (
    ACTIVE_ALERT_STATUSES,
    OPEN_STATES,
    DatadogMonitor,
    Incident,
    IncidentImpact,
    Severity,
    Source,
    State,
)
from incidents.windows import WindowError, parse_instant
from oncall_site.integrations.text import one_line
from rotations.models import PartnerTeam, Sprint, team_today, team_zone

# Pseudo-states of the list filter, beside the real ones.
STATE_OPEN = "open"
STATE_COUNTED = "counted"  # everything but canceled: what the metrics count
STATE_FILTERS: dict[str, str] = {
    STATE_OPEN: "Open",
    STATE_COUNTED: "All but canceled",
    **dict(State.choices),
}
SEVERITY_UNKNOWN = "unknown"


@dataclass
class IncidentFilters:
    """What the incident list is narrowed to; every field is optional."""

    state: str = ""
    severity: str = ""
    source: str = ""
    team: str = ""  # partner team slug: impacted, or owning the incident's service
    sprint: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    acknowledged: str = ""  # yes / no
    ticket: str = ""  # no: owes a ticket (see rules.owes_ticket); yes: has one
    review: str = ""  # yes: flagged for review
    impacted: str = ""  # team slug whose impact overlaps [impact_since, impact_until)
    impact_since: datetime | None = None
    impact_until: datetime | None = None
    errors: list[str] = field(default_factory=list)
    by_default: bool = False  # no filter asked for: the list opens on what is open

    @property
    def active(self) -> bool:
        return any(
            (
                self.state,
                self.severity,
                self.source,
                self.team,
                self.sprint,
                self.since,
                self.until,
                self.acknowledged,
                self.ticket,
                self.review,
                self.impacted,
            )
        )


def _choice(params: Mapping[str, str], name: str, allowed: set[str], errors: list[str]) -> str:
    value = (params.get(name) or "").strip()
    if value and value not in allowed:
        errors.append(f"Unknown {name} {value[:40]!r}: that filter is ignored.")
        return ""
    return value


FILTER_PARAMS = frozenset(
    {
        "state",
        "severity",
        "source",
        "team",
        "sprint",
        "since",
        "until",
        "acknowledged",
        "ticket",
        "review",
        "impacted",
        "impact_since",
        "impact_until",
    }
)


def filters_from_params(params: Mapping[str, str]) -> IncidentFilters:
    """The filters in a query string; unreadable values are dropped and named in `errors`.

    With no filter at all (a bare address, or only a page number) the list shows the open
    incidents: what the pair works on. `state=` (empty, "any") asks for all of history.
    """
    errors: list[str] = []
    zone = team_zone()
    filters = IncidentFilters(
        state=_choice(params, "state", set(STATE_FILTERS), errors),
        severity=_choice(params, "severity", {*Severity.values, SEVERITY_UNKNOWN}, errors),
        source=_choice(params, "source", set(Source.values), errors),
        acknowledged=_choice(params, "acknowledged", {"yes", "no"}, errors),
        ticket=_choice(params, "ticket", {"yes", "no"}, errors),
        review=_choice(params, "review", {"yes"}, errors),
        # Slugs compared in SQL: PostgreSQL refuses a NUL in any text parameter.
        team=one_line(params.get("team"))[:60],
        impacted=one_line(params.get("impacted"))[:60],
        errors=errors,
    )
    sprint = (params.get("sprint") or "").strip()
    if sprint:
        if sprint.isdigit():
            filters.sprint = int(sprint)
        else:
            errors.append(f"Sprint must be a number, not {sprint[:20]!r}: that filter is ignored.")
    for name in ("since", "until", "impact_since", "impact_until"):
        if params.get(name):
            try:
                setattr(filters, name, parse_instant(params.get(name), name, zone))
            except WindowError as exc:
                errors.append(f"{exc}; that filter is ignored.")
    if filters.impacted and not (filters.impact_since and filters.impact_until):
        errors.append("impacted needs impact_since and impact_until: that filter is ignored.")
        filters.impacted = ""
    if not FILTER_PARAMS.intersection(params):
        filters.state, filters.by_default = STATE_OPEN, True
    return filters


def _impact_overlaps(team_slug: str, since: datetime, until: datetime) -> Q:
    """Incidents whose impact on the team reaches into [since, until), as the metrics count it:
    recorded impacts, or (with none recorded) the incident's own span on its service's team."""
    recorded = IncidentImpact.objects.filter(
        incident=OuterRef("pk"), team__slug=team_slug, start__lt=until
    ).filter(Q(end__isnull=True) | Q(end__gt=since))
    any_recorded = IncidentImpact.objects.filter(incident=OuterRef("pk"))
    implied = (
        ~Exists(any_recorded)
        & Q(service__team__slug=team_slug, service__team__is_platform=False, started_at__lt=until)
        & (
            Q(mitigated_at__gt=since)
            | Q(mitigated_at__isnull=True, resolved_at__isnull=True)
            | Q(mitigated_at__isnull=True, resolved_at__gt=since)
        )
    )
    return (Exists(recorded) | implied) & ~Q(state=State.CANCELED)


def incident_list(filters: IncidentFilters) -> QuerySet[Incident]:
    """Incidents matching `filters`, newest first, with what the list shows joined in."""
    incidents = Incident.objects.select_related("service__team", "reporter_team").order_by(
        "-started_at", "-pk"
    )
    if filters.state == STATE_OPEN:
        incidents = incidents.filter(state__in=OPEN_STATES)
    elif filters.state == STATE_COUNTED:
        incidents = incidents.exclude(state=State.CANCELED)
    elif filters.state:
        incidents = incidents.filter(state=filters.state)
    if filters.severity == SEVERITY_UNKNOWN:
        incidents = incidents.filter(severity="")
    elif filters.severity:
        incidents = incidents.filter(severity=filters.severity)
    if filters.source:
        incidents = incidents.filter(source=filters.source)
    if filters.team:
        impacted = IncidentImpact.objects.filter(incident=OuterRef("pk"), team__slug=filters.team)
        incidents = incidents.filter(Q(service__team__slug=filters.team) | Exists(impacted))
    if filters.sprint is not None:
        sprint = Sprint.objects.filter(number=filters.sprint).first()
        if sprint is None:
            filters.errors.append(f"There is no sprint {filters.sprint}: that filter is ignored.")
        else:
            incidents = incidents.started_between(*sprint.window())
    if filters.since:
        incidents = incidents.filter(started_at__gte=filters.since)
    if filters.until:
        incidents = incidents.filter(started_at__lt=filters.until)
    if filters.acknowledged:
        incidents = incidents.filter(acknowledged_at__isnull=filters.acknowledged == "no")
    if filters.ticket == "no":
        incidents = incidents.filter(rules.OWES_TICKET)
    elif filters.ticket == "yes":
        incidents = incidents.exclude(ticket_url="")
    if filters.review:
        incidents = incidents.filter(needs_review=True)
    if filters.impacted and filters.impact_since and filters.impact_until:
        incidents = incidents.filter(
            _impact_overlaps(filters.impacted, filters.impact_since, filters.impact_until)
        )
    return incidents


def with_markers(incidents: Iterable[Incident], *, now: datetime) -> list[Incident]:
    """The incidents, each with its `markers` (overdue for an update, owes a ticket, flagged
    for review) decided as of `now`."""
    marked = list(incidents)
    for incident in marked:
        incident.markers = rules.incident_markers(incident, now=now)
    return marked


def incidents_owing_ticket() -> QuerySet[Incident]:
    """Incidents without a ticket that must have one (every one but the canceled)."""
    return Incident.objects.filter(rules.OWES_TICKET)


def implied_impact_team(incident: Incident) -> PartnerTeam | None:
    """The partner team the metrics count as impacted when the incident has no impact
    recorded (see `rules.service_team_counts_as_impacted`); None when they count none."""
    team = incident.service.team if incident.service else None
    counted = rules.service_team_counts_as_impacted(
        state=incident.state,
        has_recorded_impact=bool(incident.impacts.all()),
        team_is_platform=team.is_platform if team else None,
    )
    return team if counted else None


def incident_detail(incident_id: int) -> Incident | None:
    return (
        Incident.objects.select_related("service__team", "reporter_team")
        .prefetch_related("updates__author", "impacts__team", "datadog_monitors")
        .filter(pk=incident_id)
        .first()
    )


def filter_choices(*, now: datetime) -> dict[str, Any]:
    """The options of the list's filter form: two queries whatever the data size."""
    today = team_today(now)
    return {
        "states": STATE_FILTERS,
        "severities": [*Severity.choices, (SEVERITY_UNKNOWN, "Not set")],
        "sources": Source.choices,
        "teams": list(PartnerTeam.objects.values_list("slug", "name")),
        "sprints": list(
            Sprint.objects.filter(start_date__lte=today)
            .order_by("-number")
            .values_list("number", "start_date")
        ),
    }


# Alerts


def active_alerts() -> QuerySet[DatadogMonitor]:
    """Monitors in Alert, Warn or No Data at the last sync, alerting ones first, oldest first."""
    return (
        DatadogMonitor.objects.filter(active=True, status__in=ACTIVE_ALERT_STATUSES)
        .select_related("incident")
        .order_by("status", "triggered_at", "first_seen_at", "pk")
    )


def with_firing_incident(monitors: Iterable[DatadogMonitor]) -> list[DatadogMonitor]:
    """The monitors, each with its `firing_incident`: the incident a click opens, or None
    when a click declares a new one (see `rules.firing_incident`); and, for those, the
    `open_on_service`: the newest open incident on the service their `service:` tag names,
    offered instead of a new one. One query for the whole page."""
    listed = list(monitors)
    names: dict[int, str] = {}
    for monitor in listed:
        monitor.firing_incident = rules.firing_incident(monitor)
        monitor.open_on_service = None
        name = rules.tag_value(monitor.tags or (), "service")
        if monitor.firing_incident is None and name:
            names[monitor.pk] = name.lower()
    if names:
        newest: dict[str, Incident] = {}
        rows = (
            Incident.objects.filter(state__in=OPEN_STATES, service__name__in=set(names.values()))
            .select_related("service")
            .order_by("-started_at", "-pk")
        )
        for incident in rows:
            newest.setdefault(incident.service.name.lower(), incident)
        for monitor in listed:
            if monitor.pk in names:
                monitor.open_on_service = newest.get(names[monitor.pk])
    return listed

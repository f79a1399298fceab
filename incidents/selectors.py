"""Reads for the incident pages, the metrics and the API, each in a bounded number of queries.

`incident_facts` is where rows become `metrics.IncidentFacts`: the one place that decides
what the pure functions see, so the page, the API and the command agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from incidents import rules
from incidents.metrics import Impact, IncidentFacts, incident_metrics, to_json
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
from incidents.windows import Window, WindowError, isoformat_utc, parse_instant, parse_window
from rotations.models import PartnerTeam, Sprint, team_today, team_zone
from rotations.selectors import current_sprint

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


def filters_from_params(params: Mapping[str, str]) -> IncidentFilters:
    """The filters in a query string; unreadable values are dropped and named in `errors`."""
    errors: list[str] = []
    zone = team_zone()
    filters = IncidentFilters(
        state=_choice(params, "state", set(STATE_FILTERS), errors),
        severity=_choice(params, "severity", {*Severity.values, SEVERITY_UNKNOWN}, errors),
        source=_choice(params, "source", set(Source.values), errors),
        acknowledged=_choice(params, "acknowledged", {"yes", "no"}, errors),
        ticket=_choice(params, "ticket", {"yes", "no"}, errors),
        review=_choice(params, "review", {"yes"}, errors),
        team=(params.get("team") or "").strip()[:60],
        impacted=(params.get("impacted") or "").strip()[:60],
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


# Windows


def sprint_window(sprint: Sprint) -> Window:
    since, until = sprint.window()
    return Window(
        since=since,
        until=until,
        label=f"Sprint {sprint.number}",
        sprint_number=sprint.number,
    )


def window_from_params(params: Mapping[str, str], *, default_to_current: bool) -> Window:
    """`since` and `until`, else `sprint=N`; with `default_to_current`, nothing means this sprint.

    Dates win over a sprint: on the metrics page the sprint menu keeps its last choice while
    a person types dates. WindowError (a message for a person) when the values are missing,
    unreadable or unknown.
    """
    if params.get("since") or params.get("until"):
        return parse_window(params.get("since"), params.get("until"), team_zone())
    sprint_raw = (params.get("sprint") or "").strip()
    if sprint_raw:
        if not sprint_raw.isdigit():
            raise WindowError(f"sprint must be a sprint number, not {sprint_raw[:20]!r}")
        sprint = Sprint.objects.filter(number=int(sprint_raw)).first()
        if sprint is None:
            raise WindowError(f"There is no sprint {int(sprint_raw)}.")
        return sprint_window(sprint)
    if default_to_current:
        sprint = current_sprint(now=timezone.now())
        if sprint is None:
            raise WindowError(
                "No sprint covers today: choose since and until, or set the sprint cadence."
            )
        return sprint_window(sprint)
    return parse_window(None, None, team_zone())


def trend_sprints(*, last: Sprint | None, count: int = 8) -> list[Sprint]:
    """Up to `count` sprints ending with `last` (the current one when None), oldest first."""
    if last is None:
        last = current_sprint(now=timezone.now())
    if last is None:
        return []
    sprints = Sprint.objects.filter(number__lte=last.number).order_by("-number")[:count]
    return sorted(sprints, key=lambda s: s.number)


# Facts for the metrics


@dataclass(frozen=True)
class SkippedIncident:
    id: int
    title: str
    reason: str


@dataclass(frozen=True)
class FactsResult:
    facts: tuple[IncidentFacts, ...]
    skipped: tuple[SkippedIncident, ...] = ()


FACT_FIELDS = (
    "id",
    "title",
    "state",
    "severity",
    "source",
    "started_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "service__team__name",
    "service__team__is_platform",
)


def _reaching(since: datetime, until: datetime) -> Q:
    """Incidents started in the window, and older ones whose impact may reach into it."""
    recorded = IncidentImpact.objects.filter(incident=OuterRef("pk"), start__lt=until).filter(
        Q(end__isnull=True) | Q(end__gt=since)
    )
    implied = Q(service__team__is_platform=False) & (
        Q(resolved_at__isnull=True) | Q(resolved_at__gt=since)
    )
    older = Q(started_at__lt=since) & ~Q(state=State.CANCELED) & (Exists(recorded) | implied)
    return Q(started_at__gte=since, started_at__lt=until) | older


def _facts_of(row: Mapping[str, Any], impacts: list[Impact]) -> IncidentFacts:
    """One row as facts; ValueError when the row contradicts itself (the caller skips it)."""
    state = row["state"]
    resolved_at = row["resolved_at"]
    if state == State.RESOLVED and resolved_at is None:
        raise ValueError("it is resolved but has no resolution time")
    if state in OPEN_STATES and resolved_at is not None:
        raise ValueError("it is open but has a resolution time")
    team = row["service__team__name"]
    if not impacts and team and not row["service__team__is_platform"] and state != State.CANCELED:
        # No impact recorded: the incident's service tells which partner team it hurt, from
        # the start until it was mitigated (or resolved).
        end = row["mitigated_at"] or (resolved_at if state == State.RESOLVED else None)
        impacts = [Impact(team=team, start=row["started_at"], end=end)]
    return IncidentFacts(
        id=row["id"],
        started=row["started_at"],
        acknowledged=row["acknowledged_at"],
        resolved=resolved_at if state == State.RESOLVED else None,
        severity=row["severity"] or None,
        source=row["source"],
        canceled=state == State.CANCELED,
        impacts=tuple(impacts),
    )


def incident_facts(*, since: datetime, until: datetime) -> FactsResult:
    """Facts for every incident that matters to [since, until), in two queries.

    Rows that contradict themselves (resolved before they started, an unknown severity, a
    resolved state without a resolution time, ...) are left out and returned in `skipped`
    with the reason, so the page can name them instead of crashing or skewing the means.
    """
    rows = list(Incident.objects.filter(_reaching(since, until)).values(*FACT_FIELDS))
    by_incident: dict[int, list[tuple[str, datetime, datetime | None]]] = {}
    impact_rows = IncidentImpact.objects.filter(
        incident__in=Incident.objects.filter(_reaching(since, until)).values("pk")
    ).values_list("incident_id", "team__name", "start", "end")
    for incident_id, team, start, end in impact_rows:
        by_incident.setdefault(incident_id, []).append((team, start, end))
    facts: list[IncidentFacts] = []
    skipped: list[SkippedIncident] = []
    for row in rows:
        try:
            impacts = [
                Impact(team=team, start=start, end=end)
                for team, start, end in by_incident.get(row["id"], ())
            ]
            facts.append(_facts_of(row, impacts))
        except ValueError as exc:
            reason = str(exc).replace(f"incident {row['id']} ", "")
            skipped.append(SkippedIncident(id=row["id"], title=row["title"], reason=reason))
    return FactsResult(facts=tuple(facts), skipped=tuple(skipped))


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
    when a click declares a new one (see `rules.firing_incident`)."""
    listed = list(monitors)
    for monitor in listed:
        monitor.firing_incident = rules.firing_incident(monitor)
    return listed


# The metrics document (the API and the `metrics` command)


def metrics_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """`{"since", "until", "as_of", "incidents": {...}}`; null where there is nothing to measure."""
    result = incident_facts(since=since, until=until)
    figures = incident_metrics(result.facts, since=since, until=until, as_of=as_of)
    return {
        "since": isoformat_utc(since),
        "until": isoformat_utc(until),
        "as_of": isoformat_utc(as_of),
        "incidents": to_json(figures),
    }

"""Reads for partner app performance: which services an incident is measured on, and the
stored figures per incident and per partner team.

The figures themselves are `incidents.performance`'s (pure); the Datadog job stores them
in `ServicePerformance` and pages read them from there, never from Datadog.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db.models import Prefetch, Q

from incidents import rules, sparklines
from incidents.models import (
    Incident,
    Measure,
    PerformanceStatus,
    ServicePerformance,
    State,
)
from rotations.models import PartnerTeam, Service

# The span read around an incident, and how long after its resolution the figures are final.
MARGIN = timedelta(hours=1)
BASELINE_OFFSET = timedelta(days=7)  # 168 real hours: the same span a week earlier
REFRESH = timedelta(minutes=5)


def refresh_instant(now: datetime) -> datetime:
    """`now` down to a whole `REFRESH` (UTC): what an open incident is read up to."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    return now - (now - epoch) % REFRESH


def impacted_teams(incident: Incident) -> list[PartnerTeam]:
    """The partner teams an incident impacts: its recorded impacts' teams, else its
    service's team as the metrics imply it (`rules.service_team_counts_as_impacted`).
    The platform team is never one. Reads prefetched `impacts__team` and `service__team`."""
    if incident.state == State.CANCELED:
        return []
    recorded = {i.team.pk: i.team for i in incident.impacts.all() if not i.team.is_platform}
    if recorded:
        return sorted(recorded.values(), key=lambda team: team.name)
    team = incident.service.team if incident.service else None
    implied = rules.service_team_counts_as_impacted(
        state=incident.state,
        has_recorded_impact=bool(incident.impacts.all()),
        team_is_platform=team.is_platform if team else None,
    )
    return [team] if implied and team is not None else []


def measured_services(
    incident: Incident, services_by_team: dict[int, list[Service]]
) -> list[Service]:
    """The impacted teams' active services that have a health query, by name."""
    found = [s for team in impacted_teams(incident) for s in services_by_team.get(team.pk, [])]
    return sorted(found, key=lambda service: service.name)


def services_with_queries() -> dict[int, list[Service]]:
    """Team id -> its active services with a Datadog health query (one query)."""
    by_team: dict[int, list[Service]] = {}
    for service in Service.objects.filter(active=True).exclude(
        latency_query="", error_rate_query=""
    ):
        if service.health_queries:
            by_team.setdefault(service.team_id, []).append(service)
    return by_team


def span(incident: Incident, *, now: datetime) -> tuple[datetime, datetime]:
    """From an hour before the start to an hour after the resolution (to `now` while open,
    or while that hour has not passed)."""
    end = now if incident.resolved_at is None else min(incident.resolved_at + MARGIN, now)
    return incident.started_at - MARGIN, max(end, incident.started_at - MARGIN)


def is_final(incident: Incident, *, now: datetime) -> bool:
    """Resolved for an hour: the span is complete and will not be read again."""
    return incident.resolved_at is not None and now >= incident.resolved_at + MARGIN


@dataclass
class Work:
    """One incident to measure and the (service, measure, query) still to read for it."""

    incident: Incident
    reads: list[tuple[Service, str, str]] = field(default_factory=list)


def incidents_to_measure(*, since: datetime, now: datetime) -> Iterator[Work]:
    """Incidents started since `since` impacting a partner team with a service that has a
    health query, newest first, with the measures not yet final. Streams in pages of 200."""
    by_team = services_with_queries()
    if not by_team:
        return
    final = Prefetch(
        "performance",
        queryset=ServicePerformance.objects.filter(final=True).only(
            "incident_id", "service_id", "measure"
        ),
        to_attr="final_rows",
    )
    queryset = (
        Incident.objects.filter(started_at__gte=since)
        .exclude(state=State.CANCELED)
        # A partner team somewhere near it; `impacted_teams` decides.
        .filter(Q(impacts__team__is_platform=False) | Q(service__team__is_platform=False))
        .distinct()
        .select_related("service__team")
        .prefetch_related("impacts__team", final)
        .order_by("-started_at", "-pk")
    )
    page, offset = 200, 0
    while True:
        chunk = list(queryset[offset : offset + page])
        for incident in chunk:
            done = {(row.service_id, row.measure) for row in incident.final_rows}
            work = Work(incident)
            if incident.started_at - MARGIN >= now:
                continue  # stamped in the future: nothing to read yet
            for service in measured_services(incident, by_team):
                for measure, query in service.health_queries.items():
                    if (service.pk, measure) not in done:
                        work.reads.append((service, measure, query))
            if work.reads:
                yield work
        if len(chunk) < page:
            return
        offset += page


MEASURE_ORDER = {Measure.LATENCY: 0, Measure.ERROR_RATE: 1}


def rows_for(incident: Incident) -> list[ServicePerformance]:
    """The stored rows of one incident, by service then latency before error rate."""
    rows = list(incident.performance.select_related("service"))
    return sorted(rows, key=lambda r: (r.service.name, MEASURE_ORDER.get(r.measure, 9)))


@dataclass(frozen=True)
class TeamPerformance:
    """One partner team's figures over a window: see `team_performance`."""

    team: str
    degraded_minutes: float
    worst_latency_ratio: float | None
    worst_error_rate: float | None
    error_rate_unit: str
    incidents: tuple[dict[str, object], ...]


def team_performance(
    rows: Sequence[ServicePerformance], team_of: dict[int, str]
) -> list[TeamPerformance]:
    """Per partner team, from the stored rows of the window's incidents:

    - `degraded_minutes`: per incident, the most degraded of the team's service measures
      (latency and error rate usually degrade together, so they are not added), summed
      over the incidents;
    - `worst_latency_ratio`: the highest latency worst / baseline p95;
    - `worst_error_rate`: the highest error rate seen, in the service's unit;
    - the incidents behind them, each with its own figures.

    Rows without figures (not enough data, a Datadog error) are listed under the incident
    with their status but add nothing. `team_of` maps service id -> team name.
    """
    by_team: dict[str, dict[int, list[ServicePerformance]]] = {}
    for row in rows:
        team = team_of.get(row.service_id)
        if team is not None:
            by_team.setdefault(team, {}).setdefault(row.incident_id, []).append(row)
    result = []
    for team, incidents in sorted(by_team.items()):
        listed = []
        total = 0.0
        latency_ratios, error_rates, units = [], [], set()
        for incident_id, incident_rows in sorted(incidents.items()):
            measured = [r for r in incident_rows if r.status == PerformanceStatus.OK]
            minutes = max((r.degraded_minutes or 0.0 for r in measured), default=None)
            total += minutes or 0.0
            ratios = [
                r.worst_ratio
                for r in measured
                if r.measure == Measure.LATENCY and r.worst_ratio is not None
            ]
            rates = [
                r.worst for r in measured if r.measure == Measure.ERROR_RATE and r.worst is not None
            ]
            units.update(r.unit for r in measured if r.measure == Measure.ERROR_RATE)
            latency_ratios += ratios
            error_rates += rates
            listed.append(
                {
                    "id": incident_id,
                    "degraded_minutes": minutes,
                    "worst_latency_ratio": max(ratios, default=None),
                    "worst_error_rate": max(rates, default=None),
                    "statuses": sorted({r.status for r in incident_rows}),
                }
            )
        result.append(
            TeamPerformance(
                team=team,
                degraded_minutes=total,
                worst_latency_ratio=max(latency_ratios, default=None),
                worst_error_rate=max(error_rates, default=None),
                error_rate_unit=", ".join(sorted(u for u in units if u)),
                incidents=tuple(listed),
            )
        )
    return result


def window_rows(incident_ids: Sequence[int]) -> list[ServicePerformance]:
    """The stored rows of these incidents, without their series (two queries at most)."""
    if not incident_ids:
        return []
    return list(
        ServicePerformance.objects.filter(incident_id__in=list(incident_ids))
        .defer("points", "baseline_points")
        .order_by("incident_id", "service_id", "measure")
    )


def partner_performance(
    *, since: datetime, until: datetime, counted: Sequence[int | str]
) -> list[TeamPerformance]:
    """Per team figures for a window's incidents (`counted`: the ids its metrics count, so
    canceled ones and those started after `as_of` are out), in one query whatever the
    window holds; the series are not read. The rows are as last read from Datadog (final
    ones no longer change)."""
    keep = set(counted)
    rows = [
        row
        for row in ServicePerformance.objects.filter(
            incident__started_at__gte=since, incident__started_at__lt=until
        )
        .select_related("service__team")
        .defer("points", "baseline_points", "query", "message")
        .order_by("incident_id", "service_id", "measure")
        if row.incident_id in keep
    ]
    return team_performance(rows, {r.service_id: r.service.team.name for r in rows})


def to_json(teams: Sequence[TeamPerformance]) -> dict[str, dict[str, object]]:
    """`incidents.partner_performance` of the metrics document: team -> figures."""
    return {
        t.team: {
            "degraded_minutes": t.degraded_minutes,
            "worst_latency_ratio": t.worst_latency_ratio,
            "worst_error_rate": t.worst_error_rate,
            "error_rate_unit": t.error_rate_unit,
            "incidents": list(t.incidents),
        }
        for t in teams
    }


# The incident page


@dataclass(frozen=True)
class MeasureView:
    """One measure of one service on the incident page: the stored row and its sparkline."""

    row: ServicePerformance
    sparkline: sparklines.Sparkline | None
    description: str  # what the sparkline shows, in words (its accessible name)


@dataclass(frozen=True)
class ServiceView:
    name: str
    team: str
    measures: tuple[MeasureView, ...]


@dataclass(frozen=True)
class IncidentPerformance:
    """The page's section: what was measured, and why anything was not."""

    teams: tuple[str, ...]  # the impacted partner teams
    services: tuple[ServiceView, ...]
    without_queries: tuple[str, ...]  # impacted teams none of whose services has a query
    waiting: tuple[str, ...]  # services with queries not read yet


def _describe(row: ServicePerformance) -> str:
    measure = row.get_measure_display().lower()
    unit = f" {row.unit}" if row.unit else ""
    if row.status != PerformanceStatus.OK:
        return f"{measure} of {row.service.name}: {row.message}"
    text = (
        f"{measure} of {row.service.name}: worst {row.worst:.3g}{unit}, mean {row.mean:.3g}{unit}"
    )
    if row.baseline_p95 is not None:
        text += f", against a p95 of {row.baseline_p95:.3g}{unit} a week earlier"
    return f"{text}; {row.degraded_minutes:.0f} minutes degraded"


def incident_performance(incident: Incident) -> IncidentPerformance:
    """Two queries: the impacted teams' services with a health query, and the stored rows
    (with their series). Reads the incident's prefetched impacts and service."""
    teams = impacted_teams(incident)
    if not teams:
        return IncidentPerformance((), (), (), ())
    services = list(
        Service.objects.filter(team__in=teams, active=True)
        .exclude(latency_query="", error_rate_query="")
        .select_related("team")
    )
    rows = rows_for(incident)
    ended = incident.resolved_at or (rows[0].span_end if rows else incident.started_at)
    by_service: dict[int, list[MeasureView]] = {}
    for row in rows:
        line = None
        if row.points or row.baseline_points:
            line = sparklines.sparkline(
                row.points,
                row.baseline_points,
                span_start=row.span_start,
                span_end=row.span_end,
                started=incident.started_at,
                ended=min(ended, row.span_end),
                limit=row.limit,
            )
        by_service.setdefault(row.service_id, []).append(MeasureView(row, line, _describe(row)))
    views = []
    names = {s.pk: (s.name, s.team.name) for s in services}
    for row in rows:
        names.setdefault(row.service_id, (row.service.name, ""))
    for service_id, measures in by_service.items():
        name, team = names[service_id]
        views.append(ServiceView(name=name, team=team, measures=tuple(measures)))
    with_queries = {s.team.name for s in services}
    return IncidentPerformance(
        teams=tuple(t.name for t in teams),
        services=tuple(sorted(views, key=lambda v: v.name)),
        without_queries=tuple(t.name for t in teams if t.name not in with_queries),
        waiting=tuple(sorted(s.name for s in services if s.pk not in by_service)),
    )

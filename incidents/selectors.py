"""Reads for the incident pages, the metrics and the API, each in a bounded number of queries.

`incident_facts` is where rows become `metrics.IncidentFacts`: the one place that decides
what the pure functions see. `window_metrics`, `sprint_trend` and `metrics_document` are
the figures the metrics page, the API, the `metrics` command and the handoff report all
show, so they agree.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import chain
from types import MappingProxyType
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from incidents import partner_performance, rules, trend_cache
from incidents.metrics import Impact, IncidentFacts, IncidentMetrics, incident_metrics, to_json
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
from oncall_site.integrations.text import one_line
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


TREND_SPRINTS = 8


def trend_sprints(*, last: Sprint | None, count: int = TREND_SPRINTS) -> list[Sprint]:
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


# The columns facts are read from, as tuples in this order: a window can hold thousands of
# incidents, and model instances would cost more than the arithmetic.
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
)
SERVICE_TEAM_FIELDS = ("service__team__name", "service__team__is_platform")
IMPACT_FIELDS = ("impacts__team__name", "impacts__start", "impacts__end")
INSTANTS = {"started_at", "acknowledged_at", "mitigated_at", "resolved_at"}
INSTANTS |= {"impacts__start", "impacts__end"}


def _rows(queryset: QuerySet[Incident], names: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """`queryset.values_list(*names)`, read straight from the database driver.

    A metrics page reads thousands of rows, and Django's per-value converters were a third
    of its time. The drivers already return datetimes (SQLite's naive, of Django's stored
    UTC; PostgreSQL's aware): the instants are only made aware here, and nothing else read
    here needs converting (SQLite's 0/1 booleans are only tested for truth).
    """
    at = [i for i, name in enumerate(names) if name in INSTANTS]
    sql, params = queryset.values_list(*names).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(2000):
            for raw in chunk:
                row = list(raw)
                for i in at:
                    value = row[i]
                    if value is not None and value.tzinfo is None:
                        row[i] = value.replace(tzinfo=UTC)
                yield tuple(row)


def _reaching(since: datetime, until: datetime) -> tuple[Q, Q]:
    """Incidents started in [since, until), and older ones whose impact may reach into it:
    not canceled, and not resolved by `since` or with a recorded impact reaching in. Which
    of those hurt a partner team within the window is for the facts to say.

    Two conditions for two queries, each walking an index: the window's on `started_at`,
    the older ones' on `resolved_at` (open, or resolved after `since`) and on the impacts
    (a recorded impact reaching in; the subquery is read once, not once per incident). The
    older ones say `NOT started_at >= since`, not `started_at < since`: SQLite, without
    statistics, would otherwise walk the `started_at` index over all of history.
    """
    recorded = IncidentImpact.objects.filter(start__lt=until).filter(
        Q(end__isnull=True) | Q(end__gt=since)
    )
    older = (
        (
            Q(resolved_at__isnull=True)
            | Q(resolved_at__gt=since)
            | Q(pk__in=recorded.values("incident_id"))
        )
        & ~Q(started_at__gte=since)
        & ~Q(state=State.CANCELED)
    )
    return Q(started_at__gte=since, started_at__lt=until), older


def _facts_of(
    row: Sequence[Any], impacts: list[Impact], service_team: Sequence[Any] | None
) -> IncidentFacts:
    """One row (FACT_FIELDS) as facts; ValueError when it contradicts itself (the caller skips
    it). `service_team` (name, is_platform) implies the impact when none is recorded; None
    when impacts are not read at all (the trend)."""
    pk, _title, state, severity, source, started, acknowledged, mitigated, resolved = row
    if state == State.RESOLVED and resolved is None:
        raise ValueError("it is resolved but has no resolution time")
    if state in OPEN_STATES and resolved is not None:
        raise ValueError("it is open but has a resolution time")
    if not impacts and service_team is not None and state != State.CANCELED:
        team, is_platform = service_team
        if team and not is_platform:
            # No impact recorded: the incident's service tells which partner team it hurt,
            # from the start until it was mitigated (or resolved).
            end = mitigated or (resolved if state == State.RESOLVED else None)
            impacts = [Impact(team=team, start=started, end=end)]
    return IncidentFacts(
        id=pk,
        started=started,
        acknowledged=acknowledged,
        resolved=resolved if state == State.RESOLVED else None,
        severity=severity or None,
        source=source,
        canceled=state == State.CANCELED,
        impacts=tuple(impacts),
    )


def _skip_reason(exc: ValueError, pk: int) -> str:
    return str(exc).replace(f"incident {pk} ", "")


def incident_facts(*, since: datetime, until: datetime) -> FactsResult:
    """Facts for every incident that matters to [since, until), with their impacts, in two
    queries (an incident comes once per recorded impact).

    Rows that contradict themselves (resolved before they started, an unknown severity, a
    resolved state without a resolution time, ...) are left out and returned in `skipped`
    with the reason, newest first, so the page can name them instead of crashing or skewing
    the means.
    """
    fields = (*FACT_FIELDS, *SERVICE_TEAM_FIELDS, *IMPACT_FIELDS)
    rows = chain.from_iterable(
        _rows(Incident.objects.filter(reaching).order_by(), fields)
        for reaching in _reaching(since, until)
    )
    width = len(FACT_FIELDS)
    incidents: dict[int, tuple[tuple[Any, ...], tuple[Any, ...], list[Impact]]] = {}
    skipped: dict[int, tuple[datetime, SkippedIncident]] = {}
    for row in rows:
        fact_row, service_team, (team, start, end) = row[:width], row[width:-3], row[-3:]
        pk, title, started = fact_row[0], fact_row[1], fact_row[5]
        impacts = incidents.setdefault(pk, (fact_row, service_team, []))[2]
        if start is None or pk in skipped:
            continue
        try:
            impacts.append(Impact(team=team, start=start, end=end))
        except ValueError as exc:
            skipped[pk] = (started, SkippedIncident(pk, title, _skip_reason(exc, pk)))
    facts: list[IncidentFacts] = []
    for pk, (fact_row, service_team, impacts) in incidents.items():
        if pk in skipped:
            continue
        try:
            facts.append(_facts_of(fact_row, impacts, service_team))
        except ValueError as exc:
            reason = _skip_reason(exc, pk)
            skipped[pk] = (fact_row[5], SkippedIncident(pk, fact_row[1], reason))
    ordered = sorted(skipped.values(), key=lambda item: (item[0], item[1].id), reverse=True)
    return FactsResult(facts=tuple(facts), skipped=tuple(s for _, s in ordered))


def _started_facts_by_window(windows: Sequence[Window]) -> list[list[IncidentFacts]]:
    """Facts of the incidents started in each of `windows` (oldest first, not overlapping),
    without impacts, in one query. Rows that contradict themselves are left out: the
    window's own figures name them."""
    started = Q()
    for window in windows:
        started |= Q(started_at__gte=window.since, started_at__lt=window.until)
    starts = [window.since for window in windows]
    buckets: list[list[IncidentFacts]] = [[] for _ in windows]
    for row in _rows(Incident.objects.filter(started).order_by(), FACT_FIELDS):
        try:
            facts = _facts_of(row, [], None)
        except ValueError:
            continue
        # The last window starting at or before the incident holds it.
        buckets[bisect_right(starts, facts.started) - 1].append(facts)
    return buckets


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


# Figures: one set of functions for the metrics page, the API, the `metrics` command and
# the handoff report, so they show the same numbers.


@dataclass(frozen=True)
class WindowMetrics:
    """The figures of the incidents started in [since, until) as of `as_of`, and the
    incidents left out of them because their data contradicts itself."""

    since: datetime
    until: datetime
    as_of: datetime
    metrics: IncidentMetrics
    skipped: tuple[SkippedIncident, ...] = ()


def window_metrics(*, since: datetime, until: datetime, as_of: datetime) -> WindowMetrics:
    """Every figure of the window, partner-team impact included, in one query."""
    result = incident_facts(since=since, until=until)
    return WindowMetrics(
        since=since,
        until=until,
        as_of=as_of,
        metrics=incident_metrics(result.facts, since=since, until=until, as_of=as_of),
        skipped=result.skipped,
    )


@dataclass(frozen=True)
class SprintFigures:
    """One sprint of the trend: counts, MTTR and MTTA.

    `metrics.by_severity`, `by_source` and `partner_impact_minutes` are left empty: the trend
    does not show them, and impact would mean reading every older incident reaching each
    sprint. `window_metrics` of the sprint's window has them all.
    """

    sprint: Sprint
    window: Window
    metrics: IncidentMetrics


def sprint_trend(
    *,
    last: Sprint | None,
    as_of: datetime,
    count: int = TREND_SPRINTS,
    known: WindowMetrics | None = None,
) -> tuple[SprintFigures, ...]:
    """Up to `count` sprints ending with `last` (the current one when None), oldest first.

    At most three queries whatever the number of sprints or incidents: the sprints, the
    digest of the ended ones (`trend_cache`), and every incident started in the sprints
    whose figures are not kept, at once. `known`, the figures of the last sprint's window
    at the same `as_of` (the page has just read them), spares reading its incidents again.
    """
    sprints = trend_sprints(last=last, count=count)
    windows = [sprint_window(sprint) for sprint in sprints]
    measured: dict[int, IncidentMetrics] = {}
    if known is not None and windows:
        last_window = windows[-1]
        if (known.since, known.until, known.as_of) == (last_window.since, last_window.until, as_of):
            measured[len(windows) - 1] = _trend_only(known.metrics)
    ended = [i for i, w in enumerate(windows) if i not in measured and w.until <= as_of]
    ended_windows = [windows[i] for i in ended]
    digest = trend_cache.digest(ended_windows) if ended else None
    kept = trend_cache.get(ended_windows, digest, as_of) if digest else None
    if kept is not None:
        measured.update(zip(ended, kept, strict=True))
    missing = [i for i in range(len(windows)) if i not in measured]
    if missing:
        buckets = _started_facts_by_window([windows[i] for i in missing])
        for i, bucket in zip(missing, buckets, strict=True):
            window = windows[i]
            metrics = incident_metrics(bucket, since=window.since, until=window.until, as_of=as_of)
            measured[i] = _trend_only(metrics)
        if digest is not None and kept is None:
            settled = [windows[ended[-1]].until]
            for i in ended:
                bucket = buckets[missing.index(i)]
                settled += [f.acknowledged for f in bucket if f.acknowledged is not None]
                settled += [f.resolved for f in bucket if f.resolved is not None]
            figures = tuple(measured[i] for i in ended)
            trend_cache.put(ended_windows, digest, figures, as_of=as_of, settled_at=max(settled))
    return tuple(
        SprintFigures(sprint=sprint, window=window, metrics=measured[i])
        for i, (sprint, window) in enumerate(zip(sprints, windows, strict=True))
    )


def _trend_only(metrics: IncidentMetrics) -> IncidentMetrics:
    """The figures without what the trend leaves out (see `SprintFigures`)."""
    nothing: Mapping[str, Any] = MappingProxyType({})
    return replace(metrics, by_severity=nothing, by_source=nothing, partner_impact_minutes=nothing)


@dataclass(frozen=True)
class MetricsOverview:
    """What the metrics page shows: the window's figures, its sprint (when it is one) and the
    trend of the sprints up to it (up to the current one for any other window)."""

    figures: WindowMetrics
    sprint: Sprint | None
    trend: tuple[SprintFigures, ...]


def metrics_overview(window: Window, *, as_of: datetime) -> MetricsOverview:
    """The page's figures in a bounded number of queries: the window's, then the trend's,
    which reads the window's incidents only once when the window is a sprint."""
    figures = window_metrics(since=window.since, until=window.until, as_of=as_of)
    sprint = None
    if window.sprint_number is not None:
        sprint = Sprint.objects.filter(number=window.sprint_number).first()
    trend = sprint_trend(last=sprint, as_of=as_of, known=figures)
    return MetricsOverview(figures=figures, sprint=sprint, trend=trend)


def sprints_so_far() -> list[Sprint]:
    """Sprints started by today, newest first (the metrics page's menu)."""
    return list(Sprint.objects.filter(start_date__lte=team_today()).order_by("-number"))


def partner_team_slugs() -> dict[str, str]:
    """Team name -> slug, for links from a team's impact figure to its incidents."""
    return dict(PartnerTeam.objects.values_list("name", "slug"))


def metrics_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """`{"since", "until", "as_of", "incidents": {...}}`; null where there is nothing to measure.

    The API's and the `metrics` command's document: the same figures as the page's.
    """
    figures = window_metrics(since=since, until=until, as_of=as_of)
    incidents = to_json(figures.metrics)
    counted = (*figures.metrics.resolved_ids, *figures.metrics.open_ids)
    incidents["partner_performance"] = partner_performance.to_json(
        partner_performance.partner_performance(since=since, until=until, counted=counted)
    )
    return {
        "since": isoformat_utc(figures.since),
        "until": isoformat_utc(figures.until),
        "as_of": isoformat_utc(figures.as_of),
        "incidents": incidents,
    }

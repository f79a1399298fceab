"""Reads for the metrics, the API and the handoff report, each in a bounded number of queries.

`incident_facts` is where rows become `metrics.IncidentFacts`: the one place that decides
what the pure functions see. `window_metrics`, `sprint_trend` and `metrics_document` are
the figures the metrics page, the API, the `metrics` command and the handoff report all
show, so they agree.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import chain
from types import MappingProxyType
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from incidents import partner_performance, trend_cache
from incidents.metrics import Impact, IncidentFacts, IncidentMetrics, incident_metrics, to_json
from incidents.models import (
    OPEN_STATES,
    Incident,
    IncidentImpact,
    State,
)
from incidents.windows import Window, WindowError, isoformat_utc, parse_window
from rotations.models import PartnerTeam, Sprint, team_today, team_zone
from rotations.selectors import current_sprint

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

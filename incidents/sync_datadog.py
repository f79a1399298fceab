"""Jobs of the incidents app that read Datadog: the monitors (the alerts page) and partner
app performance around incidents. Declared here, registered with the others by
`incidents.sync` (the module the registry discovers), under the same job keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from incidents import partner_performance, performance
from incidents.models import (
    DatadogMonitor,
    Incident,
    MonitorTransition,
    PerformanceStatus,
    ServicePerformance,
)
from oncall_site.integrations import datadog
from oncall_site.integrations.errors import BadPayload, UpstreamError
from oncall_site.sync import Ownership, SyncContext, job, upsert, vendors
from rotations.models import Service

MONITORS: Ownership[DatadogMonitor] = Ownership(
    DatadogMonitor,
    key=("monitor_id",),
    upstream=("name", "status", "tags", "triggered_at", "url", "monitor_type", "active"),
    links=("url",),
    stamp="last_seen_at",
)


def monitor_fields(monitor: datadog.Monitor, now: datetime) -> dict[str, Any]:
    return {
        "monitor_id": monitor.id,
        "name": monitor.name,
        "status": monitor.status,
        "tags": list(monitor.tags),
        "triggered_at": monitor.last_triggered_at,
        "url": monitor.url,
        "monitor_type": monitor.type or "",
        "active": True,
        "first_seen_at": now,  # on create only
    }


@job(vendors.DATADOG, "monitors", label="monitors", minutes=1)
def datadog_monitors(ctx: SyncContext) -> None:
    """Every monitor matching the query, in any state. Those in Alert, Warn or No Data are
    stored (created the first time one alerts); a stored one in any other state, or no
    longer listed, is marked recovered. Each change of a stored monitor's state is recorded
    (`record_transitions`), and the monitors a downtime silences (a second search,
    `muted:true`) are marked muted.

    A monitor can appear on two result pages (its state changed while the pages were
    read): the later record counts, and the upsert stores it once.
    """
    config: datadog.Config = ctx.config
    listed: dict[int, datadog.Monitor] = {}
    for chunk in ctx.batches(datadog.iter_monitors(ctx.client, config, statuses=None)):
        ctx.fetched += len(chunk)
        listed.update((m.id, m) for m in chunk)
    muted = {m.id for m in listed.values() if m.silenced}
    for chunk in ctx.batches(
        datadog.iter_monitors(ctx.client, config, statuses=None, muted_only=True)
    ):
        muted.update(m.id for m in chunk)
    # Only after both lists arrived: a failure mid-way must not mark alerts recovered.
    before = dict(
        DatadogMonitor.objects.filter(monitor_id__in=list(listed)).values_list(
            "monitor_id", "status"
        )
    )
    alerting = [m for m in listed.values() if m.status in datadog.ALERTING]
    for chunk in ctx.batches(alerting):
        ctx.written += upsert(
            MONITORS, (monitor_fields(m, ctx.now) for m in chunk), now=ctx.now
        ).total
    ctx.written += (
        DatadogMonitor.objects.filter(active=True)
        .exclude(monitor_id__in=[m.id for m in alerting])
        .update(active=False, status="OK", last_seen_at=ctx.now)
    )
    quiet: dict[str, list[int]] = {}
    for m in listed.values():
        if m.status not in datadog.ALERTING:
            quiet.setdefault(m.status[:16], []).append(m.id)
    for status, ids in quiet.items():  # OK, Ignored, Skipped, ...: as Datadog says
        ctx.written += (
            DatadogMonitor.objects.filter(monitor_id__in=ids)
            .exclude(status=status)
            .update(status=status)
        )
    ctx.written += record_transitions(listed, before, now=ctx.now)
    ctx.written += DatadogMonitor.objects.filter(monitor_id__in=muted, muted=False).update(
        muted=True
    )
    ctx.written += (
        DatadogMonitor.objects.filter(muted=True).exclude(monitor_id__in=muted).update(muted=False)
    )
    ctx.note(f"{len(alerting)} of {len(listed)} monitor(s) alerting, {len(muted)} muted")


def record_transitions(
    listed: Mapping[int, datadog.Monitor], before: Mapping[int, str], *, now: datetime
) -> int:
    """A MonitorTransition for each stored monitor whose state is not the one stored before
    this sync (`before`; absent: first stored now, from an unknown state). It happened at
    Datadog's `overall_state_modified` when the answer gives it; else, for a monitor first
    seen alerting, at its trigger time; else now. Idempotent by (monitor, at, to_state):
    a repeated sync records nothing twice."""
    pks = dict(
        DatadogMonitor.objects.filter(monitor_id__in=list(listed)).values_list("monitor_id", "pk")
    )
    rows = []
    for monitor_id, monitor in listed.items():
        pk = pks.get(monitor_id)
        previous = before.get(monitor_id)
        if pk is None or previous == monitor.status[:16]:
            continue  # never stored (never alerting here), or no change
        at = monitor.state_changed_at
        if at is None and previous is None:
            at = monitor.last_triggered_at
        rows.append(
            MonitorTransition(
                monitor_id=pk,
                from_state=previous or "",
                to_state=monitor.status[:16],
                at=at or now,
            )
        )
    MonitorTransition.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)


PERFORMANCE: Ownership[ServicePerformance] = Ownership(
    ServicePerformance,
    key=("incident_id", "service_id", "measure"),
    upstream=(
        "query",
        "unit",
        "status",
        "message",
        "span_start",
        "span_end",
        "worst",
        "mean",
        "limit",
        "limit_source",
        "degraded_minutes",
        "baseline_p95",
        "baseline_mean",
        "worst_ratio",
        "mean_ratio",
        "points",
        "baseline_points",
        "final",
    ),
    stamp="fetched_at",
)
FIGURES_CLEARED = dict.fromkeys(
    (
        "worst",
        "mean",
        "limit",
        "degraded_minutes",
        "baseline_p95",
        "baseline_mean",
        "worst_ratio",
        "mean_ratio",
    )
)
SPARKLINE_POINTS = 60


@job(vendors.DATADOG, "partner_performance", label="partner app performance", minutes=5)
def datadog_partner_performance(ctx: SyncContext) -> None:
    """Each partner service's health queries around the incidents impacting its team, newest
    first, within `DATADOG_PERFORMANCE_MAX_QUERIES` queries per run; a final row (resolved
    for an hour when read) is never read again. A query Datadog rejects (400) is stored with
    Datadog's message and flagged; a rate limit or an outage stops the run, keeping what
    was stored."""
    budget = settings.DATADOG_PERFORMANCE_MAX_QUERIES
    since = ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    # Read up to the last whole 5 minutes: two runs in the same 5 minutes read the same
    # span, so a repeat with nothing new upstream writes nothing.
    as_of = partner_performance.refresh_instant(ctx.now)
    queries = 0
    for work in partner_performance.incidents_to_measure(since=since, now=as_of):
        for service, measure, query in work.reads:
            if queries + 2 > budget:
                ctx.note(f"{queries} metric queries, the most a run makes; the rest waits")
                return
            queries += 2
            ctx.keepalive()
            row = _measure(ctx, work.incident, service, measure, query, as_of)
            ctx.written += upsert(PERFORMANCE, [row], now=ctx.now).total
    ctx.note(f"{queries} metric queries")


def _measure(
    ctx: SyncContext,
    incident: Incident,
    service: Service,
    measure: str,
    query: str,
    as_of: datetime,
) -> dict[str, Any]:
    """One stored row: the figures, or why there are none in words."""
    config: datadog.Config = ctx.config
    span_start, span_end = partner_performance.span(incident, now=as_of)
    offset = partner_performance.BASELINE_OFFSET
    row: dict[str, Any] = {
        "incident_id": incident.pk,
        "service_id": service.pk,
        "measure": measure,
        "query": query,
        "unit": getattr(service, f"{measure}_unit"),
        "span_start": span_start,
        "span_end": span_end,
        "final": partner_performance.is_final(incident, now=as_of),
        "limit_source": "",
        "points": [],
        "baseline_points": [],
        **FIGURES_CLEARED,
    }
    try:
        read = datadog.query_series(ctx.client, config, query, since=span_start, until=span_end)
        ctx.fetched += 1
        week_before = datadog.query_series(
            ctx.client, config, query, since=span_start - offset, until=span_end - offset
        )
        ctx.fetched += 1
    except UpstreamError as exc:
        if not isinstance(exc, BadPayload) and exc.status not in (400, 404, 422):
            raise  # a rate limit, an outage, a refused key: stop the run, keep what is stored
        ctx.flag(f"{service.name} {measure.replace('_', ' ')} query: {exc.message}")
        # Not final: a corrected query is read again on the next run.
        row.update(status=PerformanceStatus.DATADOG_ERROR, message=exc.message[:500], final=False)
        return row
    data = performance.series(read.points, _step(read))
    baseline = performance.series(
        [(at + offset, value) for at, value in week_before.points], _step(week_before)
    )
    row["unit"] = row["unit"] or read.unit or ""
    row["points"] = _plain_points(performance.downsample(data, buckets=SPARKLINE_POINTS))
    row["baseline_points"] = _plain_points(
        performance.downsample(baseline, buckets=SPARKLINE_POINTS)
    )
    figures = performance.performance(
        data,
        baseline,
        started=incident.started_at,
        ended=incident.resolved_at,
        since=span_start,
        until=span_end,
        as_of=as_of,
        threshold=getattr(service, f"{measure}_threshold"),
    )
    if isinstance(figures, performance.NotEnoughData):
        reason = figures.reason
        if not read.points:
            reason += " (Datadog has no points for this query: does the metric exist?)"
        row.update(status=PerformanceStatus.NOT_ENOUGH_DATA, message=reason[:500])
        return row
    baseline_figures = figures.baseline
    row.update(
        status=PerformanceStatus.OK,
        message="",
        worst=figures.worst,
        mean=figures.mean,
        limit=figures.limit,
        limit_source=figures.limit_source,
        degraded_minutes=figures.degraded_minutes,
        baseline_p95=baseline_figures.p95 if baseline_figures else None,
        baseline_mean=baseline_figures.mean if baseline_figures else None,
        worst_ratio=figures.worst_ratio,
        mean_ratio=figures.mean_ratio,
    )
    return row


def _step(read: datadog.MetricSeries) -> timedelta | None:
    """The rollup Datadog announces, unless the points are closer than that (its spec calls
    `interval` milliseconds, its answers give seconds): then the closest spacing."""
    instants = [at for at, _ in read.points]
    spacings = [b - a for a, b in zip(instants, instants[1:], strict=False) if b > a]
    announced = timedelta(seconds=read.interval_seconds) if read.interval_seconds else None
    if announced is None or (spacings and announced > min(spacings)):
        return min(spacings) if spacings else None
    return announced


def _plain_points(points: Any) -> list[list[Any]]:
    return [[int(at.timestamp()), value] for at, value in points]

"""The `datadog.partner_performance` job: which incidents and services it reads, in what
order and how many, what it stores, and how one bad query or a rate limit is handled.
Datadog is replaced at one seam (`datadog.query_series`); one test runs the real client
against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from incidents import sync as _discovered  # noqa: F401 - the jobs in discovery's order
from incidents import sync_datadog as sync
from incidents.models import Incident, IncidentImpact, PerformanceStatus, ServicePerformance, State
from oncall_site.integrations import datadog
from oncall_site.integrations.errors import RateLimited, UpstreamError
from oncall_site.sync import SyncContext, run_job
from rotations.models import Service
from tests.clock import NOW

pytestmark = pytest.mark.django_db

LATENCY = "p95:trace.http.request.duration{service:%s}"
MIN = timedelta(minutes=1)


def context() -> SyncContext:
    return SyncContext(config=None, client=None, now=NOW, cursor={}, progress=lambda m: None)


@pytest.fixture
def measured(teams):
    """cc-app and ee-max-cfi-app with a latency query; the platform's service too (never read)."""
    for name in ("cc-app", "ee-max-cfi-app", "svc-bgs-api"):
        Service.objects.filter(name=name).update(latency_query=LATENCY % name, latency_unit="s")
    return teams


def flat_then_spike(query, *, since, until):
    """One point a minute at 0.2 s, and 1.0 s from the incidents' start on (in the span)."""
    points = []
    at = since
    while at < until:
        spike = at >= since + timedelta(hours=1) and at < since + timedelta(hours=1, minutes=20)
        points.append((at, 1.0 if spike else 0.2))
        at += MIN
    return datadog.MetricSeries(
        query=query, points=tuple(points), interval_seconds=60, unit="s", series_count=1
    )


@pytest.fixture
def calls(monkeypatch):
    made: list[tuple[str, datetime]] = []

    def fake(client, config, query, *, since, until):
        made.append((query, since))
        return flat_then_spike(query, since=since, until=until)

    monkeypatch.setattr(sync.datadog, "query_series", fake)
    return made


def resolved(make_incident, hours_ago: float, service: str, **fields) -> Incident:
    started = NOW - timedelta(hours=hours_ago)
    return make_incident(
        f"incident {hours_ago} h ago",
        started_at=started,
        resolved_at=started + timedelta(minutes=30),
        state=State.RESOLVED,
        service=Service.objects.get(name=service),
        **fields,
    )


def test_it_measures_partner_services_against_last_week(measured, make_incident, calls):
    incident = resolved(make_incident, 5, "cc-app")
    ctx = context()
    sync.datadog_partner_performance(ctx)
    assert [q for q, _ in calls] == [LATENCY % "cc-app"] * 2
    span_start = incident.started_at - timedelta(hours=1)
    assert [since for _, since in calls] == [span_start, span_start - timedelta(days=7)]
    row = ServicePerformance.objects.get()
    assert (row.status, row.measure, row.unit, row.final) == ("ok", "latency", "s", True)
    # The week before spikes at the same minutes, so nothing is above twice its p95 (2 s).
    assert row.baseline_p95 == pytest.approx(1.0)
    assert row.degraded_minutes == 0
    assert row.span_end == incident.resolved_at + timedelta(hours=1)
    assert len(row.points) <= sync.SPARKLINE_POINTS


def test_it_reads_the_teams_of_recorded_impacts_and_never_the_platform(
    measured, make_incident, calls
):
    platform_page = resolved(make_incident, 5, "svc-bgs-api")
    sync.datadog_partner_performance(context())
    assert calls == []  # the platform's own service, though it has a query
    IncidentImpact.objects.create(
        incident=platform_page, team=measured["ee"], start=platform_page.started_at
    )
    sync.datadog_partner_performance(context())
    assert [q for q, _ in calls] == [LATENCY % "ee-max-cfi-app"] * 2


def test_it_skips_incidents_without_a_partner_team_and_canceled_ones(
    measured, make_incident, calls
):
    make_incident("no service", started_at=NOW - timedelta(hours=3))
    duplicate = resolved(make_incident, 4, "cc-app")
    Incident.objects.filter(pk=duplicate.pk).update(state=State.CANCELED, canceled_at=NOW)
    sync.datadog_partner_performance(context())
    assert calls == []


def test_it_reads_newest_first_within_the_query_budget(measured, make_incident, calls, settings):
    settings.DATADOG_PERFORMANCE_MAX_QUERIES = 4
    older, newer, newest = (resolved(make_incident, h, "cc-app") for h in (30, 20, 10))
    ctx = context()
    sync.datadog_partner_performance(ctx)
    assert set(ServicePerformance.objects.values_list("incident_id", flat=True)) == {
        newest.pk,
        newer.pk,
    }
    # The next run reads what is left; final rows are never read again.
    calls.clear()
    sync.datadog_partner_performance(context())
    assert len(calls) == 2
    assert ServicePerformance.objects.filter(incident=older).exists()
    calls.clear()
    sync.datadog_partner_performance(context())
    assert calls == []


def test_an_open_incident_is_read_again_until_final(measured, make_incident, calls):
    make_incident(
        "open",
        started_at=NOW - timedelta(minutes=90),
        service=Service.objects.get(name="cc-app"),
    )
    sync.datadog_partner_performance(context())
    row = ServicePerformance.objects.get()
    assert not row.final
    assert row.span_end == datetime(2026, 3, 11, 18, 30, tzinfo=UTC)  # NOW, whole 5 minutes
    sync.datadog_partner_performance(context())
    assert len(calls) == 4


def test_a_query_datadog_rejects_is_stored_in_its_words_and_the_others_go_on(
    measured, make_incident, monkeypatch
):
    resolved(make_incident, 5, "cc-app")
    resolved(make_incident, 6, "ee-max-cfi-app")

    def fake(client, config, query, *, since, until):
        if "cc-app" in query:
            raise UpstreamError(
                "datadog",
                "Datadog refused the request (HTTP 400): Error parsing query: unable to parse",
                status=400,
            )
        return flat_then_spike(query, since=since, until=until)

    monkeypatch.setattr(sync.datadog, "query_series", fake)
    ctx = context()
    sync.datadog_partner_performance(ctx)
    rows = dict(ServicePerformance.objects.values_list("service__name", "status"))
    assert rows == {"cc-app": PerformanceStatus.DATADOG_ERROR, "ee-max-cfi-app": "ok"}
    bad = ServicePerformance.objects.get(service__name="cc-app")
    assert "Error parsing query" in bad.message and not bad.final
    assert ctx.warnings == [
        "cc-app latency query: Datadog refused the request (HTTP 400): Error parsing query: unable to parse"
    ]


def test_a_rate_limit_midway_stops_the_run_and_keeps_what_was_stored(
    measured, make_incident, monkeypatch
):
    resolved(make_incident, 5, "cc-app")
    resolved(make_incident, 6, "ee-max-cfi-app")
    answered = []

    def fake(client, config, query, *, since, until):
        if answered and "ee-max" in query:
            raise RateLimited("datadog", "Datadog is rate limiting us", retry_after=60, status=429)
        answered.append(query)
        return flat_then_spike(query, since=since, until=until)

    monkeypatch.setattr(sync.datadog, "query_series", fake)
    with pytest.raises(RateLimited):
        sync.datadog_partner_performance(context())
    assert list(ServicePerformance.objects.values_list("service__name", flat=True)) == ["cc-app"]


def test_an_empty_series_says_not_enough_data_in_words(measured, make_incident, monkeypatch):
    resolved(make_incident, 5, "cc-app")
    monkeypatch.setattr(
        sync.datadog,
        "query_series",
        lambda c, cfg, q, since, until: datadog.MetricSeries(q, (), None, None, 0),
    )
    sync.datadog_partner_performance(context())
    row = ServicePerformance.objects.get()
    assert row.status == PerformanceStatus.NOT_ENOUGH_DATA
    assert row.message.startswith("not enough data: the incident has 0 points")
    assert "does the metric exist?" in row.message


def test_it_reads_the_sandbox_with_the_real_client(upstreams, demo_team, settings):
    """End to end: the incidents the sandbox pages, then their partner services' series."""
    settings.SYNC_BACKFILL_DAYS = 14
    for service in Service.objects.filter(team__is_platform=False):
        service.latency_query = LATENCY % service.name
        service.latency_unit = "s"
        service.error_rate_query = ""  # latency only: its scale is checked below
        service.save()
    Service.objects.filter(name="ee-ep-merge-app").update(
        latency_query="p95:trace.http.request.duration{service:ee-ep-merge-app"
    )
    assert run_job("pagerduty.incidents").status == "ok"
    outcome = run_job("datadog.partner_performance")
    assert outcome.status == "ok", outcome.message
    rows = ServicePerformance.objects.select_related("service", "incident")
    assert rows.exists()
    broken = [r for r in rows if r.service.name == "ee-ep-merge-app"]
    assert broken and all(r.status == PerformanceStatus.DATADOG_ERROR for r in broken)
    assert "Error parsing query" in broken[0].message
    measured_rows = [r for r in rows if r.status == "ok"]
    # The sandbox degrades a partner service during the incidents paged on it.
    own = [r for r in measured_rows if r.incident.service_id == r.service_id]
    others = [r for r in measured_rows if r.incident.service_id != r.service_id]
    assert own and others
    assert all(r.worst > 1.0 for r in own)  # about five times its usual 0.15-0.35 s
    assert all(r.worst < 0.5 for r in others)  # the team's other services stay flat
    # Degraded against a calm week before; a week that had its own incident then hides it.
    calm_week = [r for r in own if r.baseline_p95 < 0.5]
    assert calm_week and all(r.degraded_minutes > 0 and r.worst_ratio > 2 for r in calm_week)

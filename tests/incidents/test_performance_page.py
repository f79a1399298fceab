"""Partner app performance on the incident page: sparklines, figures, and each reason there
are none, in words; and the sparkline's geometry on its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentImpact, ServicePerformance, State
from incidents.sparklines import HEIGHT, PAD, WIDTH, sparkline
from rotations.models import Service
from tests.clock import NOW

pytestmark = pytest.mark.django_db

STARTED = NOW - timedelta(hours=5)
RESOLVED = STARTED + timedelta(minutes=40)


@pytest.fixture
def logged_in(client, member, at_now):
    client.force_login(member)
    return client


@pytest.fixture
def incident(teams, make_incident) -> Incident:
    Service.objects.filter(name="cc-app").update(
        latency_query="p95:trace.http.request.duration{service:cc-app}",
        latency_unit="s",
        error_rate_query="sum:trace.http.request.errors{service:cc-app}",
        error_rate_unit="%",
    )
    return make_incident(
        "cc-app slow",
        started_at=STARTED,
        resolved_at=RESOLVED,
        state=State.RESOLVED,
        service=Service.objects.get(name="cc-app"),
    )


def row(incident: Incident, measure: str, **fields) -> ServicePerformance:
    start = incident.started_at - timedelta(hours=1)
    points = [[int((start + timedelta(minutes=m)).timestamp()), 0.2] for m in range(0, 160, 4)]
    defaults = dict(
        query="q",
        unit="s",
        status="ok",
        span_start=start,
        span_end=incident.resolved_at + timedelta(hours=1),
        worst=1.234,
        mean=0.61,
        limit=0.5,
        limit_source="baseline",
        degraded_minutes=37,
        baseline_p95=0.25,
        baseline_mean=0.2,
        worst_ratio=4.936,
        mean_ratio=3.05,
        points=points,
        baseline_points=points,
        final=True,
        fetched_at=NOW,
    )
    defaults.update(fields)
    return ServicePerformance.objects.create(
        incident=incident, service=incident.service, measure=measure, **defaults
    )


def page(client, incident) -> str:
    return client.get(reverse("incident-detail", args=[incident.pk])).content.decode()


def test_it_draws_a_sparkline_with_the_figures_against_last_week(logged_in, incident):
    row(incident, "latency")
    body = page(logged_in, incident)
    assert "Partner app performance" in body
    assert '<svg class="sparkline"' in body and 'class="incident-band"' in body
    assert 'class="baseline"' in body and 'class="series"' in body
    assert "1.234" in body and "×4.9 last week's p95 0.250" in body
    assert "37 <span" in body  # minutes degraded
    assert "(above 0.500, twice last week's p95)" in body
    assert "latency of cc-app: worst 1.23 s, mean 0.61 s, against a p95 of 0.25 s" in body


def test_it_says_not_enough_data_and_datadogs_message_in_words(logged_in, incident):
    row(
        incident,
        "latency",
        status="not_enough_data",
        message="not enough data: the incident has 0 points with a value (at least 3 needed)",
        points=[],
        baseline_points=[],
        **dict.fromkeys(("worst", "mean", "degraded_minutes", "worst_ratio", "mean_ratio")),
    )
    row(
        incident,
        "error_rate",
        status="datadog_error",
        message="Datadog refused the request (HTTP 400): Error parsing query: <b>here</b>",
        points=[],
        baseline_points=[],
        final=False,
    )
    body = page(logged_in, incident)
    assert "Not enough data: the incident has 0 points with a value" in body
    assert "Error parsing query: &lt;b&gt;here&lt;/b&gt;" in body
    assert "<b>here</b>" not in body


def test_it_says_why_nothing_is_measured(logged_in, teams, make_incident, incident):
    nobody = make_incident("no service", started_at=STARTED)
    assert "No partner team is impacted" in page(logged_in, nobody)
    assert "Not read from Datadog yet: cc-app" in page(logged_in, incident)
    ee = make_incident("ee", started_at=STARTED, service=Service.objects.get(name="ee-max-cfi-app"))
    assert "None of Employee Experience's services has Datadog health queries" in page(
        logged_in, ee
    )


def test_recorded_impacts_name_the_teams_measured(logged_in, teams, make_incident, incident):
    platform = make_incident(
        "bgs down", started_at=STARTED, service=Service.objects.get(name="svc-bgs-api")
    )
    assert "No partner team is impacted" in page(logged_in, platform)
    IncidentImpact.objects.create(incident=platform, team=teams["cc"], start=STARTED)
    assert "Not read from Datadog yet: cc-app" in page(logged_in, platform)


# The sparkline's geometry

SPAN_START = datetime(2026, 3, 11, 12, tzinfo=UTC)
SPAN_END = SPAN_START + timedelta(hours=2)


def at(minute: int) -> int:
    return int((SPAN_START + timedelta(minutes=minute)).timestamp())


def test_it_breaks_the_line_at_a_gap_instead_of_drawing_zero():
    line = sparkline(
        [[at(0), 1.0], [at(10), 1.0], [at(20), None], [at(30), 2.0], [at(40), 2.0]],
        [],
        span_start=SPAN_START,
        span_end=SPAN_END,
        started=SPAN_START + timedelta(hours=1),
        ended=SPAN_END,
        limit=None,
    )
    assert line.line.count("M") == 2
    assert f" {HEIGHT - PAD}" not in line.line  # nothing drawn at zero


def test_it_shades_the_incident_and_scales_to_the_highest_value():
    line = sparkline(
        [[at(0), 1.0], [at(120), 3.0]],
        [[at(0), 1.0]],
        span_start=SPAN_START,
        span_end=SPAN_END,
        started=SPAN_START + timedelta(hours=1),
        ended=SPAN_END,
        limit=2.0,
    )
    inner = WIDTH - 2 * PAD
    assert line.band_x == PAD + inner / 2 and line.band_width == inner / 2
    assert line.top_value == pytest.approx(3.3)
    assert line.line.startswith(f"M{PAD}.0 ") or line.line.startswith(f"M{PAD} ")
    assert line.limit_y is not None and PAD < line.limit_y < HEIGHT - PAD
    assert "h1" in line.baseline  # a lone point still shows

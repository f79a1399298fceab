"""The metrics page: the figures of a window, each linking to its incidents, and the trend."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import selectors_metrics, trend_cache
from incidents.models import Incident, ServicePerformance, State
from rotations.models import Sprint
from tests.incidents.conftest import add_bulk_incidents

pytestmark = pytest.mark.django_db

WINDOW = {"since": "2026-03-04T05:00:00Z", "until": "2026-03-18T04:00:00Z"}


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_it_shows_the_figures_of_a_window_with_links(logged_in, scenario):
    response = logged_in.get(reverse("incident-metrics"), WINDOW)
    assert response.status_code == 200
    body = unescape(response.content.decode())
    headline = {f.label: f.value for f in response.context["figures"]["headline"]}
    assert headline == {
        "MTTR (mean)": "1 h",
        "MTTR median": "1 h",
        "MTTR p90": "1 h 21 min",
        "MTTA (mean)": "12 min",
    }
    base = "/incidents/?since=2026-03-04T05%3A00%3A00Z&until=2026-03-18T04%3A00%3A00Z"
    assert f'href="{base}&state=resolved"' in body
    assert f'href="{base}&state=counted&acknowledged=no"' in body
    assert f'href="{base}&state=counted&severity=SEV2"' in body
    assert f'href="{base}&state=counted&source=slack"' in body
    assert (
        'href="/incidents/?impacted=cc&impact_since=2026-03-04T05%3A00%3A00Z'
        '&impact_until=2026-03-18T04%3A00%3A00Z">120 min' in body
    )
    assert "Left out: inconsistent data" in body and "resolved before it started" in body


def test_every_count_links_to_as_many_incidents(logged_in, scenario):
    response = logged_in.get(reverse("incident-metrics"), WINDOW)
    figures = response.context["figures"]
    skipped = {s.id for s in response.context["skipped"]}
    for figure in figures["counts"] + figures["severities"] + figures["sources"]:
        listed = logged_in.get(figure.href).context["page"].paginator.object_list
        ids = {i.pk for i in listed} - skipped
        assert len(ids) == int(figure.value), figure.label


def test_it_defaults_to_the_current_sprint_and_draws_the_trend(logged_in, demo_team):
    now = timezone.now()
    Incident.objects.create(
        title="resolved today",
        started_at=now - timedelta(hours=3),
        resolved_at=now - timedelta(hours=1),
        state=State.RESOLVED,
        severity="SEV2",
    )
    response = logged_in.get(reverse("incident-metrics"))
    current = Sprint.objects.containing(timezone.localdate()).get()
    assert response.context["window"].sprint_number == current.number
    body = response.content.decode()
    assert f"Sprint {current.number} (" in body
    assert "<svg" in body and 'class="bar"' in body
    assert len(response.context["trend"]) == 8
    assert response.context["trend"][-1]["metrics"].mttr_seconds == 7200.0
    assert f"?sprint={current.number}&amp;state=resolved" in body


def test_it_says_what_is_wrong_with_a_window_and_shows_the_current_sprint(logged_in, demo_team):
    response = logged_in.get(reverse("incident-metrics"), {"since": "2026-03-04", "until": "soon"})
    assert response.status_code == 400
    body = unescape(response.content.decode())
    assert "until is not an ISO 8601 date or instant: 'soon'" in body
    assert "Showing Sprint" in body


def test_it_explains_when_no_sprint_covers_today(logged_in, teams):
    response = logged_in.get(reverse("incident-metrics"))
    assert "No sprint covers today" in response.content.decode()


def test_its_figures_and_trend_are_the_selectors(logged_in, demo_team):
    now = timezone.now()
    Incident.objects.create(
        title="resolved today",
        started_at=now - timedelta(hours=3),
        acknowledged_at=now - timedelta(hours=2, minutes=50),
        resolved_at=now - timedelta(hours=1),
        state=State.RESOLVED,
        severity="SEV2",
    )
    current = Sprint.objects.containing(timezone.localdate()).get()
    Incident.objects.create(
        title="last sprint",
        started_at=current.starts_at - timedelta(days=2),
        state=State.ACKNOWLEDGED,
    )
    response = logged_in.get(reverse("incident-metrics"))
    ctx = response.context
    window, as_of = ctx["window"], ctx["as_of"]
    expected = selectors_metrics.window_metrics(since=window.since, until=window.until, as_of=as_of)
    assert ctx["metrics"] == expected.metrics
    trend = selectors_metrics.sprint_trend(last=ctx["chosen_sprint"], as_of=as_of)
    assert [row["metrics"] for row in ctx["trend"]] == [point.metrics for point in trend]
    assert [row["metrics"].open_count for row in ctx["trend"]][-2:] == [1, 0]
    document = selectors_metrics.metrics_document(
        since=window.since, until=window.until, as_of=as_of
    )
    assert document["incidents"]["mttr_seconds"] == ctx["metrics"].mttr_seconds == 7200.0


def add_incidents(count: int) -> None:
    add_bulk_incidents(count, seed=11, open_every=5, impacts=count // 5)
    # With partner app performance stored for every other one (latency and error rate).
    measured = set(ServicePerformance.objects.values_list("incident_id", flat=True))
    rows = Incident.objects.exclude(pk__in=measured).values_list("pk", "service_id", "started_at")
    ServicePerformance.objects.bulk_create(
        (
            ServicePerformance(
                incident_id=pk,
                service_id=service_id,
                measure=measure,
                query="q",
                status="ok",
                span_start=started,
                span_end=started + timedelta(hours=2),
                degraded_minutes=pk % 60,
                worst=1.0,
                worst_ratio=2.0,
                fetched_at=started,
                points=[[0, 1.0]] * 60,
            )
            for pk, service_id, started in rows
            if pk % 2 == 0
            for measure in ("latency", "error_rate")
        ),
        batch_size=2000,
    )


def test_it_answers_in_the_same_number_of_queries_at_10000_incidents(
    logged_in, demo_team, django_assert_num_queries
):
    past = Sprint.objects.containing(timezone.localdate()).get().number - 3
    pages = {
        "this sprint": (reverse("incident-metrics"), {}),
        "a past sprint": (reverse("incident-metrics"), {"sprint": str(past)}),
        "any window": (reverse("incident-metrics"), {"since": "2026-02-01", "until": "2026-03-01"}),
        "the API": (reverse("api-metrics"), {"sprint": str(past)}),
    }
    # Cold, the trend reads its settled sprints; warm, it keeps them. A window that is not a
    # sprint has the current sprint read for the trend each time (with the settled ones when
    # cold: one query either way).
    # A window's incidents are two queries: those started in it, older ones reaching in.
    # Partner app performance is one more query everywhere: the window's stored rows. The
    # deployment figures add two to each (the deployments and the incidents on services),
    # and two to a page for their trend over the same sprints.
    queries = {"this sprint": (17, 16), "a past sprint": (17, 16), "any window": (16, 16)}
    # The security part: SecRel five, findings eight (three index counts and the rows the
    # rules read one by one, security/selectors_findings.py), Dependabot one.
    queries["the API"] = (22, 22)
    add_incidents(10)
    for size in (10, 10_000):
        if size > 10:
            add_incidents(size - 10)
        for name, (url, params) in pages.items():
            cold, warm = queries[name]
            trend_cache.clear()
            with django_assert_num_queries(cold):
                assert logged_in.get(url, params).status_code == 200, name
            with django_assert_num_queries(warm):
                response = logged_in.get(url, params)
        assert Incident.objects.count() == size
    assert response.json()["incidents"]["incident_count"] > 100

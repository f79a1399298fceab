"""Partner app performance per team over a window: the rule on hand-made rows, the metrics
document and the metrics page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from incidents.models import Incident, ServicePerformance
from incidents.partner_performance import team_performance
from incidents.selectors_metrics import metrics_document
from rotations.models import Service
from tests.clock import NOW

from .conftest import AS_OF, SINCE, UNTIL

pytestmark = pytest.mark.django_db


def row(incident_id, service_id, measure, *, status="ok", **figures) -> ServicePerformance:
    return ServicePerformance(
        incident_id=incident_id,
        service_id=service_id,
        measure=measure,
        status=status,
        unit=figures.pop("unit", "s" if measure == "latency" else "%"),
        **figures,
    )


def test_it_takes_the_most_degraded_measure_per_incident_and_adds_incidents():
    team_of = {1: "CC", 2: "CC", 3: "EE"}
    rows = [
        row(10, 1, "latency", degraded_minutes=30, worst=1.2, worst_ratio=4.0),
        row(10, 1, "error_rate", degraded_minutes=20, worst=8.5),
        row(10, 2, "latency", degraded_minutes=45, worst=0.9, worst_ratio=3.0),  # same incident
        row(11, 1, "latency", degraded_minutes=5, worst=0.5, worst_ratio=1.5),
        row(11, 1, "error_rate", status="datadog_error"),
        row(12, 3, "latency", status="not_enough_data"),
    ]
    cc, ee = team_performance(rows, team_of)
    assert (cc.team, cc.degraded_minutes) == ("CC", 45 + 5)  # max per incident, then summed
    assert (cc.worst_latency_ratio, cc.worst_error_rate, cc.error_rate_unit) == (4.0, 8.5, "%")
    assert [i["id"] for i in cc.incidents] == [10, 11]
    assert cc.incidents[1]["statuses"] == ["datadog_error", "ok"]
    # A team whose only row has no figures is listed, with nothing measured.
    assert (ee.degraded_minutes, ee.worst_latency_ratio, ee.worst_error_rate) == (0, None, None)
    assert ee.incidents[0]["degraded_minutes"] is None


def store(incident: Incident, service: Service, measure: str, **figures) -> None:
    ServicePerformance.objects.create(
        incident=incident,
        service=service,
        measure=measure,
        query="q",
        unit="s" if measure == "latency" else "%",
        status=figures.pop("status", "ok"),
        span_start=incident.started_at - timedelta(hours=1),
        span_end=incident.started_at + timedelta(hours=2),
        fetched_at=NOW,
        **figures,
    )


def test_the_document_gives_each_team_its_figures_and_incidents(scenario, teams):
    a = scenario["a"]
    cc_app = Service.objects.get(name="cc-app")
    store(a, cc_app, "latency", degraded_minutes=42, worst=1.5, worst_ratio=5.0)
    store(a, cc_app, "error_rate", degraded_minutes=12, worst=7.25)
    canceled = Incident.objects.get(title="H")
    store(canceled, cc_app, "latency", degraded_minutes=500, worst=9.0, worst_ratio=50.0)
    outside = Incident.objects.get(title="D")  # started at the window's end: out
    store(outside, cc_app, "latency", degraded_minutes=300, worst=9.0, worst_ratio=40.0)
    document = metrics_document(since=SINCE, until=UNTIL, as_of=AS_OF)
    assert document["incidents"]["partner_performance"] == {
        "Contention Classification": {
            "degraded_minutes": 42.0,
            "worst_latency_ratio": 5.0,
            "worst_error_rate": 7.25,
            "error_rate_unit": "%",
            "incidents": [
                {
                    "id": a.pk,
                    "degraded_minutes": 42.0,
                    "worst_latency_ratio": 5.0,
                    "worst_error_rate": 7.25,
                    "statuses": ["ok"],
                }
            ],
        }
    }


def test_the_metrics_page_shows_each_team_and_links_its_incidents(client, member, scenario, teams):
    a = scenario["a"]
    store(a, Service.objects.get(name="cc-app"), "latency", degraded_minutes=42, worst_ratio=5.0)
    client.force_login(member)
    body = client.get(
        reverse("incident-metrics"), {"since": "2026-03-04", "until": "2026-03-18"}
    ).content.decode()
    assert "Partner app performance" in body
    assert f'href="/incidents/{a.pk}/#performance">#{a.pk}</a>' in body
    assert "×5.0" in body and "(42 min)" in body
    # The team's minutes link to its incidents of the window.
    assert "impacted=cc&amp;impact_since=" in body.split("Partner app performance")[-1]

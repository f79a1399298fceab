"""The handoff report's incidents, alerts and handed-over incidents in Chromium: on screen
and in print, axe-core clean."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import (
    DatadogMonitor,
    Incident,
    IncidentUpdate,
    MonitorTransition,
    State,
    UpdateKind,
)
from rotations.selectors import current_sprint

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sprint_incidents(demo_team):
    """A resolved SEV2 with a late update, an open one with its next step, a firing monitor."""
    now = timezone.now()
    resolved = Incident.objects.create(
        title="BIP returns 503 on claim submission",
        started_at=now - timedelta(hours=5),
        acknowledged_at=now - timedelta(hours=4, minutes=50),
        resolved_at=now - timedelta(hours=3),
        state=State.RESOLVED,
        severity="SEV2",
    )
    IncidentUpdate.objects.create(
        incident=resolved, at=now - timedelta(hours=4), text="Rolled back"
    )
    open_one = Incident.objects.create(
        title="cc-app classification timing out",
        started_at=now - timedelta(hours=1),
        state=State.ACKNOWLEDGED,
        acknowledged_at=now - timedelta(minutes=50),
        severity="SEV3",
        assignees=[{"id": "PXTERN1", "name": "Sam <i>Lee</i>"}],
    )
    IncidentUpdate.objects.create(
        incident=open_one,
        at=now - timedelta(minutes=30),
        kind=UpdateKind.REMEDIATION,
        text="Scaling the classifier to 4 pods <b>now</b>",
    )
    DatadogMonitor.objects.create(
        monitor_id=4242,
        name="svc-bgs-api p99 latency > 2s",
        status="Alert",
        triggered_at=now - timedelta(minutes=12),
        first_seen_at=now,
        last_seen_at=now,
    )
    kafka = DatadogMonitor.objects.create(
        monitor_id=4243,
        name="BIE Kafka consumer lag high",
        status="OK",
        active=False,
        muted=True,
        first_seen_at=now - timedelta(hours=2),
        last_seen_at=now - timedelta(minutes=5),
    )
    MonitorTransition.objects.bulk_create(
        MonitorTransition(
            monitor=kafka,
            from_state=("OK", "Warn")[n % 2],
            to_state=("Warn", "OK")[n % 2],
            at=now - timedelta(minutes=100 - 15 * n),
        )
        for n in range(6)
    )
    return current_sprint(now=now)


def test_the_report_shows_and_prints_the_incidents(logged_in, live_server, sprint_incidents):
    page = logged_in
    page.goto(f"{live_server.url}/reports/sprint/{sprint_incidents.number}/")
    incidents = page.get_by_role("region", name="Incidents", exact=True)
    assert "BIP returns 503 on claim submission" in incidents.inner_text()
    cadence = page.locator("table[aria-labelledby=report-incidents-cadence]")
    assert "1 h" in cadence.inner_text()  # the longest gap, start to the update
    handover = page.get_by_role("region", name="Open incidents")
    assert "Scaling the classifier to 4 pods <b>now</b>" in handover.inner_text()  # escaped
    assert "Sam <i>Lee</i>" in handover.inner_text()  # the owner PagerDuty assigns, escaped
    flapping = page.locator("table[aria-labelledby=report-handover-flapping-heading]")
    assert "BIE Kafka consumer lag high" in flapping.inner_text()
    assert "BIE Kafka consumer lag high" in page.locator(".report-silenced").inner_text()
    alerts = page.get_by_role("region", name="Datadog alerts")
    assert "svc-bgs-api p99 latency > 2s" in alerts.inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/report-incidents-screen.png", full_page=True)

    page.emulate_media(media="print")
    assert not page.get_by_role("navigation", name="Main").is_visible()
    tables = page.locator(".report-section table")
    assert tables.count() >= 8
    for i in range(tables.count()):
        assert tables.nth(i).locator("thead").count() == 1
    page.screenshot(path="/tmp/report-incidents-print.png", full_page=True)

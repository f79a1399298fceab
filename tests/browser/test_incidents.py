"""A person declares an incident, resolves it and finds it in the metrics; the incident
pages pass axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.models import DatadogMonitor, Incident, IncidentImpact, IncidentUpdate, State
from rotations.models import PartnerTeam, Service

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_declares_resolves_and_measures_an_incident(logged_in, live_server):
    page = logged_in
    page.get_by_role("link", name="Incidents", exact=True).click()
    page.get_by_role("link", name="Declare an incident").click()
    page.get_by_label("Title").fill("cc-app classification timing out")
    page.get_by_label("Severity").select_option("SEV2")
    page.get_by_label("Service").select_option(label="cc-app")
    page.get_by_role("button", name="Declare the incident").click()
    page.wait_for_load_state()
    assert "declared" in page.locator(".messages").inner_text()
    incident = Incident.objects.get()
    assert page.url.endswith(f"/incidents/{incident.pk}/")

    page.get_by_label("Move to").select_option("resolved")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "is now resolved" in page.locator(".messages").inner_text()
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED

    page.get_by_role("link", name="Metrics", exact=True).click()
    page.wait_for_load_state()
    counts = page.get_by_role("region", name="Counts")
    resolved = counts.get_by_role("row", name="Resolved")
    assert resolved.get_by_role("link").inner_text() == "1"
    assert (
        page.locator(".figure", has_text="MTTR (mean)").locator(".figure-value").inner_text() != "—"
    )
    resolved.get_by_role("link").click()
    page.wait_for_load_state()
    assert "cc-app classification timing out" in page.locator("table.incidents").inner_text()


def test_it_turns_an_alert_into_an_incident_in_one_click(logged_in, live_server):
    now = timezone.now()
    DatadogMonitor.objects.create(
        monitor_id=4242,
        name="svc-bgs-api p99 latency > 2s",
        status="Alert",
        triggered_at=now - timedelta(minutes=12),
        first_seen_at=now,
        last_seen_at=now,
    )
    page = logged_in
    page.goto(f"{live_server.url}/alerts/")
    page.get_by_role("button", name="Declare incident from svc-bgs-api p99 latency > 2s").click()
    page.wait_for_load_state()
    assert (
        page.get_by_role("heading", level=1).inner_text().endswith("svc-bgs-api p99 latency > 2s")
    )


@pytest.fixture
def incident_pages(demo_team):
    """An incident with a timeline, an impact and an alert, and an active alert."""
    now = timezone.now()
    incident = Incident.objects.create(
        title="BIP returns 503 on claim submission",
        started_at=now - timedelta(hours=2),
        severity="SEV2",
        state=State.ACKNOWLEDGED,
        acknowledged_at=now - timedelta(hours=1, minutes=50),
        service=Service.objects.get(name="svc-bip-api"),
        description="Every claim submission fails.",
        needs_review=True,
        review_reason="no created_at",
    )
    IncidentUpdate.objects.create(
        incident=incident, at=now - timedelta(hours=1), text="Rolled back"
    )
    IncidentImpact.objects.create(
        incident=incident,
        team=PartnerTeam.objects.get(slug="contention-classification"),
        start=incident.started_at,
    )
    Incident.objects.create(
        title="Kafka lag",
        started_at=now - timedelta(days=3),
        resolved_at=now - timedelta(days=3) + timedelta(hours=2),
        state=State.RESOLVED,
        severity="SEV3",
    )
    DatadogMonitor.objects.create(
        monitor_id=1,
        name="cc-app error rate above 5%",
        status="Warn",
        triggered_at=now - timedelta(minutes=30),
        first_seen_at=now,
        last_seen_at=now,
    )
    return incident


@pytest.mark.parametrize(
    "path",
    ["/incidents/", "/incidents/{pk}/", "/incidents/new/", "/alerts/", "/incidents/metrics/"],
)
def test_the_incident_pages_are_accessible(logged_in, live_server, incident_pages, path):
    logged_in.goto(live_server.url + path.format(pk=incident_pages.pk))
    if "{pk}" in path:
        for summary in logged_in.locator("details > summary").all():
            summary.click()  # the forms inside count too
    assert violations(logged_in) == []


def test_the_metrics_page_prints_its_chart(logged_in, live_server, incident_pages):
    page = logged_in
    page.goto(f"{live_server.url}/incidents/metrics/")
    page.emulate_media(media="print")
    assert page.locator("svg.chart").is_visible()
    assert not page.locator("form.filters").is_visible()
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF")

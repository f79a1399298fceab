"""Partner app performance read from the sandbox's Datadog: the incident page's sparklines
and the metrics page's table, on screen and in print, pass axe-core."""

from __future__ import annotations

import pytest

from incidents.models import ServicePerformance
from oncall_site.sync import run_job

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def measured(upstreams, settings, demo_team):
    settings.SYNC_BACKFILL_DAYS = 14
    assert run_job("pagerduty.incidents").status == "ok"
    assert run_job("datadog.partner_performance").status == "ok"
    row = (
        ServicePerformance.objects.filter(status="ok", degraded_minutes__gt=0)
        .select_related("incident")
        .order_by("-incident__started_at")
        .first()
    )
    assert row is not None
    return row.incident


def test_the_incident_page_draws_the_sparklines_and_passes_axe(logged_in, live_server, measured):
    page = logged_in
    page.goto(f"{live_server.url}/incidents/{measured.pk}/#performance")
    section = page.locator("#performance")
    assert section.locator("svg.sparkline").count() >= 2
    assert "Minutes degraded" in section.inner_text()
    section.screenshot(path="/tmp/partner-performance-screen.png")
    assert violations(page) == []
    page.emulate_media(media="print")
    assert section.locator("svg.sparkline").first.is_visible()
    section.screenshot(path="/tmp/partner-performance-print.png")


def test_the_metrics_page_lists_each_team_and_passes_axe(logged_in, live_server, measured):
    page = logged_in
    page.goto(f"{live_server.url}/incidents/metrics/?since=2026-02-25&until=2026-03-12")
    section = page.locator("#partner-performance")
    assert section.get_by_role("rowheader", name="Contention Classification").is_visible()
    section.screenshot(path="/tmp/partner-performance-metrics.png")
    assert violations(page) == []

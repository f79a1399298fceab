"""In the demo, an incident's ticket (the Slack workflow's GitHub issue, linked by the sync)
and its PagerDuty page are links a person can follow to a page that answers."""

from __future__ import annotations

import pytest

from incidents.models import Incident
from oncall_site.sync import run_job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ticket_and_the_pagerduty_links_of_an_incident_open_a_page(
    upstreams, logged_in, live_server, settings
):
    settings.SYNC_BACKFILL_DAYS = 7
    for key in ("pagerduty.incidents", "github.incident_tickets"):
        assert run_job(key).status == "ok", key
    incident = Incident.objects.filter(source="pagerduty").exclude(ticket_url="").first()
    assert incident is not None
    page = logged_in
    page.goto(f"{live_server.url}/incidents/{incident.pk}/")
    page.screenshot(path="/tmp/demo-links-incident.png", full_page=True)
    assert "Ticket linked from GitHub issue" in page.content()
    for url, words in ((incident.ticket_url, "Issue #"), (incident.upstream_url, "Incident #")):
        page.goto(f"{live_server.url}/incidents/{incident.pk}/")
        page.locator(f'a[href="{url}"]').first.click()
        page.wait_for_load_state()
        assert page.url == url and words in page.locator("h1").inner_text()
    page.screenshot(path="/tmp/demo-links-pagerduty.png")

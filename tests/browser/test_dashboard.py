"""The dashboard after a real sync from the sandbox: sources, SecRel, Dependabot, PagerDuty."""

import pytest

from oncall_site.sync import jobs, run_job
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_synced_sources_and_stays_accessible(logged_in, live_server, upstreams):
    for declared in jobs():
        assert run_job(declared).status == "ok"
    upstreams.fail("datadog.monitor_search", "error")
    assert run_job("datadog.monitors").status == "failed"

    page = logged_in
    page.goto(f"{live_server.url}/")
    sources = page.get_by_role("table", name="Freshness of each upstream source")
    rows = {
        r.locator("th").first.text_content(): r.inner_text()
        for r in sources.locator("tbody tr:not(.vendor)").all()
    }
    assert "ok" in rows["SecRel runs"] and "ok" in rows["Incidents"]
    assert "failing" in rows["Monitors"] and "Data shown is from" in rows["Monitors"]
    secrel = page.get_by_role("region", name="SecRel on develop")
    assert "failing" in secrel.inner_text() or "passing" in secrel.inner_text()
    assert "open" in page.get_by_role("region", name="Dependabot PRs").inner_text()
    assert (
        "PagerDuty level 1 pages"
        in page.get_by_label("PagerDuty compared with the rotation").inner_text()
    )
    assert violations(page) == []
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/dashboard-synced-print.png", full_page=True)


def test_needs_you_now_follows_pagerduty_without_a_reload_and_works_without_javascript(
    logged_in, live_server, upstreams, browser
):
    from datetime import timedelta

    from releases.deploy_models import DeployRequest
    from sandbox import Incident as Upstream

    DeployRequest.objects.all().delete()  # the demo's waiting requests: a quiet start
    now = upstreams.now()
    page = logged_in
    page.goto(f"{live_server.url}/")
    needs = page.get_by_role("region", name="Needs you now")
    assert "Nothing needs you" in needs.inner_text()
    assert page.title().startswith("Dashboard")

    # PagerDuty pages; the next sync stores it; the open page shows it at its next refresh.
    paged = Upstream(
        id="QPAGED",
        created_at=now - timedelta(minutes=4),
        title="BIP API answering 502",
        acknowledged_at=now + timedelta(minutes=10),
    )
    upstreams.load(incidents=[paged])
    assert run_job("pagerduty.incidents").status == "ok"
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.locator(".need-triggered").wait_for()
    assert "BIP API answering 502" in needs.inner_text()
    # Counted in the tab title, with the ticket it now owes.
    page.wait_for_function("document.title.startsWith('(2) ')")
    assert "1 incident without a ticket" in needs.inner_text()

    # Acknowledged in PagerDuty: gone from the list at the next refresh.
    upstreams.clock.advance(minutes=15)
    assert run_job("pagerduty.incidents").status == "ok"
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.locator(".need-triggered").wait_for(state="detached")
    page.wait_for_function("document.title.startsWith('(1) ')")
    assert violations(page) == []

    # Without JavaScript the page is the same, and reloads itself every minute instead.
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(page.context.cookies())
    static = context.new_page()
    static.goto(f"{live_server.url}/")
    assert "Needs you now" in static.get_by_role("region", name="Needs you now").inner_text()
    assert static.locator("noscript").count() >= 1
    context.close()

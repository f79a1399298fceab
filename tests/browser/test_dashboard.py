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

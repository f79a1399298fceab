"""The dashboard after a real sync from the sandbox: sources, SecRel, Dependabot, PagerDuty."""

import pytest

from oncall_site.sync import run_source
from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_synced_sources_and_stays_accessible(logged_in, live_server, upstreams):
    for source in ("pagerduty", "datadog", "github"):
        assert run_source(source).status == "ok"
    upstreams.fail("datadog.monitor_search", "error")
    assert run_source("datadog").status == "failed"

    page = logged_in
    page.goto(f"{live_server.url}/")
    sources = page.get_by_role("table", name="Freshness of each upstream source")
    rows = {
        r.locator("th").text_content(): r.inner_text() for r in sources.locator("tbody tr").all()
    }
    assert "ok" in rows["GitHub"] and "ok" in rows["PagerDuty"]
    assert "failing" in rows["Datadog"] and "Data shown is from" in rows["Datadog"]
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

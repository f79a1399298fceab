"""The SecRel page in Chromium: after a real sync from the sandbox, and filtering a
hand-made history; axe-core finds nothing on either, on screen or in print."""

import pytest

from oncall_site.sync import run_job
from tests.browser.test_accessibility import violations
from tests.security.secrel_rows import march_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_synced_status_schedule_and_history(logged_in, live_server, upstreams):
    assert run_job("github.secrel_runs").status == "ok"
    page = logged_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Security").click()
    page.wait_for_url(f"{live_server.url}/security/secrel/")
    assert page.get_by_role("heading", level=1).inner_text() == "SecRel on develop"
    assert "synced" in page.get_by_label("Freshness of the SecRel runs").inner_text()
    status = page.get_by_role("region", name="Status").inner_text()
    assert "failing since run" in status or "passing" in status
    # The sandbox's cron is 11:00 UTC: 06:xx EST until the March change.
    schedule = page.get_by_role("region", name="Weekday schedule").inner_text()
    assert "a cron at 11:00 UTC is 07:00 EDT but 06:00 EST (daylight saving time)" in schedule
    assert page.locator("table.runs tbody tr").count() == 25  # a page
    assert violations(page) == []
    page.screenshot(path="/tmp/secrel-synced.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/secrel-synced-print.png", full_page=True)
    assert violations(page) == []


def test_it_filters_the_history_from_the_keyboard(logged_in, live_server):
    march_story()
    page = logged_in
    page.goto(f"{live_server.url}/security/secrel/")
    page.get_by_role("link", name="3 red runs").click()
    page.wait_for_load_state()
    history = page.get_by_role("region", name="Run history")
    assert "3 runs" in history.get_by_role("heading").inner_text()
    page.get_by_label("Conclusion").select_option("cancelled")
    page.get_by_label("Branch").select_option("develop")
    page.get_by_role("button", name="Filter").press("Enter")
    page.wait_for_load_state()
    assert "conclusion=cancelled" in page.url and "since=" in page.url  # the streak's start kept
    assert history.locator("tbody tr").all_inner_texts()[0].startswith("#108")
    page.get_by_label("Conclusion").select_option("timed_out")
    page.get_by_role("button", name="Filter").press("Enter")
    page.wait_for_load_state()
    assert "No run matches these filters." in history.inner_text()
    page.goto(f"{live_server.url}/security/secrel/?conclusion=green&branch=develop")
    assert "Unknown conclusion 'green'" in page.get_by_role("alert").inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/secrel-filtered.png", full_page=True)

"""The Dependabot queue after a real sync from the sandbox: from the dashboard's card to the
queue and to what merged in a sprint; axe-core finds nothing, on screen and in print."""

from datetime import timedelta

import pytest

from oncall_site.sync import run_job
from security.models import DependabotPR
from security.views_dependabot import PAGE_SIZE

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_goes_from_the_card_to_the_queue_and_its_history(
    logged_in, live_server, upstreams, at_now
):
    assert run_job("github.dependabot_prs").status == "ok"
    upstreams.clock.advance(hours=72)  # some PRs merge or close meanwhile
    at_now.shift(timedelta(hours=72))
    assert run_job("github.dependabot_prs").status == "ok"
    open_count = DependabotPR.objects.filter(open=True).count()
    assert open_count and DependabotPR.objects.filter(merged_at__isnull=False).exists()

    page = logged_in
    page.goto(f"{live_server.url}/")
    card = page.get_by_role("region", name="Dependabot PRs")
    card.screenshot(path="/tmp/dependabot-card.png")
    card.get_by_role("link", name=f"{open_count} open").click()
    page.wait_for_url(f"{live_server.url}/security/dependabot/")
    counts = [
        int(page.get_by_role("region", name=name).locator(".count").first.inner_text())
        for name in ("Ready to merge", "Needs attention", "Waiting")
    ]
    assert sum(counts) == open_count
    reminder = page.get_by_role("complementary", name="Before you merge")
    assert "Unit and integration tests must pass before merging" in reminder.inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/dependabot-queue.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/dependabot-queue-print.png", full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 420, "height": 900})
    page.screenshot(path="/tmp/dependabot-queue-narrow.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    history = page.get_by_role("region", name="Merged and closed, by sprint")
    merged = history.get_by_role("link", name="merged in sprint").first
    count = int(merged.inner_text())
    assert count > 0
    merged.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Dependabot PRs merged")
    assert page.locator("table.prs tbody tr").count() == min(count, PAGE_SIZE)
    assert violations(page) == []
    page.screenshot(path="/tmp/dependabot-closed.png", full_page=True)

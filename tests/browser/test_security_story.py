"""The sandbox's security story in Chromium after one sync of the four GitHub jobs: SecRel red
on develop at the Aqua gate with no images published, the Aqua finding behind it and an
unrated one among the findings, a Dependabot queue with all three groups; axe-core finds
nothing on any of them."""

from __future__ import annotations

import pytest

from oncall_site.sync import run_job

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOBS = (
    "github.secrel_runs",
    "github.code_scanning",
    "github.dependabot_alerts",
    "github.dependabot_prs",
)


def test_the_story_reads_on_the_secrel_findings_and_dependabot_pages(
    logged_in, live_server, upstreams
):
    for job in JOBS:
        outcome = run_job(job)
        assert outcome.status == "ok", (job, outcome.message)
    page = logged_in

    page.goto(f"{live_server.url}/security/secrel/")
    status = page.get_by_role("region", name="Status")
    words = " ".join(status.inner_text().split())
    assert "failing since run" in words
    assert "Failed step Aqua gate check" in words
    assert "Images published no: signed images are not in the registry" in words
    schedule = page.get_by_role("region", name="Weekday schedule").inner_text()
    assert "Monday Mar 9" in schedule  # the daylight-saving Monday's run never came
    assert violations(page) == []
    page.screenshot(path="/tmp/security-story-secrel.png", full_page=True)
    printed(page, "secrel")
    status.get_by_role("link", name="red runs").click()
    page.wait_for_load_state()
    streak = page.locator("table.runs tbody tr").all_inner_texts()
    assert streak and all("Aqua gate check" in row for row in streak)
    assert all("not published" in row for row in streak)
    scheduled = [row for row in streak if "Schedule" in row]
    assert scheduled  # this morning's scheduled run is in the streak

    page.goto(f"{live_server.url}/security/findings/?tool=aqua")
    aqua = page.locator("table.findings tbody tr", has_text="CVE-2024-45490")
    assert "libexpat" in aqua.inner_text() and "Trivy" in aqua.inner_text()
    page.locator(".figure", has_text="Not rated yet").click()
    page.wait_for_load_state()
    unrated = page.locator("table.findings tbody tr", has_text="CKV_DOCKER_2")
    assert "unrated: no SLA" in unrated.inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/security-story-findings.png", full_page=True)
    printed(page, "findings")

    page.goto(f"{live_server.url}/security/dependabot/")
    for name in ("Ready to merge", "Needs attention", "Waiting"):
        group = page.get_by_role("region", name=name)
        assert int(group.locator(".count").first.inner_text()) > 0, name
    waiting = page.get_by_role("region", name="Waiting").inner_text()
    assert "actions/upload-artifact" in waiting and "draft" in waiting
    assert violations(page) == []
    page.screenshot(path="/tmp/security-story-dependabot.png", full_page=True)
    printed(page, "dependabot")


def printed(page, name: str) -> None:
    """The page on paper: axe-core clean there too; then back to the screen."""
    page.emulate_media(media="print")
    assert violations(page) == []
    page.screenshot(path=f"/tmp/security-story-{name}-print.png", full_page=True)
    page.emulate_media(media="screen")

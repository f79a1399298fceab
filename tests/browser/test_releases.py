"""The release pages in Chromium with the demo's history: the next release, a team's answer
refused then recorded, the past releases; axe-core finds nothing, on screen or in print."""

import pytest

from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_captain_answers_for_a_team_and_sees_the_manifest_change(logged_in, live_server):
    page = logged_in
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Releases").click()
    page.wait_for_url(f"{live_server.url}/releases/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Next release: sprint ")
    assert "What went out" not in page.get_by_role("region", name="Past releases").inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/releases-page.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/releases-page-print.png", full_page=True)
    assert violations(page) == []
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Answer for Employee Experience").click()
    page.get_by_label("We are in: release these services").check()
    page.get_by_label("What changes go out").fill("New merge rules for EP 400s")
    page.get_by_label("Service and commit hash, one per line").fill("ee-ep-merge-app main")
    page.get_by_role("button", name="Save the answer").click()
    assert "is not a commit hash" in page.get_by_role("alert").first.inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/releases-answer-error.png", full_page=True)
    page.get_by_label("Service and commit hash, one per line").fill("ee-ep-merge-app 9c1f00d")
    page.get_by_role("button", name="Save the answer").click()
    page.wait_for_load_state()
    manifest = page.get_by_role("region", name="Manifest").inner_text()
    assert "ee-ep-merge-app" in manifest and "9c1f00d" in manifest
    assert violations(page) == []
    page.screenshot(path="/tmp/releases-detail.png", full_page=True)


def test_a_past_release_shows_what_went_out(logged_in, live_server):
    page = logged_in
    page.goto(f"{live_server.url}/releases/")
    page.get_by_role("region", name="Past releases").get_by_role("link").first.click()
    page.wait_for_load_state()
    assert "What went out" in page.content()
    assert violations(page) == []
    page.screenshot(path="/tmp/releases-past.png", full_page=True)


def test_the_dashboard_names_the_next_release(logged_in, live_server):
    panel = logged_in.get_by_role("region", name="Next release")
    assert "Sprint 54" in panel.inner_text() and "1 of 2 teams answered" in panel.inner_text()
    panel.screenshot(path="/tmp/releases-dashboard-panel.png")

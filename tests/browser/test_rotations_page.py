"""A person logs in, opens the rotations page and confirms the proposed pair."""

import pytest
from django.utils import timezone

from rotations import selectors
from rotations.models import Rotation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_logs_in_and_confirms_the_next_rotation(logged_in, live_server):
    page = logged_in
    current = selectors.current_sprint(now=timezone.now())
    header = page.get_by_label("On call now")
    assert f"Sprint {current.number}" in header.inner_text()
    assert current.rotation.primary.name in header.inner_text()

    page.get_by_role("link", name="Rotations").first.click()
    page.wait_for_url(f"{live_server.url}/rotations/")
    upcoming = selectors.upcoming_sprints(now=timezone.now())[0]
    row = page.locator(f"#sprint-{upcoming.sprint.number}")
    assert "proposed" in row.inner_text()
    row.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state()
    assert f"Sprint {upcoming.sprint.number} confirmed" in page.locator(".messages").inner_text()
    rotation = Rotation.objects.get(sprint=upcoming.sprint)
    assert rotation.confirmed and rotation.primary == upcoming.primary


def test_it_rejects_a_bad_password(page, live_server, demo_team):
    page.goto(f"{live_server.url}/rotations/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert (
        "Please enter a correct username and password" in page.locator("[role=alert]").inner_text()
    )


def test_it_prints_without_navigation_or_forms(logged_in, live_server):
    page = logged_in
    page.goto(f"{live_server.url}/rotations/")
    page.emulate_media(media="print")
    assert not page.locator(".site-header nav").is_visible()
    assert not page.locator("form.confirm-form").first.is_visible()
    assert page.get_by_role("heading", name="Past").is_visible()
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000

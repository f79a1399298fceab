"""The calendar page shows a new address once; a past sprint refuses a member's change in
words. Both pass axe-core, on screen and in print."""

import pytest

from rotations.models import CalendarFeed, Sprint, team_today

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_calendar_address_is_shown_once(logged_in, live_server):
    page = logged_in
    page.goto(f"{live_server.url}/rotations/calendar/")
    assert page.get_by_text("You have no calendar address yet.").is_visible()
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.get_by_label("Whole team").input_value()
    assert address.startswith(f"{live_server.url}/rotations/calendar/") and address.endswith(".ics")
    assert page.get_by_text("it is shown only this once").is_visible()
    assert violations(page) == []
    page.screenshot(path="/tmp/hi/calendar-made.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path="/tmp/hi/calendar-made-print.png", full_page=True)
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/rotations/calendar/")
    assert address not in page.content()
    prefix = CalendarFeed.objects.get().prefix
    assert page.get_by_text(f"/calendar/{prefix}…").is_visible()
    assert violations(page) == []
    page.screenshot(path="/tmp/hi/calendar-again.png", full_page=True)
    assert page.request.get(address).status == 200


def test_a_member_is_told_a_past_sprint_is_staffs_to_change(
    page, live_server, demo_team, django_user_model, settings
):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    django_user_model.objects.create_user("member", password="pw-for-tests-only")
    past = Sprint.objects.filter(end_date__lte=team_today(), rotation__isnull=False).latest(
        "number"
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    # What a hand-made request does: the rotations page offers no such form.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    page.evaluate(
        """([url, csrf]) => {
            const form = document.createElement("form");
            form.method = "post";
            form.action = url;
            for (const [name, value] of [["done", "1"], ["csrfmiddlewaretoken", csrf]]) {
                const input = document.createElement("input");
                input.name = name; input.value = value; form.appendChild(input);
            }
            document.body.appendChild(form);
            form.submit();
        }""",
        [f"{live_server.url}/rotations/sprints/{past.number}/checklist/dependabot_prs/", csrf],
    )
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert f"Sprint {past.number} ended on" in alert.inner_text()
    assert "only staff may change it" in alert.inner_text()
    assert violations(page) == []
    page.screenshot(path="/tmp/hi/past-sprint-forbidden.png", full_page=True)

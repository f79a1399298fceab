"""A viewer's pages in the browser: the incident page without its forms and why, and the
site's forbidden page for a form posted by hand; both accessible, screen and print."""

from datetime import timedelta

import pytest

from incidents.models import Incident, State
from tests.browser.test_accessibility import violations
from tests.clock import NOW

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def viewer(page, live_server, django_user_model, demo_team, settings):
    """Logged in through the login form as someone who is no engineer, partner or staff."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    django_user_model.objects.create_user("reader", password="pw-for-tests-only")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("reader")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


@pytest.fixture
def incident(db) -> Incident:
    return Incident.objects.create(
        title="BIP returns 503 on claim submission",
        started_at=NOW - timedelta(hours=2),
        severity="SEV2",
        state=State.TRIGGERED,
    )


def test_a_viewer_reads_an_incident_without_its_forms(viewer, live_server, incident):
    viewer.goto(f"{live_server.url}/incidents/{incident.pk}/")
    assert viewer.locator("form[method=post]").count() == 1  # logging out
    assert viewer.get_by_text("reads every page but changes nothing here").count() >= 1
    assert violations(viewer) == []
    viewer.screenshot(path="/tmp/permissions-viewer-incident.png", full_page=True)
    viewer.emulate_media(media="print")
    viewer.screenshot(path="/tmp/permissions-viewer-incident-print.png", full_page=True)


def test_a_form_posted_by_hand_meets_the_forbidden_page(viewer, live_server, incident):
    # A form built in the page, as someone would by hand: the CSRF token is the cookie's.
    viewer.evaluate(
        """(action) => {
          const form = document.createElement("form");
          form.method = "post";
          form.action = action;
          const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
          for (const [name, value] of [["csrfmiddlewaretoken", token], ["move-to", "resolved"]]) {
            const input = document.createElement("input");
            input.type = "hidden"; input.name = name; input.value = value;
            form.append(input);
          }
          document.body.append(form);
          form.submit();
        }""",
        f"/incidents/{incident.pk}/transition/",
    )
    viewer.wait_for_url(f"**/incidents/{incident.pk}/transition/")
    assert viewer.get_by_role("heading", name="Not allowed").is_visible()
    assert viewer.get_by_role("alert").inner_text().startswith("Your login reads every page")
    assert violations(viewer) == []
    viewer.screenshot(path="/tmp/permissions-forbidden.png", full_page=True)
    assert Incident.objects.get(pk=incident.pk).state == incident.state

"""The pages and the admin run under the site's Content-Security-Policy: the suite's
`csp_violations` fixture fails any browser test whose pages break it; here, the admin's
own JavaScript at work, the locked login page, and proof that the watch sees a violation."""

import pytest

from tests.browser.test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_watch_sees_an_inline_style_and_an_inline_script(
    logged_in, live_server, csp_violations
):
    page = logged_in
    page.goto(f"{live_server.url}/")
    page.evaluate(
        """() => {
            const box = document.createElement("div");
            box.innerHTML = '<p style="color: red">inline style</p>';
            document.body.append(box);
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.body.append(script);
        }"""
    )
    page.wait_for_function("() => true")  # one round trip: the reports have arrived
    assert page.evaluate("window.ranInline") is None
    seen = " ".join(csp_violations)
    assert "style-src-attr" in seen and "script-src-elem" in seen
    csp_violations.clear()  # provoked on purpose


def test_the_admin_works_under_the_policy(logged_in, live_server):
    page = logged_in
    page.goto(f"{live_server.url}/admin/")
    assert page.get_by_role("heading", name="Team, sprints and synced data").is_visible()
    # The change list's JavaScript (actions.js): "select all" ticks every row.
    page.goto(f"{live_server.url}/admin/rotations/engineer/")
    page.locator("#action-toggle").check()
    rows = page.locator("input.action-select")
    assert rows.count() > 0
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    assert "selected" in page.locator(".action-counter").inner_text()
    # A form with date widgets (DateTimeShortcuts.js): "Today" fills the field.
    page.goto(f"{live_server.url}/admin/incidents/incident/add/")
    page.locator(".datetimeshortcuts a", has_text="Today").first.click()
    assert page.locator("input.vDateField").first.input_value() != ""
    page.screenshot(path="/tmp/csp-admin-incident-add.png", full_page=True)
    # The sidebar filter (nav_sidebar.js) narrows the models listed.
    page.goto(f"{live_server.url}/admin/rotations/sprint/")
    page.locator("#nav-filter").fill("engineer")
    assert page.locator("#nav-sidebar tr.model-sprint").is_hidden()


def test_the_locked_login_page_says_why(page, live_server, demo_team, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    page.goto(f"{live_server.url}/accounts/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        page.get_by_label("Username").fill("demo")
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert "Logging in is locked" in alert.inner_text()
    assert page.get_by_label("Username").input_value() == "demo"
    assert violations(page) == []
    page.screenshot(path="/tmp/csp-login-locked.png", full_page=True)

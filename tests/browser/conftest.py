"""Headless Chromium (Debian's package) driven by Playwright against the live test server."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the
    # test body are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def logged_in(page, live_server, django_user_model, demo_team, settings):
    """A page logged in as the demo lead through the real login form.

    The site's clock is at the suite's `NOW`, Chromium's at today: a session cookie without
    an expiry date is one the browser keeps whatever the gap."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("demo")
    page.get_by_label("Password").fill("oncall-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    return page


# Reports every Content-Security-Policy violation of a page to the test, whatever it was
# (an inline style attribute, an inline script, a blocked source).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
      `(${event.sourceFile || document.location.pathname}:${event.lineNumber})`
  );
});
"""


@pytest.fixture(autouse=True)
def csp_violations(request):
    """The site's CSP as the browser applies it: every context a browser test opens records
    the violations its pages raise (their events, and Chromium's console errors, which also
    cover pages with JavaScript off), and the test fails if there was any.

    A test that provokes one on purpose asserts on the list and empties it."""
    found: list[str] = []
    if "browser" not in request.fixturenames:
        yield found
        return
    browser = request.getfixturevalue("browser")
    new_context = browser.new_context

    def on_console(message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            found.append(f"console: {message.text}")

    def watched_context(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.expose_binding("__reportCspViolation", lambda _source, text: found.append(text))
        context.add_init_script(CSP_LISTENER)
        context.on("console", on_console)
        return context

    browser.new_context = watched_context
    try:
        yield found
    finally:
        del browser.new_context  # the instance's own attribute: the class's method again
    if found:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(found))

"""axe-core finds no violations on the pages a person uses every day."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (make test does)")
    # Evaluated, not added as a <script>: the site's CSP rightly refuses inline scripts.
    page.evaluate(AXE.read_text())
    # No preload: axe would copy the page's stylesheets into <style> elements of its own,
    # which the CSP refuses (a violation of the checker, not of the page).
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], preload: false})"
    )
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes: {v['nodes'][0]['target']})"
        for v in result["violations"]
    ]


def test_the_login_page_is_accessible(page, live_server, db):
    page.goto(f"{live_server.url}/accounts/login/")
    assert violations(page) == []


@pytest.mark.parametrize("path", ["/", "/rotations/", "/rotations/calendar/"])
def test_the_pages_are_accessible(logged_in, live_server, path):
    logged_in.goto(f"{live_server.url}{path}")
    assert violations(logged_in) == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/oncall_site/capacitypolicy/",
        "/admin/oncall_site/capacitypolicy/add/",
        "/admin/oncall_site/syncjobstate/",
        "/admin/incidents/incident/",
        "/admin/security/finding/",
        "/admin/releases/release/",
    ],
)
def test_the_back_office_pages_we_changed_are_accessible(logged_in, live_server, path):
    logged_in.goto(f"{live_server.url}{path}")
    assert logged_in.title() != "Page not found"
    assert violations(logged_in) == []

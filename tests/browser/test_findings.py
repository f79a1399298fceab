"""A person finds an overdue finding synced from the sandbox, grants it an exception and
enters one by hand; the findings pages pass axe-core."""

from __future__ import annotations

import pytest

from oncall_site.sync import run_job
from security.models import Finding

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def synced(upstreams):
    for job in ("github.code_scanning", "github.dependabot_alerts"):
        assert run_job(job).status == "ok"
    return upstreams


def test_it_excepts_an_overdue_finding_and_enters_one_by_hand(logged_in, live_server, synced):
    page = logged_in
    page.goto(f"{live_server.url}/security/findings/")
    assert violations(page) == []
    overdue = page.locator(".figure", has_text="Overdue")
    count = int(overdue.locator(".figure-value").inner_text())
    assert count > 0
    overdue.click()
    page.wait_for_load_state()
    assert page.locator("table.findings tr.overdue").count() == min(count, 50)

    page.locator("table.findings tbody tr").first.get_by_role("link").first.click()
    page.wait_for_load_state()
    assert violations(page) == []
    page.get_by_text("Grant an exception").click()
    page.get_by_role("button", name="Grant the exception").click()  # no date: refused
    page.wait_for_load_state()
    assert "An exception needs an expiry date." in page.content()
    page.get_by_label("Valid through").fill("2026-04-30")
    page.get_by_role("button", name="Grant the exception").click()
    page.wait_for_load_state()
    assert "Exception granted" in page.locator(".messages").inner_text()
    assert "under exception" in page.locator(".head-tags").inner_text()

    page.goto(f"{live_server.url}/security/findings/new/")
    assert violations(page) == []
    page.get_by_label("Title").fill("openssl: X.509 name check DoS")
    page.get_by_label("Severity").select_option("critical")
    page.get_by_label("Package").fill("openssl")
    page.get_by_label("Where").fill("ghcr.io/example-org/svc-bgs-api:1.4.2")
    page.get_by_role("button", name="Enter the finding").click()
    page.wait_for_load_state()
    assert "entered" in page.locator(".messages").inner_text()
    assert Finding.objects.filter(source="manual", package="openssl").exists()

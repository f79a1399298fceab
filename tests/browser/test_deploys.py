"""The on-call lead works the deploy queue, a partner asks for a deployment, the synced
deployments and their figures show on the metrics page; the pages pass axe-core."""

from __future__ import annotations

import pytest

from oncall_site.sync import run_job
from releases.deploy_models import DeployRequest, RequestState

from .test_accessibility import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def synced(upstreams, settings):
    settings.SYNC_BACKFILL_DAYS = 30
    assert run_job("github.deployments").status == "ok"
    assert run_job("pagerduty.incidents").status == "ok"
    return upstreams


def shoot(page, tmp_path, name: str) -> None:
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(tmp_path / f"{name}-print.png"), full_page=True)
    page.emulate_media(media="screen")


def test_the_lead_works_the_queue_and_a_partner_asks(logged_in, live_server, synced, tmp_path):
    page = logged_in
    page.get_by_role("link", name="Deploys").click()
    page.wait_for_load_state()
    assert violations(page) == []
    shoot(page, tmp_path, "queue")
    waiting = DeployRequest.objects.filter(state=RequestState.REQUESTED).order_by("requested_at")
    qa, prod = list(waiting)
    page.get_by_role("button", name=f"Approve #{qa.pk}").click()
    page.wait_for_load_state()
    assert f"Deploy request #{qa.pk} approved." in page.locator(".messages").inner_text()
    page.get_by_label(f"Reason to reject #{prod.pk}").fill("Wait for the release on Wednesday")
    page.locator(f"form[action$='/requests/{prod.pk}/reject/'] button").click()
    page.wait_for_load_state()
    assert f"Deploy request #{prod.pk} rejected." in page.locator(".messages").inner_text()

    page.get_by_role("link", name="Ask for a deployment").first.click()
    page.wait_for_load_state()
    assert violations(page) == []
    page.get_by_label("Team").select_option(label="Contention Classification")
    page.get_by_label("Environment").select_option("prod")
    page.get_by_label("Services and hashes").fill("cc-app not-a-hash\nsvc-nope 1234567")
    page.get_by_label("Reason").fill("Hotfix")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()
    text = page.content()
    assert "Unknown service 'svc-nope'." in text and "hexadecimal" in text
    assert "say why it cannot wait" in text
    assert violations(page) == []
    shoot(page, tmp_path, "request-errors")
    page.get_by_label("Services and hashes").fill("cc-app 1a2b3c4d")
    page.get_by_label("Emergency justification").fill("Claims are misclassified")
    page.get_by_label("Incident or ticket link").fill("https://github.com/example-org/x/issues/1")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()
    assert "sent to the on-call pair" in page.locator(".messages").inner_text()
    assert violations(page) == []
    shoot(page, tmp_path, "request")

    page.get_by_role("link", name="Deployments").first.click()
    page.get_by_label("Environment").select_option("prod")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert page.locator("table.deploys tbody tr").count() > 0
    assert violations(page) == []
    shoot(page, tmp_path, "deployments")

    page.goto(f"{live_server.url}/incidents/metrics/")
    section = page.locator("section", has=page.get_by_role("heading", name="Deployments"))
    assert section.locator("table.dora tbody tr").count() == 2
    assert violations(page) == []
    section.screenshot(path=str(tmp_path / "metrics-deployments.png"))
    print(f"screenshots in {tmp_path}")

"""The demo's links answer: after every sync against the sandbox, a sample of each kind of
upstream link the site stores (and renders with `external_link`) leads to a page on
loopback that answers 200 with HTML, never to a real vendor host or a JSON 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from incidents.models import DatadogMonitor, Incident
from oncall_site.sync import jobs, run_job
from security.models import DependabotPR, Finding, SecrelRun

pytestmark = pytest.mark.django_db


def sample(rows, field: str, n: int = 3) -> list[str]:
    urls = list(rows.exclude(**{field: ""}).order_by("pk").values_list(field, flat=True)[:n])
    assert urls, f"no {field} to follow"
    return urls


def test_a_sample_of_each_kind_of_link_answers_with_a_page(upstreams, demo_team, settings):
    settings.SYNC_BACKFILL_DAYS = 30
    # The incident tickets last: they link the incidents PagerDuty's job brought in.
    for declared in sorted(jobs(), key=lambda j: j.key == "github.incident_tickets"):
        assert run_job(declared).status == "ok", declared.key
    pagerduty = Incident.objects.filter(source="pagerduty")
    kinds = {
        "PagerDuty incident": sample(pagerduty, "upstream_url"),
        "ticket (GitHub issue)": sample(pagerduty, "ticket_url"),
        "Datadog monitor": sample(DatadogMonitor.objects.all(), "url"),
        "SecRel run": sample(SecrelRun.objects.all(), "html_url"),
        "Dependabot PR": sample(DependabotPR.objects.all(), "html_url"),
        "code-scanning alert": sample(Finding.objects.filter(source="code_scanning"), "html_url"),
        "Dependabot alert": sample(Finding.objects.filter(source="dependabot"), "html_url"),
    }
    for kind, urls in kinds.items():
        for url in urls:
            assert urlsplit(url).hostname == "127.0.0.1", (kind, url)
            resp = requests.get(url, timeout=5)
            assert resp.status_code == 200, (kind, url, resp.text[:200])
            assert resp.headers["Content-Type"].startswith("text/html"), (kind, url)


def test_most_demo_incidents_have_a_ticket_after_a_sync_and_a_few_do_not(
    upstreams, demo_team, settings
):
    settings.SYNC_BACKFILL_DAYS = 30
    for key in ("pagerduty.incidents", "github.incident_tickets"):
        assert run_job(key).status == "ok", key
    pagerduty = Incident.objects.filter(source="pagerduty")
    without = pagerduty.filter(ticket_url="").count()
    assert pagerduty.count() >= 20
    assert 0 < without <= pagerduty.count() // 5

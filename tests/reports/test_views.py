"""The report's pages: the index, a sprint's report in three formats, its neighbours, unknown
sprints, and a constant number of SQL queries whatever the data."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, Source, State
from oncall_site.report import rotation_section
from reports.document import report_context
from reports.views import PAGE_SIZE
from rotations.models import ChecklistEntry, Sprint
from tests.clock import NOW
from tests.reports.conftest import page_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, pair):
    client.force_login(pair["users"]["other"])
    return client


def report_url(number: int = 7, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("reports:sprint", args=[number]) + (f"?{query}" if query else "")


def test_the_page_has_its_dates_generation_time_and_neighbours(sprint7, reader, at_now) -> None:
    page = reader.get(report_url()).content.decode()
    assert "Wed Mar 4, 2026 – Tue Mar 17, 2026" in page
    assert "Generated Wed Mar 11, 2026 14:30 EDT" in page
    assert 'href="/reports/sprint/6/" rel="prev"' in page
    assert 'href="/reports/sprint/8/" rel="next"' in page
    assert "sprint in progress" in page
    # Every page count links to the sprint's pages in the incident list.
    assert page.count('href="/incidents/?sprint=7&amp;source=pagerduty"') == 2


def test_an_unknown_sprint_is_a_404_that_says_so(sprint7, reader, settings) -> None:
    response = reader.get(report_url(99))
    assert response.status_code == 404
    assert "There is no sprint 99." in response.content.decode()
    assert reader.get(report_url(7, format="xml")).status_code == 400


def test_the_index_lists_begun_sprints_newest_first_paginated(sprints, reader, at_now) -> None:
    last = sprints[8]
    Sprint.objects.bulk_create(
        Sprint(
            number=n,
            start_date=sprints[6].start_date - timedelta(days=14 * (6 - n)),
            end_date=sprints[6].start_date - timedelta(days=14 * (5 - n)),
        )
        for n in range(1, 6)
    )
    Sprint.objects.bulk_create(
        Sprint(
            number=100 + n,
            start_date=last.end_date + timedelta(days=14 * (n - 1)),
            end_date=last.end_date + timedelta(days=14 * n),
        )
        for n in range(1, 3)
    )
    page = reader.get(reverse("reports:index")).content.decode()
    shown = [n for n in range(1, 110) if f'href="/reports/sprint/{n}/"' in page]
    assert shown == list(range(1, 8))  # not sprint 8 nor later: they have not begun
    assert page.index('Sprint 7</a> <span class="tag tag-warn">current') < page.index(
        "Sprint 6</a>"
    )
    assert PAGE_SIZE > 7


def test_the_json_metrics_are_the_metrics_apis_for_the_sprint(sprint7, reader) -> None:
    Incident.objects.create(
        title="resolved",
        started_at=datetime(2026, 3, 5, 14, tzinfo=UTC),
        resolved_at=datetime(2026, 3, 5, 15, 30, tzinfo=UTC),
        state=State.RESOLVED,
        severity="SEV2",
    )
    with time_machine.travel(NOW, tick=False):
        report = reader.get(report_url(format="json")).json()
        api = reader.get("/api/v1/metrics", {"sprint": 7, "as_of": NOW.isoformat()}).json()
    assert report["metrics"] == api
    assert report["metrics"]["incidents"]["mttr_seconds"] == 5400
    assert report["generated_at"] == "2026-03-11T18:30:00Z"
    assert report["rotation"]["pages"] == {"business": 1, "evening": 1, "night": 1, "total": 3}


def test_the_pdf_is_a_pdf_and_a_missing_weasyprint_is_a_503(sprint7, reader, monkeypatch):
    response = reader.get(report_url(format="pdf", paper="a4"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails, as without Pango
    response = reader.get(report_url(format="pdf"))
    assert response.status_code == 503
    assert "PDF export needs WeasyPrint and Pango" in response.content.decode()


def grow(sprint: Sprint, count: int) -> None:
    """`count` more pages in the sprint, and every checklist item ticked."""
    for n in range(count):
        page_at(sprint.starts_at + timedelta(hours=5 + n % 300), source=Source.PAGERDUTY)
    ChecklistEntry.objects.filter(rotation__sprint=sprint).update(done=True, done_at=NOW)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_report_answers_in_the_same_number_of_queries_at_any_size(sprint7, reader):
    small = {fmt: queries(reader, report_url(format=fmt)) for fmt in ("html", "json")}
    grow(sprint7, 400)
    large = {fmt: queries(reader, report_url(format=fmt)) for fmt in ("html", "json")}
    assert small == large


def test_the_rotation_section_reads_three_queries(sprint7, django_assert_num_queries) -> None:
    ctx = report_context(sprint7, as_of=NOW)
    grow(sprint7, 50)
    with django_assert_num_queries(3):  # the rotation, its pages, its checklist
        rotation_section(ctx)


def test_the_index_pages_twenty_at_a_time(db, client, lead, at_now) -> None:
    current = date(2026, 3, 4)  # sprint 30 holds NOW; 31 has not begun
    Sprint.objects.bulk_create(
        Sprint(
            number=n,
            start_date=current - timedelta(days=14 * (30 - n)),
            end_date=current - timedelta(days=14 * (29 - n)),
        )
        for n in range(1, 32)
    )
    client.force_login(lead)
    one = client.get(reverse("reports:index")).content.decode()
    two = client.get(reverse("reports:index"), {"page": 2}).content.decode()
    shown = [n for n in range(1, 32) if f'href="/reports/sprint/{n}/"' in one]
    assert shown == list(range(11, 31))  # 30 (current) down to 11
    assert "Page 1 of 2" in one and 'href="/reports/sprint/10/"' in two


def test_the_admin_lists_handoffs_and_notices(sprint7, client, lead) -> None:
    client.force_login(lead)
    for model in ("handoff", "handoffnotice"):
        assert client.get(reverse(f"admin:reports_{model}_changelist")).status_code == 200


def test_the_site_starts_without_importing_weasyprint() -> None:
    code = (
        "import django, sys; django.setup(); from django.urls import resolve; "
        "resolve('/reports/sprint/1/'); print('weasyprint' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "oncall_site.settings"},
    )
    assert out.stdout.strip() == "False"

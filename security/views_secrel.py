"""The SecRel page: the status on the main branch, the weekday schedule and the run history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from oncall_site.integrations.timestamps import isoformat_z
from oncall_site.selectors import freshness_of
from security import selectors
from security.models import SecrelRun
from security.secrel import FAILED, PASSED, run_duration

PAGE_SIZE = 25  # as GitHub lists workflow runs; a page that prints on two sheets
SYNC_JOB = "github.secrel_runs"


@dataclass(frozen=True)
class RunRow:
    run: SecrelRun
    trigger: str
    outcome: str  # the conclusion in words, or the status of a run still going
    tone: str  # ok, bad, warn or "" (cancelled, skipped: says nothing of the pipeline)
    duration: str  # "" while the run is going


def run_row(run: SecrelRun, events: dict[str, str]) -> RunRow:
    if run.status != "completed":
        outcome, tone = run.status.replace("_", " "), "warn"
    else:
        outcome = selectors.CONCLUSIONS.get(run.conclusion, run.conclusion or "no conclusion")
        tone = "ok" if run.conclusion in PASSED else "bad" if run.conclusion in FAILED else ""
    trigger = events.get(run.event, run.event)
    return RunRow(run, trigger, outcome, tone, _duration(run_duration(run)))


def _duration(delta: timedelta | None) -> str:
    """A run's length as a person reads it: 42 s, 18 min, 1 h 5 min."""
    if delta is None:
        return ""
    seconds = round(delta.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@require_GET
def secrel_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    branch = settings.SECREL_BRANCH
    choices = selectors.run_choices()
    filters = selectors.run_filters_from_params(request.GET, choices)
    page = Paginator(selectors.secrel_runs(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    status = selectors.secrel_status(branch=branch)
    red_runs_href = ""
    if status.failing_since is not None:
        query = {
            "branch": branch,
            "conclusion": selectors.CONCLUSION_RED,
            "since": isoformat_z(status.failing_since.created_at),
        }
        red_runs_href = reverse("security-secrel") + "?" + urlencode(query) + "#history-heading"
    ctx = {
        "branch": branch,
        "status": status,
        "red_runs_href": red_runs_href,
        "schedule": selectors.secrel_schedule(
            since=now - selectors.SCHEDULE_LOOKBACK, until=now, as_of=now, branch=branch
        ),
        "freshness": freshness_of([SYNC_JOB], now=now)[SYNC_JOB],
        "page": page,
        "rows": [run_row(run, choices.events) for run in page],
        "filters": filters,
        "choices": choices,
        "conclusions": selectors.CONCLUSIONS,
        "now": now,
    }
    return render(request, "security/secrel.html", ctx)

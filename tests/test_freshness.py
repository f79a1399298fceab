"""The freshness rule of a sync job's data and the rate limit it heard, on hand-made states;
and the panel's query count and words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from oncall_site.freshness import job_freshness, rate_limit_status, worst
from oncall_site.models import SyncJobState
from oncall_site.selectors import sync_freshness
from tests.clock import NOW


@dataclass
class State:
    last_attempt_at: datetime | None = NOW - timedelta(minutes=1)
    last_success_at: datetime | None = NOW - timedelta(minutes=1)
    last_error: str = ""
    needs_attention: bool = False
    run_token: str = ""
    lease_until: datetime | None = None


def fresh(state: State | None, *, configured: bool = True, minutes: int = 2):
    return job_freshness(configured=configured, interval_minutes=minutes, state=state, now=NOW)


def test_a_vendor_without_credentials_is_not_configured_not_an_error():
    f = fresh(State(last_error="boom"), configured=False)
    assert f.status == "not_configured" and not f.stale


def test_a_job_never_attempted_is_waiting_with_no_data():
    assert fresh(None).status == "waiting" and fresh(State(last_attempt_at=None)).stale
    assert fresh(None).data_as_of is None


def test_a_recent_success_is_ok_and_dates_its_data():
    f = fresh(State())
    assert (f.status, f.data_as_of, f.stale) == ("ok", NOW - timedelta(minutes=1), False)


def test_a_failed_run_is_failing_and_its_data_is_from_the_last_success():
    f = fresh(
        State(
            last_error="Datadog is having trouble (HTTP 500)",
            last_success_at=NOW - timedelta(hours=2),
        )
    )
    assert f.status == "failing" and f.stale and f.data_as_of == NOW - timedelta(hours=2)
    assert f.error == "Datadog is having trouble (HTTP 500)"


def test_a_rejected_token_needs_attention_before_anything_else():
    f = fresh(
        State(last_error="rejected", needs_attention=True, last_attempt_at=NOW - timedelta(days=1))
    )
    assert f.status == "needs_attention"


@pytest.mark.parametrize(
    ("minutes", "ago", "status"),
    [
        (1, timedelta(minutes=5), "ok"),  # five minutes at the least
        (1, timedelta(minutes=5, seconds=1), "late"),
        (2, timedelta(minutes=6), "ok"),
        (5, timedelta(minutes=15), "ok"),  # three intervals
        (5, timedelta(minutes=15, seconds=1), "late"),
    ],
)
def test_a_job_not_attempted_for_three_intervals_is_late(minutes, ago, status):
    assert fresh(State(last_attempt_at=NOW - ago), minutes=minutes).status == status


def test_a_job_running_now_is_not_late_and_says_so():
    long_run = State(
        last_attempt_at=NOW - timedelta(minutes=30),
        run_token="t",
        lease_until=NOW + timedelta(minutes=1),
    )
    f = fresh(long_run)
    assert f.running and f.status == "ok"
    expired = State(run_token="t", lease_until=NOW - timedelta(seconds=1))
    assert not fresh(expired).running


def test_a_vendor_shows_the_worst_of_its_jobs():
    assert worst(["ok", "late", "failing"]) == "failing"
    assert worst(["ok", "needs_attention"]) == "needs_attention"
    assert worst(["ok"]) == "ok" and worst([]) == "not_configured"


@pytest.mark.django_db
def test_the_panel_reads_every_jobs_state_in_one_query(upstreams, django_assert_num_queries):
    for job in ("pagerduty.incidents", "github.secrel_runs", "datadog.monitors"):
        SyncJobState.objects.create(job=job, vendor=job.split(".")[0], last_attempt_at=NOW)
    with django_assert_num_queries(1):
        vendors = sync_freshness(now=NOW)
    assert [v.key for v in vendors] == ["pagerduty", "datadog", "github"]
    assert all(v.configured for v in vendors)


@pytest.mark.django_db
def test_sync_now_in_the_admin_queues_the_job_for_the_worker(admin_client, settings):
    from django_q.brokers import get_broker
    from django_q.signing import SignedPackage

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}
    broker = get_broker()  # the ORM's table, or Redis with REDIS_URL
    broker.purge_queue()
    state = SyncJobState.objects.create(job="github.secrel_runs", vendor="github")
    response = admin_client.post(
        reverse("admin:oncall_site_syncjobstate_changelist"),
        {"action": "sync_now", "_selected_action": [state.pk]},
        follow=True,
    )
    assert "Queued github.secrel_runs" in response.text
    assert broker.queue_size() == 1
    ((_, payload),) = broker.dequeue()
    task = SignedPackage.loads(payload)
    assert (task["func"], task["args"]) == (
        "oncall_site.tasks.sync_job",
        ("github.secrel_runs", True),
    )
    state.refresh_from_db()
    assert state.last_attempt_at is None  # nothing ran inside the request


@dataclass
class Heard:
    rate_limit_remaining: int | None = 4_210
    rate_limit_limit: int | None = 5_000
    rate_limit_reset_at: datetime | None = NOW + timedelta(minutes=20)
    last_error_kind: str = ""


def heard(**figures) -> str | None:
    status = rate_limit_status(Heard(**figures), now=NOW)
    return status.status if status else None


def test_no_figures_no_rate_limit():
    assert rate_limit_status(None, now=NOW) is None
    assert heard(rate_limit_remaining=None) is None and heard(rate_limit_reset_at=None) is None


def test_plenty_left_is_ok_and_below_the_reserve_is_slowing_down():
    full = rate_limit_status(Heard(), now=NOW)
    assert (full.remaining, full.limit, full.status) == (4_210, 5_000, "ok")
    assert heard(rate_limit_remaining=500) == "ok"  # the reserve of 5,000: 500
    assert heard(rate_limit_remaining=499) == "slowing"
    assert heard(rate_limit_remaining=0, last_error_kind="Unavailable") == "slowing"


def test_a_run_stopped_for_the_rate_limit_is_stopped_until_the_reset():
    assert heard(rate_limit_remaining=40, last_error_kind="RateLimited") == "stopped"
    assert heard(last_error_kind="RateLimited") == "stopped"  # a 429 with plenty left
    assert heard(rate_limit_remaining=40, rate_limit_reset_at=NOW) == "reset"
    assert (
        heard(
            rate_limit_remaining=0,
            rate_limit_reset_at=NOW - timedelta(seconds=1),
            last_error_kind="RateLimited",
        )
        == "reset"
    )


@pytest.mark.django_db
def test_the_panel_says_what_is_left_of_the_rate_limit_when_it_slows_or_stops(upstreams):
    def job(key: str, remaining: int, reset_at: datetime, kind: str = "") -> None:
        SyncJobState.objects.create(
            job=key,
            vendor="github",
            last_attempt_at=NOW,
            last_success_at=NOW,
            last_error="GitHub rate limit nearly spent" if kind else "",
            last_error_kind=kind,
            rate_limit_remaining=remaining,
            rate_limit_limit=5_000,
            rate_limit_reset_at=reset_at,
        )

    job("github.secrel_runs", 4_210, NOW + timedelta(minutes=20))
    job("github.dependabot_prs", 320, NOW + timedelta(minutes=20))
    job("github.code_scanning", 12, NOW + timedelta(minutes=20), kind="RateLimited")
    job("github.dependabot_alerts", 7, NOW - timedelta(minutes=10))
    html = " ".join(render_to_string("_sources.html", {"sources": sync_freshness(now=NOW)}).split())
    # Plenty left, or the budget whole again: nothing to say on the panel (the admin shows it).
    assert "4,210" not in html and "7 of 5,000" not in html
    assert (
        "GitHub rate limit: 320 of 5,000 left, resets 14:50; slowing down: requests are spaced "
        "out until the reset."
    ) in html
    assert "GitHub rate limit: 12 of 5,000 left, resets 14:50; stopped early" in html
    assert "PagerDuty rate limit" not in html


@pytest.mark.django_db
def test_the_sync_job_state_admin_shows_the_rate_limit(admin_client, at_now):
    SyncJobState.objects.create(
        job="github.secrel_runs",
        vendor="github",
        rate_limit_remaining=320,
        rate_limit_limit=5_000,
        rate_limit_reset_at=NOW + timedelta(minutes=20),
    )
    listing = admin_client.get(reverse("admin:oncall_site_syncjobstate_changelist")).text
    assert "GitHub rate limit: 320 of 5,000 left, resets 14:50 (slowing down)" in listing

"""Every job end to end: the real client libraries against the sandbox upstreams.

Few and broad on purpose: the rules are tested where they live (tests/sync/test_upsert.py,
tests/security/, tests/incidents/test_sync*.py). A month of history keeps these quick.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import requests
from django.db import connection

from incidents.models import DatadogMonitor, Incident
from oncall_site.models import SyncJobState
from oncall_site.sync import jobs, run_job
from sandbox import Reply
from security.models import DependabotPR, SecrelRun
from tests.clock import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def month(upstreams, settings):
    settings.SYNC_BACKFILL_DAYS = 30
    return upstreams


def snapshot() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "alerts": DatadogMonitor.objects.count(),
        "runs": SecrelRun.objects.count(),
        "prs": DependabotPR.objects.count(),
    }


def in_schedule_order() -> list:
    """Every job, the incident tickets last: they link the incidents PagerDuty's job brought
    in (which vendor the registry lists first depends on which app a test imported first)."""
    return sorted(jobs(), key=lambda j: j.key == "github.incident_tickets")


def test_every_job_stores_what_the_upstream_serves_and_a_repeat_writes_nothing(month, demo_team):
    for declared in in_schedule_order():
        outcome = run_job(declared)
        assert outcome.status == "ok", (declared.key, outcome.message)
        state = SyncJobState.objects.get(job=declared.key)
        assert state.last_success_at and state.items_fetched == outcome.fetched
    now = month.now()
    since = now - timedelta(days=30)
    served = [i for i in month.dataset.incidents if since <= i.created_at <= now]
    assert Incident.objects.filter(source="pagerduty").count() == len(served) > 0
    served_runs = [r for r in month.dataset.runs.upto(now) if r.created_at >= since]
    assert SecrelRun.objects.count() == len(served_runs) > 0
    assert DependabotPR.objects.filter(open=True).exists() and DatadogMonitor.objects.exists()

    before = snapshot()
    month.requests.reset()
    for declared in jobs():
        assert run_job(declared).written == 0, declared.key
    assert snapshot() == before
    # GitHub's six jobs include the two findings lists, the deployments and the issues that
    # name incidents: one page each when nothing is new (a deployment GitHub has not updated
    # has its statuses kept); the Dependabot job reads the open list and the closed one back
    # to its cursor.
    for vendor, most in (("pagerduty", 6), ("datadog", 6), ("github", 10)):
        assert month.requests.count(f"{vendor}.*") <= most, (vendor, month.requests.counts())


@pytest.mark.parametrize(
    ("job", "endpoint", "kind", "words"),
    [
        ("pagerduty.incidents", "pagerduty.incidents", "rate_limit", "rate limit"),
        ("pagerduty.incidents", "pagerduty.log_entries", "empty_page", "empty page"),
        ("github.secrel_runs", "github.workflow_runs", "error", "GitHub is having trouble"),
        ("github.dependabot_prs", "github.pulls", "malformed", "GitHub sent a response"),
        ("datadog.monitors", "datadog.monitor_search", "slow", "did not answer"),
    ],
)
def test_a_failure_is_recorded_in_words_and_loses_nothing(
    month, demo_team, job, endpoint, kind, words
):
    assert run_job(job).status == "ok"
    before = snapshot()
    first = SyncJobState.objects.get(job=job)
    month.fail(endpoint, kind, delay=3)
    outcome = run_job(job)
    assert outcome.status == "failed"
    state = SyncJobState.objects.get(job=job)
    assert words.lower() in state.last_error.lower(), state.last_error
    assert state.last_success_at == first.last_success_at and state.cursor == first.cursor
    assert snapshot() == before  # nothing deleted, nothing marked closed
    month.clear_faults()
    assert run_job(job).status == "ok"


def test_a_403_on_one_job_leaves_the_vendors_other_jobs_syncing(month, demo_team):
    month.fail("github.workflow_runs", "error", status=403)
    assert run_job("github.secrel_runs").status == "failed"
    assert run_job("github.dependabot_prs").status == "ok"
    states = dict(SyncJobState.objects.values_list("job", "needs_attention"))
    assert states == {"github.secrel_runs": True, "github.dependabot_prs": False}
    month.requests.reset()
    assert run_job("github.secrel_runs").status == "needs_attention"  # the poll skips it
    assert month.requests.count("github.workflow_runs") == 0
    assert run_job("github.dependabot_prs").status == "ok"


def test_a_new_token_clears_needs_attention(month, demo_team, settings):
    settings.DATADOG_API_KEY = "wrong-key"
    assert run_job("datadog.monitors").status == "failed"
    assert SyncJobState.objects.get(job="datadog.monitors").needs_attention
    settings.DATADOG_API_KEY = month.env()["DATADOG_API_KEY"]
    assert run_job("datadog.monitors").status == "ok"


def test_a_missing_workflow_names_the_settings_to_check(month, demo_team, settings):
    settings.SECREL_WORKFLOW = "nope.yml"
    outcome = run_job("github.secrel_runs")
    assert outcome.status == "failed"
    assert "no workflow nope.yml in example-org/benefits-platform" in outcome.message
    assert "SECREL_WORKFLOW" in SyncJobState.objects.get(job="github.secrel_runs").last_error


def test_a_merged_pr_is_closed_and_a_new_one_appears(month, demo_team):
    from sandbox import CheckRun, PullRequest

    now = month.now()
    bump = PullRequest(
        number=7,
        title="Bump requests from 2.31.0 to 2.32.3",
        head_ref="dependabot/pip/requests-2.32.3",
        created_at=now - timedelta(days=3),
        closed_at=now + timedelta(hours=1),
        merged_at=now + timedelta(hours=1),
    )
    other = PullRequest(
        number=8,
        title="Bump <b>actions/checkout</b> from 4.1.0 to 4.2.0",
        head_ref="dependabot/github_actions/checkout",
        created_at=now + timedelta(minutes=30),
    )
    human = PullRequest(
        number=9,
        title="Refactor",
        head_ref="feature/x",
        created_at=now - timedelta(days=1),
        author="arivera-dev",
    )
    checks = [CheckRun(id=1, head_sha="", name="build", started_at=now - timedelta(days=3))]
    month.load(pulls=[bump, other, human], check_runs=checks)
    run_job("github.dependabot_prs", now=now)
    assert list(DependabotPR.objects.filter(open=True).values_list("number", flat=True)) == [7]
    month.clock.advance(hours=2)
    run_job("github.dependabot_prs", now=month.now())
    assert dict(DependabotPR.objects.values_list("number", "open")) == {7: False, 8: True}


@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_job_at_once_write_no_duplicates(month, demo_team):
    """Two workers (or a worker and `manage.py sync`) start the same job together."""
    start = threading.Barrier(2)
    outcomes = []

    def worker() -> None:
        try:
            start.wait()
            outcomes.append(run_job("pagerduty.incidents", manual=True))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(o.status for o in outcomes)
    assert statuses in (["busy", "ok"], ["ok", "ok"]), [o.message for o in outcomes]
    ids = list(Incident.objects.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) > 0
    assert SyncJobState.objects.get(job="pagerduty.incidents").run_token == ""


def test_a_github_run_records_the_rate_limit_github_announced_last(month, demo_team):
    assert run_job("github.secrel_runs").status == "ok"
    assert run_job("pagerduty.incidents").status == "ok"
    asked = month.requests.count("github.*")
    answer = requests.get(
        f"{month.github_url}/rate_limit",
        headers={"Authorization": f"token {month.tokens.github}"},
        timeout=5,
    )
    core = answer.json()["resources"]["core"]  # the sandbox's budget, not counted itself
    state = SyncJobState.objects.get(job="github.secrel_runs")
    assert core["remaining"] == core["limit"] - asked  # one less for every request
    assert (state.rate_limit_remaining, state.rate_limit_limit) == (core["remaining"], 5_000)
    assert state.rate_limit_reset_at.timestamp() == core["reset"]
    # PagerDuty announces no budget: nothing recorded.
    assert SyncJobState.objects.get(job="pagerduty.incidents").rate_limit_remaining is None


def test_a_run_near_the_rate_limit_stops_early_keeps_its_cursor_and_the_panel_says_so(
    month, demo_team, client, django_user_model
):
    assert run_job("github.secrel_runs").status == "ok"
    first = SyncJobState.objects.get(job="github.secrel_runs")
    # One recent run and a link to more, from a budget of 40 left for half an hour: 45 s
    # between two requests, longer than a run may wait (UPSTREAM_MAX_WAIT_SECONDS).
    run = {
        "id": 990001,
        "run_number": 4242,
        "name": "SecRel",
        "event": "schedule",
        "status": "completed",
        "conclusion": "success",
        "head_branch": "develop",
        "head_sha": "f" * 40,
        "created_at": "2026-03-11T17:30:00Z",
        "updated_at": "2026-03-11T17:50:00Z",
        "run_attempt": 1,
    }
    budget = {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "40",
        "X-RateLimit-Reset": str(int((NOW + timedelta(minutes=30)).timestamp())),
        "X-RateLimit-Resource": "core",
    }

    def page(req) -> Reply:
        link = f'<{req.url(req.path, [("page", "2")])}>; rel="next"'
        return Reply(200, {"total_count": 2, "workflow_runs": [run]}, {**budget, "Link": link})

    month.script("github.workflow_runs", page)
    month.requests.reset()
    outcome = run_job("github.secrel_runs")

    assert outcome.status == "failed"
    assert month.requests.count("github.workflow_runs") == 1  # page 2 never asked
    state = SyncJobState.objects.get(job="github.secrel_runs")
    assert state.last_error_kind == "RateLimited"
    assert state.last_error.startswith(
        "GitHub rate limit nearly spent: 40 of 5,000 requests left until it resets at 15:00 EDT"
    )
    assert state.cursor == first.cursor and state.last_success_at == first.last_success_at
    assert (state.rate_limit_remaining, state.rate_limit_limit) == (40, 5_000)

    client.force_login(django_user_model.objects.create_user("onlooker"))
    panel = " ".join(client.get("/").text.split())
    assert (
        "GitHub rate limit: 40 of 5,000 left, resets 15:00; stopped early for the rate limit, "
        "the next run continues."
    ) in panel

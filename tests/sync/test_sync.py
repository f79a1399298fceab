"""The sync engine end to end: real client libraries against the sandbox upstreams."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from incidents.models import DatadogMonitor, Incident
from oncall_site.models import SourceState
from oncall_site.sync import run_source
from security.models import DependabotPR, SecrelRun

pytestmark = pytest.mark.django_db

SOURCES = ("pagerduty", "datadog", "github")


def snapshot() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "alerts": DatadogMonitor.objects.count(),
        "runs": SecrelRun.objects.count(),
        "prs": DependabotPR.objects.count(),
    }


def test_it_says_not_configured_without_credentials(db):
    for name in SOURCES:
        outcome = run_source(name)
        assert outcome.status == "not_configured" and outcome.ok
    assert not SourceState.objects.exists()


def test_it_syncs_every_source_and_records_success(upstreams, demo_team):
    for name in SOURCES:
        outcome = run_source(name)
        assert outcome.status == "ok", outcome.message
        state = SourceState.objects.get(source=name)
        assert (
            state.last_success_at
            and not state.last_error
            and state.items_fetched == outcome.fetched
        )
        assert state.duration_seconds is not None
    from datetime import timedelta

    from django.conf import settings

    since = upstreams.now() - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    served = [i for i in upstreams.dataset.incidents if since <= i.created_at <= upstreams.now()]
    assert Incident.objects.filter(source="pagerduty").count() == len(served) > 0
    assert SecrelRun.objects.count() > 0 and DependabotPR.objects.filter(open=True).exists()


def test_a_repeat_sync_writes_nothing_and_asks_little(upstreams, demo_team):
    for name in SOURCES:
        run_source(name)
    before = snapshot()
    upstreams.requests.reset()
    for name in SOURCES:
        outcome = run_source(name)
        assert outcome.written == 0, (name, outcome.message)
    assert snapshot() == before
    for vendor in SOURCES:
        assert upstreams.requests.count(f"{vendor}.*") <= 6, (
            vendor,
            upstreams.requests.count(f"{vendor}.*"),
        )


def test_it_maps_severity_service_and_first_acknowledgement(upstreams, demo_team):
    run_source("pagerduty")
    resolved = Incident.objects.filter(source="pagerduty", state="resolved")
    assert resolved.exists()
    served = {i.id: i for i in upstreams.dataset.incidents}
    acked = [row for row in resolved if row.acknowledged_at]
    assert acked, "resolved incidents get their acknowledgement from the log entries"
    for row in Incident.objects.filter(source="pagerduty"):
        upstream = served[row.external_id]
        assert row.started_at == upstream.created_at
        assert row.severity in {"SEV1", "SEV2", "SEV3", "SEV4"}
        assert (
            row.service is not None and row.service.pagerduty_service_id == row.upstream_service_id
        )


@pytest.mark.parametrize(
    ("endpoint", "kind", "words"),
    [
        ("pagerduty.incidents", "error", "PagerDuty"),
        ("pagerduty.incidents", "rate_limit", "rate limit"),
        ("pagerduty.incidents", "malformed", "PagerDuty"),
        ("pagerduty.incidents", "slow", "did not answer"),
        ("github.workflow_runs", "error", "GitHub"),
        ("github.pulls", "malformed", "GitHub"),
        ("datadog.monitor_search", "error", "Datadog"),
        ("datadog.monitor_search", "rate_limit", "rate limit"),
        ("pagerduty.incidents", "empty_page", "empty page"),
        ("pagerduty.log_entries", "empty_page", "empty page"),
        ("datadog.monitor_search", "empty_page", "empty page"),
    ],
)
def test_a_fault_is_recorded_in_words_and_loses_nothing(
    upstreams, demo_team, endpoint, kind, words
):
    source = endpoint.split(".")[0]
    assert run_source(source).status == "ok"
    before = snapshot()
    first_success = SourceState.objects.get(source=source).last_success_at
    upstreams.clock.advance(minutes=30) if hasattr(upstreams.clock, "advance") else None
    upstreams.fail(endpoint, kind, delay=3)
    outcome = run_source(source)
    assert outcome.status == "failed"
    state = SourceState.objects.get(source=source)
    assert words.lower() in state.last_error.lower()
    assert state.last_success_at == first_success and not state.needs_attention
    after = snapshot()
    assert all(after[k] >= before[k] for k in before)  # nothing deleted
    upstreams.clear_faults()
    assert run_source(source).status == "ok"
    state.refresh_from_db()
    assert state.last_error == "" and state.consecutive_failures == 0


def test_an_empty_page_mid_pagination_does_not_close_open_rows(upstreams, demo_team):
    run_source("github")
    open_prs = DependabotPR.objects.filter(open=True).count()
    upstreams.fail("github.pulls", "empty_page")
    run_source("github")
    # Either the sync failed (recorded) or it saw the whole list; it never marks PRs closed
    # because a page came back empty.
    assert DependabotPR.objects.filter(open=True).count() == open_prs


def test_a_rejected_token_needs_attention_and_stops_polling(upstreams, demo_team, settings):
    upstreams.fail("pagerduty.*", "unauthorized")
    outcome = run_source("pagerduty")
    state = SourceState.objects.get(source="pagerduty")
    assert outcome.status == "failed" and state.needs_attention
    assert "401" in state.last_error or "token" in state.last_error.lower()
    upstreams.requests.reset()
    skipped = run_source("pagerduty")
    assert skipped.status == "needs_attention" and upstreams.requests.count("pagerduty.*") == 0
    upstreams.clear_faults()
    assert run_source("pagerduty", manual=True).status == "ok"
    state.refresh_from_db()
    assert not state.needs_attention


def test_a_new_token_clears_needs_attention(upstreams, demo_team, settings):
    settings.DATADOG_API_KEY = "wrong-key"
    assert run_source("datadog").status == "failed"
    assert SourceState.objects.get(source="datadog").needs_attention
    settings.DATADOG_API_KEY = upstreams.env()["DATADOG_API_KEY"]
    assert run_source("datadog").status == "ok"


def test_a_permanent_429_ends_in_bounded_time(upstreams, demo_team):
    for endpoint in ("pagerduty.incidents", "github.workflow_runs", "datadog.monitor_search"):
        upstreams.fail(endpoint, "rate_limit")
    started = time.monotonic()
    for name in SOURCES:
        assert run_source(name).status == "failed"
    assert time.monotonic() - started < 30


def test_the_sync_command_reports_progress_and_fails_loudly(upstreams, demo_team):
    out = StringIO()
    call_command("sync", "--source", "datadog", stdout=out)
    assert "Datadog: fetched" in out.getvalue()
    upstreams.fail("github.*", "error")
    with pytest.raises(CommandError, match="sync failed for GitHub"):
        call_command("sync", stdout=StringIO())


def test_a_merged_pr_is_closed_and_a_new_one_appears(upstreams, demo_team):
    from datetime import timedelta

    from sandbox import CheckRun, PullRequest

    now = upstreams.now()
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
    upstreams.load(pulls=[bump, other, human], check_runs=checks)
    run_source("github")
    assert list(DependabotPR.objects.filter(open=True).values_list("number", flat=True)) == [7]
    upstreams.clock.advance(hours=2)
    run_source("github")
    assert dict(DependabotPR.objects.values_list("number", "open")) == {7: False, 8: True}


def test_a_missing_workflow_names_the_settings_to_check(upstreams, demo_team, settings):
    settings.SECREL_WORKFLOW = "nope.yml"
    outcome = run_source("github")
    assert outcome.status == "failed"
    assert "no workflow nope.yml in example-org/benefits-platform" in outcome.message
    assert "SECREL_WORKFLOW" in SourceState.objects.get(source="github").last_error

"""The runner on made-up jobs: state per job, errors in words, the claim, the cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_site.integrations import retries
from oncall_site.integrations.errors import AuthError, RateLimited, Unavailable
from oncall_site.integrations.retries import RateLimit
from oncall_site.models import SyncJobState
from oncall_site.sync import SyncContext, Vendor, run_job
from oncall_site.sync import runner as runner_module
from tests.clock import NOW
from tests.sync.conftest import FakeVendor

pytestmark = pytest.mark.django_db


def state_of(key: str) -> SyncJobState:
    return SyncJobState.objects.get(job=key)


def test_it_says_not_configured_and_records_nothing(declare):
    fake = FakeVendor(config=None)
    declared = declare(fake.vendor(), "things", lambda ctx: pytest.fail("must not run"))
    outcome = run_job(declared, now=NOW)
    assert outcome.status == "not_configured" and outcome.ok
    assert "Fake is not configured" in outcome.message
    assert not SyncJobState.objects.filter(job=declared.key).exists()


def test_a_success_records_the_run_and_stores_the_cursor(declare):
    def things(ctx: SyncContext) -> None:
        assert ctx.now == NOW and ctx.client == {"config": "token-1"}
        ctx.fetched, ctx.written = 7, 3
        ctx.flag("item 42 could not be read")
        ctx.cursor["since"] = "2026-03-11"

    declared = declare(FakeVendor().vendor(), "things", things)
    outcome = run_job(declared, now=NOW)
    assert (outcome.status, outcome.fetched, outcome.written) == ("ok", 7, 3)
    assert "item 42 could not be read" in outcome.message
    state = state_of("fake.things")
    assert state.last_attempt_at == state.last_success_at == NOW
    assert (state.items_fetched, state.rows_written) == (7, 3)
    assert state.cursor == {"since": "2026-03-11"} and state.config_fingerprint
    assert state.last_warnings == "item 42 could not be read"
    assert state.run_token == "" and state.lease_until is None  # the claim is released


def test_an_upstream_error_is_recorded_in_words_and_keeps_the_cursor(declare):
    calls = []

    def things(ctx: SyncContext) -> None:
        calls.append(dict(ctx.cursor))
        ctx.cursor["since"] = f"moved-{len(calls)}"
        if len(calls) == 2:
            raise Unavailable("fake", "Fake is having trouble (HTTP 502)", status=502)

    declared = declare(FakeVendor().vendor(), "things", things)
    assert run_job(declared, now=NOW).status == "ok"
    later = NOW + timedelta(minutes=5)
    outcome = run_job(declared, now=later)
    assert outcome.status == "failed" and not outcome.ok
    state = state_of("fake.things")
    assert state.last_error == "Fake is having trouble (HTTP 502)"
    assert state.last_error_kind == "Unavailable" and state.last_error_at == later
    assert state.last_success_at == NOW and state.consecutive_failures == 1
    assert state.cursor == {"since": "moved-1"} and not state.needs_attention
    assert state.run_token == ""
    # The next run starts again from the cursor of the last success.
    run_job(declared, now=later)
    assert calls[2] == {"since": "moved-1"}


def test_a_rejected_token_marks_that_job_only_and_polling_skips_it(declare):
    fake = FakeVendor()
    vendor = fake.vendor()
    ran: list[str] = []

    def findings(ctx: SyncContext) -> None:
        ran.append("findings")
        raise AuthError(
            "fake", "Fake refused access with this API token (403); check its scopes", status=403
        )

    def runs(ctx: SyncContext) -> None:
        ran.append("runs")

    declare(vendor, "findings", findings)
    declare(vendor, "runs", runs)
    assert run_job("fake.findings", now=NOW).status == "failed"
    assert run_job("fake.runs", now=NOW).status == "ok"
    assert state_of("fake.findings").needs_attention
    assert not state_of("fake.runs").needs_attention
    # The schedule skips the job that needs attention, not its vendor's other jobs.
    skipped = run_job("fake.findings", now=NOW)
    assert (
        skipped.status == "needs_attention"
        and "manage.py sync --source fake.findings" in skipped.message
    )
    assert run_job("fake.runs", now=NOW).status == "ok"
    assert ran == ["findings", "runs", "runs"]
    # A person retries by hand; a new token retries on the next poll.
    assert run_job("fake.findings", now=NOW, manual=True).status == "failed"
    fake.config = "token-2"
    assert run_job("fake.findings", now=NOW).status == "failed"
    assert ran.count("findings") == 3


def test_a_new_configuration_starts_incremental_syncs_afresh(declare):
    fake = FakeVendor()
    seen = []

    def things(ctx: SyncContext) -> None:
        seen.append(dict(ctx.cursor))
        ctx.cursor["since"] = "x"

    declared = declare(fake.vendor(), "things", things)
    run_job(declared, now=NOW)
    run_job(declared, now=NOW)
    fake.config = "token-2"
    run_job(declared, now=NOW)
    assert seen == [{}, {"since": "x"}, {}]


def test_a_run_skips_while_another_holds_the_job(declare):
    declared = declare(FakeVendor().vendor(), "things", lambda ctx: pytest.fail("must not run"))
    state = SyncJobState.objects.create(job=declared.key, vendor="fake")
    from django.utils import timezone

    held_since = timezone.now()
    SyncJobState.objects.filter(pk=state.pk).update(
        run_token="other-run",
        running_since=held_since,
        lease_until=held_since + timedelta(minutes=4),
    )
    outcome = run_job(declared, now=NOW)
    assert outcome.status == "busy" and outcome.ok
    assert "another run is in progress" in outcome.message
    assert state_of(declared.key).run_token == "other-run"  # untouched


def test_a_run_killed_half_way_is_finished_by_the_next_once_its_lease_expires(declare):
    seen = []

    def things(ctx: SyncContext) -> None:
        seen.append(dict(ctx.cursor))
        ctx.cursor["since"] = "after"

    declared = declare(FakeVendor().vendor(), "things", things)
    run_job(declared, now=NOW)
    from django.utils import timezone

    # A worker died mid-run: its claim is still there, its lease ran out.
    expired = timezone.now() - timedelta(seconds=1)
    SyncJobState.objects.filter(job=declared.key).update(
        run_token="dead-run", running_since=expired - runner_module.LEASE, lease_until=expired
    )
    assert run_job(declared, now=NOW).status == "ok"
    assert seen == [{}, {"since": "after"}]
    assert state_of(declared.key).run_token == ""


def test_a_run_whose_lease_was_taken_over_stops_and_writes_no_outcome(declare, monkeypatch):
    monkeypatch.setattr(runner_module, "RENEW_EVERY_SECONDS", 0.0)
    written = []

    def things(ctx: SyncContext) -> None:
        SyncJobState.objects.filter(job="fake.things").update(run_token="took-over")
        for chunk in ctx.batches(range(3), 1):
            written.extend(chunk)

    declared = declare(FakeVendor().vendor(), "things", things)
    outcome = run_job(declared, now=NOW)
    assert outcome.status == "busy" and "another run took over" in outcome.message
    assert written == []  # stopped before the first batch
    state = state_of(declared.key)
    assert state.run_token == "took-over" and state.last_success_at is None


def test_a_bug_in_a_job_is_recorded_and_raised(declare):
    def things(ctx: SyncContext) -> None:
        raise KeyError("monitor_id")

    declared = declare(FakeVendor().vendor(), "things", things)
    with pytest.raises(KeyError):
        run_job(declared, now=NOW)
    state = state_of(declared.key)
    assert state.last_error == "Internal error: KeyError: 'monitor_id'"
    assert state.run_token == "" and not state.needs_attention


def metered(heard: list[RateLimit]) -> Vendor:
    """A vendor whose client, like GitHub's, tells the run where to read the rate limit it
    hears (here: the last figure a job appends to `heard`)."""

    def build(config: str) -> str:
        retries.watch_rate_limit(lambda: heard[-1] if heard else None)
        return config

    return Vendor("metered", "Metered", lambda: "token", build)


def test_the_rate_limit_the_client_heard_last_is_recorded_whatever_the_outcome(declare):
    heard: list[RateLimit] = []
    reset = NOW + timedelta(minutes=20)

    def things(ctx: SyncContext) -> None:
        ctx.cursor["since"] = f"moved-{len(heard)}"
        heard.extend([RateLimit(4_900, 5_000, reset), RateLimit(4_890 - len(heard), 5_000, reset)])
        if len(heard) > 2:
            raise RateLimited("metered", "Metered rate limit nearly spent", status=None)

    declared = declare(metered(heard), "things", things)
    assert run_job(declared, now=NOW).status == "ok"
    state = state_of(declared.key)
    figures = (state.rate_limit_remaining, state.rate_limit_limit, state.rate_limit_reset_at)
    assert figures == (4_890, 5_000, reset)

    assert run_job(declared, now=NOW).status == "failed"
    state = state_of(declared.key)
    assert (state.rate_limit_remaining, state.last_error_kind) == (4_888, "RateLimited")
    assert state.cursor == {"since": "moved-0"}  # kept: the next run goes on from there


def test_a_run_that_heard_no_rate_limit_keeps_the_last_one_recorded(declare):
    heard = [RateLimit(120, 5_000, NOW)]
    declared = declare(metered(heard), "things", lambda ctx: None)
    run_job(declared, now=NOW)
    heard.clear()
    run_job(declared, now=NOW)
    assert state_of(declared.key).rate_limit_remaining == 120
    # A vendor whose client reports none records none.
    plain = declare(FakeVendor().vendor(), "things", lambda ctx: None)
    run_job(plain, now=NOW)
    assert state_of(plain.key).rate_limit_limit is None


def test_a_run_raises_the_data_version_only_when_it_changed_what_pages_show(declare):
    from oncall_site import data_version

    plan = iter([0, 3, "fail", 0, 0])

    def things(ctx: SyncContext) -> None:
        step = next(plan)
        if step == "fail":
            raise Unavailable("fake", "Fake is having trouble (HTTP 502)", status=502)
        ctx.written = step

    declared = declare(FakeVendor().vendor(), "things", things)
    raised = []
    for _ in range(5):
        before = data_version.current()
        run_job(declared, now=NOW)
        raised.append(data_version.current() - before)
    # Nothing new; rows written; failed; the first success after it (the error clears);
    # nothing new again.
    assert raised == [0, 1, 1, 1, 0]
    unconfigured = declare(FakeVendor(config=None).vendor(), "other", things)
    before = data_version.current()
    run_job(unconfigured, now=NOW)
    assert data_version.current() == before

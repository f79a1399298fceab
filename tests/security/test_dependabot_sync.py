"""Closing Dependabot PRs with when they closed and whether they merged: the storing rules on
hand-made states, and the job once against the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_site.integrations import github
from oncall_site.sync import SyncContext, run_job, upsert
from security.models import DependabotPR
from security.sync import PRS, pr_fields, store_closed
from tests.clock import NOW

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def ctx() -> SyncContext:
    return SyncContext(config=None, client=None, now=NOW, cursor={}, progress=lambda m: None)


def listed(number: int, **changes) -> github.DependabotPR:
    fields = {
        "number": number,
        "title": f"Bump requests from 2.31.0 to 2.32.{number}",
        "head_sha": "a" * 40,
        "head_ref": f"dependabot/pip/requests-2.32.{number}",
        "base_ref": "develop",
        "author": "dependabot[bot]",
        "created_at": NOW - 48 * HOUR,
        "updated_at": None,
        "html_url": f"https://github.com/org/repo/pull/{number}",
        "ci_status": "success",
        "mergeable": True,
    }
    return github.DependabotPR(**{**fields, **changes})


def stored(*numbers: int) -> None:
    upsert(PRS, [pr_fields(listed(n)) for n in numbers], now=NOW - 2 * HOUR)


def test_a_merged_pr_is_stored_with_its_closing_and_merge_times():
    stored(7)
    merged = NOW - HOUR
    assert store_closed(ctx(), [github.PullState(7, "closed", merged, merged)]) == 1
    row = DependabotPR.objects.get()
    assert (row.open, row.closed_at, row.merged_at, row.last_seen_at) == (
        False,
        merged,
        merged,
        NOW,
    )


def test_a_pr_closed_without_merging_has_no_merge_time():
    stored(7)
    store_closed(ctx(), [github.PullState(7, "closed", NOW - HOUR, None)])
    row = DependabotPR.objects.get()
    assert (row.open, row.closed_at, row.merged_at) == (False, NOW - HOUR, None)


def test_a_closed_pr_without_a_closing_time_takes_the_merge_time_or_is_flagged():
    stored(7, 8)
    context = ctx()
    store_closed(
        context,
        [
            github.PullState(7, "closed", None, NOW - HOUR),
            github.PullState(8, "closed", None, None),
        ],
    )
    rows = {r.number: r for r in DependabotPR.objects.all()}
    assert rows[7].closed_at == NOW - HOUR == rows[7].merged_at
    assert (rows[8].open, rows[8].closed_at) == (False, None)
    assert context.warnings == ["Dependabot PR #8: GitHub says it is closed but not when"]


def test_a_reopened_pr_is_open_again_without_a_closing_time():
    stored(7)
    store_closed(ctx(), [github.PullState(7, "closed", NOW - HOUR, None)])
    assert upsert(PRS, [pr_fields(listed(7))], now=NOW).total == 1
    row = DependabotPR.objects.get()
    assert (row.open, row.closed_at, row.merged_at) == (True, None, None)
    assert upsert(PRS, [pr_fields(listed(7))], now=NOW).total == 0  # and stays unwritten


def test_the_job_records_which_prs_merged_and_which_were_closed(upstreams, demo_team):
    from sandbox import PullRequest

    now = upstreams.now()
    merged, closed, still = now + HOUR, now + 90 * timedelta(minutes=1), None
    pulls = [
        PullRequest(
            number=number,
            title=f"Bump pkg{number} from 1.0.0 to 1.0.{number}",
            head_ref=f"dependabot/pip/pkg{number}-1.0.{number}",
            created_at=now - 24 * HOUR,
            closed_at=closing,
            merged_at=merged if number == 7 else None,
        )
        for number, closing in ((7, merged), (8, closed), (9, still))
    ]
    upstreams.load(pulls=pulls)
    assert run_job("github.dependabot_prs", now=now).status == "ok"
    assert DependabotPR.objects.filter(open=True).count() == 3
    upstreams.clock.advance(hours=2)
    assert run_job("github.dependabot_prs", now=upstreams.now()).status == "ok"
    rows = {r.number: (r.open, r.closed_at, r.merged_at) for r in DependabotPR.objects.all()}
    assert rows == {7: (False, merged, merged), 8: (False, closed, None), 9: (True, None, None)}


def test_a_pr_closed_before_we_saw_it_keeps_its_stored_ci_and_takes_the_merge_time():
    from security.sync import CLOSED_PRS, closed_pr_fields

    stored(7)
    merged = github.PullState(7, "closed", closed_at=None, merged_at=NOW - HOUR)
    upsert(CLOSED_PRS, [closed_pr_fields(listed(7, ci_status=""), merged)], now=NOW)
    row = DependabotPR.objects.get(number=7)
    assert (row.open, row.closed_at, row.merged_at) == (False, NOW - HOUR, NOW - HOUR)
    assert row.ci_status == "success"  # what the open list said; a closed PR's CI is not read
    unseen = github.PullState(8, "closed", closed_at=NOW - 2 * HOUR, merged_at=None)
    upsert(CLOSED_PRS, [closed_pr_fields(listed(8, ci_status=""), unseen)], now=NOW)
    row = DependabotPR.objects.get(number=8)
    assert (row.open, row.closed_at, row.merged_at, row.ci_status) == (
        False,
        NOW - 2 * HOUR,
        None,
        "",
    )


def test_the_first_run_backfills_prs_that_closed_before_it_and_a_repeat_writes_nothing(
    upstreams, demo_team, settings
):
    from sandbox import PullRequest

    now = upstreams.now()
    settings.SYNC_BACKFILL_DAYS = 30
    day = timedelta(days=1)

    def pull(number: int, opened, closed, merged: bool, author: str = "dependabot[bot]"):
        return PullRequest(
            number=number,
            title=f"Bump pkg{number} from 1.0.0 to 1.0.{number}",
            head_ref=f"dependabot/pip/pkg{number}-1.0.{number}",
            created_at=opened,
            closed_at=closed,
            merged_at=closed if merged else None,
            author=author,
        )

    upstreams.load(
        pulls=[
            pull(11, now - 10 * day, now - 9 * day, merged=True),
            pull(12, now - 5 * day, now - 4 * day, merged=False),
            pull(13, now - 60 * day, now - 59 * day, merged=True),  # before the backfill
            pull(14, now - 3 * day, now - 2 * day, merged=True, author="octocat"),
        ]
    )
    first = run_job("github.dependabot_prs", now=now)
    assert first.status == "ok"
    rows = {r.number: (r.open, r.closed_at, r.merged_at) for r in DependabotPR.objects.all()}
    assert rows == {
        11: (False, now - 9 * day, now - 9 * day),
        12: (False, now - 4 * day, None),
    }
    again = run_job("github.dependabot_prs", now=now + HOUR)
    assert (again.status, again.written) == ("ok", 0)
    assert DependabotPR.objects.count() == 2

"""The SecRel status rule, on hand-made runs; and the selector over stored rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security.models import SecrelRun
from security.secrel import secrel_status
from security.selectors import secrel_status as stored_status
from tests.clock import NOW


@dataclass(frozen=True)
class Run:
    number: int
    conclusion: str
    branch: str = "develop"
    status: str = "completed"
    created_at: datetime = NOW


def runs(*spec: str, branch: str = "develop") -> list[Run]:
    """`runs("ok", "red", "red")`: oldest first, an hour apart."""
    words = {"ok": "success", "red": "failure", "off": "cancelled", "slow": "timed_out"}
    return [
        Run(n, words[w], branch, created_at=NOW + timedelta(hours=n))
        for n, w in enumerate(spec, start=1)
    ]


def test_it_is_passing_when_the_latest_run_succeeded():
    status = secrel_status(runs("red", "red", "ok"), branch="develop")
    assert status.passing is True and status.latest.number == 3
    assert status.failing_since is None and status.red_runs == 0


def test_failing_since_is_the_first_red_run_of_the_current_streak():
    status = secrel_status(runs("red", "ok", "red", "slow", "red"), branch="develop")
    assert status.passing is False
    assert status.failing_since.number == 3  # not the latest (5), not the older streak (1)
    assert status.latest.number == 5 and status.red_runs == 3


def test_runs_on_other_branches_neither_break_nor_end_the_streak():
    develop = runs("red", "red")
    feature = [
        Run(10, "success", "feature/x", created_at=NOW + timedelta(hours=3)),
        Run(11, "failure", "dependabot/pip/x", created_at=NOW - timedelta(hours=3)),
    ]
    status = secrel_status(develop + feature, branch="develop")
    assert status.failing_since.number == 1 and status.red_runs == 2
    assert secrel_status(runs("ok") + feature, branch="develop").passing is True


def test_cancelled_and_unfinished_runs_say_nothing():
    history = runs("red", "off", "red")
    history.append(Run(4, "", status="in_progress", created_at=NOW + timedelta(hours=9)))
    status = secrel_status(history, branch="develop")
    assert status.latest.number == 3 and status.failing_since.number == 1
    assert status.red_runs == 2
    assert secrel_status(runs("ok", "off"), branch="develop").passing is True


def test_no_decisive_run_is_no_status_not_passing():
    status = secrel_status(runs("off"), branch="develop")
    assert status.passing is None and status.latest is None


@given(st.lists(st.sampled_from(["ok", "red", "off", "slow"]), max_size=30))
def test_the_streak_counts_the_failures_after_the_last_success(spec):
    history = runs(*spec)
    status = secrel_status(reversed(history), branch="develop")  # any order in
    decisive = [w for w in spec if w != "off"]
    tail = decisive[len(decisive) - decisive[::-1].index("ok") :] if "ok" in decisive else decisive
    assert status.red_runs == len(tail)
    assert status.passing is (None if not decisive else decisive[-1] == "ok")


@pytest.mark.django_db
def test_the_selector_reads_only_since_the_last_success(django_assert_num_queries):
    for run in runs("red", "ok", "red", "red") + runs("ok", branch="feature/x"):
        SecrelRun.objects.create(
            run_id=run.number * 100 + len(run.branch),
            run_number=run.number,
            event="schedule",
            branch=run.branch,
            status=run.status,
            conclusion=run.conclusion,
            head_sha="a" * 40,
            created_at=run.created_at,
            updated_at=run.created_at,
            html_url="https://github.com/org/repo/actions/runs/1",
        )
    with django_assert_num_queries(2):
        status = stored_status(branch="develop")
    assert (status.failing_since.run_number, status.latest.run_number, status.red_runs) == (3, 4, 2)

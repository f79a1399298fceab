"""GitHub's rate limit: the pace rule at its edges, then the real client slowing down and
stopping against the sandbox's scripted budget headers, and the sandbox's own countdown."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
import requests
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from oncall_site.integrations import retries
from oncall_site.integrations.errors import RateLimited
from oncall_site.integrations.github import build_client, iter_workflow_runs
from oncall_site.integrations.payloads import Source
from oncall_site.integrations.retries import Pace, RateLimit, budget_spent, pace, reserve
from sandbox import Reply
from tests.clock import NOW

from .test_github import RUNS, make_config, workflow_runs

MAX_WAIT = 30.0


# The rule.


def test_the_reserve_is_a_tenth_of_the_limit_and_at_least_100():
    assert [reserve(n) for n in (60, 1_000, 5_000, 15_000)] == [100, 100, 500, 1_500]


def test_plenty_left_asks_no_wait():
    assert pace(4_000, 5_000, 1_800, max_wait=MAX_WAIT) == Pace(0.0)


def test_at_the_reserve_no_wait_and_one_below_it_the_rest_is_spread_to_the_reset():
    assert pace(500, 5_000, 1_800, max_wait=MAX_WAIT) == Pace(0.0)
    below = pace(499, 5_000, 1_800, max_wait=MAX_WAIT)
    assert below.wait == pytest.approx(1_800 / 499) and not below.stop  # 3.6 s apart


def test_one_left_waits_the_whole_time_to_the_reset_if_a_run_may_sleep_that_long():
    assert pace(1, 5_000, 20, max_wait=MAX_WAIT) == Pace(20.0)
    assert pace(1, 5_000, 31, max_wait=MAX_WAIT) == Pace(31.0, stop=True)
    # None left: the next request goes at the reset, as with one left.
    assert pace(0, 5_000, 20, max_wait=MAX_WAIT) == Pace(20.0)


def test_a_reset_already_passed_asks_no_wait_however_little_was_left():
    assert pace(0, 5_000, 0, max_wait=MAX_WAIT) == Pace(0.0)
    assert pace(3, 5_000, -120, max_wait=MAX_WAIT) == Pace(0.0)


def test_a_reset_too_far_away_for_the_longest_wait_stops_the_run():
    assert pace(60, 5_000, 1_800, max_wait=MAX_WAIT) == Pace(30.0)  # exactly max_wait: waited
    stop = pace(59, 5_000, 1_800, max_wait=MAX_WAIT)
    assert stop.stop and stop.wait == pytest.approx(1_800 / 59)  # 30.5 s
    assert pace(99, 1_000, 3_600, max_wait=MAX_WAIT).stop  # an Actions token's hour


@given(
    limit=st.integers(1, 20_000),
    share=st.floats(0, 1),
    seconds=st.floats(-3_600, 3_600),
    max_wait=st.floats(0.1, 120),
)
def test_the_pace_never_outruns_the_budget_and_never_sleeps_past_max_wait(
    limit, share, seconds, max_wait
):
    remaining = math.floor(limit * share)
    step = pace(remaining, limit, seconds, max_wait=max_wait)
    if not step.stop:
        assert 0 <= step.wait <= max_wait
    if seconds > 0 and remaining < reserve(limit):
        # Spending what is left at this pace lasts until the reset, not beyond.
        assert step.wait * max(remaining, 1) == pytest.approx(seconds)
    else:
        assert step == Pace(0.0)


def test_the_error_names_the_reset_in_words_on_the_teams_clock():
    reading = RateLimit(40, 5_000, NOW + timedelta(minutes=42))
    error = budget_spent(Source("github", "GitHub"), reading, now=NOW)
    assert str(error) == (
        "GitHub rate limit nearly spent: 40 of 5,000 requests left until it resets at "
        "15:12 EDT (in 42 minutes); stopped early rather than wait, the next run continues"
    )
    assert (error.retry_after, error.status) == (42 * 60, None)


# The client against the sandbox.


class Run:
    """What a sync run hears from the client: where to read the rate limit, keepalives."""

    def __init__(self) -> None:
        self.reads: list = []
        self.keepalives = 0

    def watch_rate_limit(self, read) -> None:
        self.reads.append(read)

    def keepalive(self) -> None:
        self.keepalives += 1


def budget_pages(base_url: str, remaining: list[int], *, limit: int, reset: int):
    """Pages of 100 runs, page n answering with `remaining[n - 1]` requests left and a
    link to the next; past the list, the 403 GitHub sends once the budget is spent."""
    runs = workflow_runs(base_url, 100 * len(remaining))

    def reply(req) -> Reply:
        page = int(req.arg("page") or 1)
        budget = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Reset": str(reset)}
        if page > len(remaining):
            refused = {"message": "API rate limit exceeded for user ID 1."}
            return Reply(403, refused, {**budget, "X-RateLimit-Remaining": "0"})
        query = [(k, v[0]) for k, v in req.query.items() if k != "page"]
        link = f'<{req.url(req.path, [*query, ("page", str(page + 1))])}>; rel="next"'
        body = {"total_count": len(runs), "workflow_runs": runs[(page - 1) * 100 : page * 100]}
        return Reply(
            200, body, {**budget, "X-RateLimit-Remaining": str(remaining[page - 1]), "Link": link}
        )

    return reply


def test_the_client_slows_down_as_the_budget_runs_low_and_stops_before_a_refusal(sandbox, waits):
    # Reserve 100 of 1,000; a minute to the reset; at most 1 s between two requests.
    reset = NOW + timedelta(seconds=60)
    sandbox.script(
        RUNS,
        budget_pages(
            sandbox.github_url, [300, 99, 80, 60, 50], limit=1_000, reset=int(reset.timestamp())
        ),
    )
    config = make_config(sandbox)  # FAST: max_wait_seconds 1
    run = Run()
    fetched = []

    with time_machine.travel(NOW, tick=False), retries.watched_by(run):
        client = build_client(config)
        with pytest.raises(RateLimited) as caught:
            for item in iter_workflow_runs(client, config, with_failures=False):
                fetched.append(item)

    # 300 left: no wait; then 60 s spread over 99, 80 and 60 left; 50 left would need
    # 1.2 s apart, past max_wait: stopped before the sixth request, which GitHub refuses.
    assert waits == pytest.approx([60 / 99, 60 / 80, 60 / 60])
    assert waits == sorted(waits)
    assert sandbox.requests.count(RUNS) == 5 and len(fetched) == 500
    assert caught.value.retry_after == 60
    assert "50 of 1,000 requests left until it resets at 14:31 EDT" in str(caught.value)
    assert run.keepalives == 3  # the run's claim renewed before each wait
    assert [read() for read in run.reads] == [RateLimit(50, 1_000, reset)]


def test_plenty_left_costs_no_wait(sandbox, waits):
    reset = int((NOW + timedelta(minutes=30)).timestamp())
    sandbox.script(RUNS, budget_pages(sandbox.github_url, [4_999, 4_998], limit=5_000, reset=reset))
    config = make_config(sandbox)

    with time_machine.travel(NOW, tick=False), pytest.raises(RateLimited, match="rate limiting us"):
        list(iter_workflow_runs(build_client(config), config, with_failures=False))

    assert waits == [] and sandbox.requests.count(RUNS) == 3  # GitHub refused the third


def test_a_client_outside_a_sync_run_reports_to_no_one(sandbox, waits):
    sandbox.script(RUNS, Reply(200, {"total_count": 0, "workflow_runs": []}))
    config = make_config(sandbox)
    client = build_client(config)

    assert list(iter_workflow_runs(client, config)) == []
    assert client.requester.rate_limiting == (-1, -1)  # a scripted answer says nothing


def test_the_sandbox_counts_its_budget_down_and_refuses_once_it_is_spent(sandbox):
    url = f"{sandbox.github_url}/repos/{sandbox.facts.repository}"
    headers = {"Authorization": f"token {sandbox.tokens.github}"}
    with time_machine.travel(NOW, tick=False):
        first, second = (requests.get(url, headers=headers, timeout=5) for _ in range(2))
        sandbox._servers["github"].vendor._used = 4_999  # an hour's budget, all but one spent
        last, refused = (requests.get(url, headers=headers, timeout=5) for _ in range(2))

    top_of_the_hour = str(int(NOW.replace(minute=0).timestamp()) + 3_600)
    assert [r.headers["x-ratelimit-remaining"] for r in (first, second, last)] == [
        "4999",
        "4998",
        "0",
    ]
    assert {r.headers["x-ratelimit-reset"] for r in (first, last, refused)} == {top_of_the_hour}
    assert refused.status_code == 403 and refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.json()["message"].startswith("API rate limit exceeded")

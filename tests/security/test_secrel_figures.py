"""The window's SecRel figures (pass rate, hours red) and "as of", on hand-made runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security.secrel import decided_by, hours_red, pass_rate, run_duration, secrel_status

quick = settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HOUR = timedelta(hours=1)
T0 = datetime(2026, 3, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Run:
    number: int
    conclusion: str
    created_at: datetime
    updated_at: datetime
    branch: str = "develop"
    status: str = "completed"


def run(number: int, conclusion: str, start: float, took: float = 0.5, **kwargs) -> Run:
    """A run starting `start` hours after T0 and completing `took` hours later."""
    begin = T0 + start * HOUR
    return Run(number, conclusion, begin, begin + took * HOUR, **kwargs)


def figures(runs, *, since=0, until=48, as_of=100):
    window = dict(branch="develop", since=T0 + since * HOUR, until=T0 + until * HOUR)
    window["as_of"] = T0 + as_of * HOUR
    return pass_rate(runs, **window), hours_red(runs, **window)


def test_red_from_the_failure_completing_to_the_success_completing():
    runs = [
        run(1, "success", 1),
        run(2, "failure", 10),
        run(3, "failure", 12),
        run(4, "success", 20),
    ]
    rate, red = figures(runs)
    assert rate == 0.5  # 2 of 4
    assert red == pytest.approx(10.0)  # 10:30 to 20:30


def test_an_open_streak_runs_to_as_of_not_to_the_end_of_the_window():
    runs = [run(1, "success", 1), run(2, "failure", 10)]
    assert figures(runs, as_of=30) == (0.5, pytest.approx(19.5))  # 10:30 to 30:00
    assert figures(runs, as_of=100)[1] == pytest.approx(37.5)  # to the window's end, 48:00


def test_a_streak_from_before_the_window_counts_only_inside_it():
    runs = [run(1, "failure", -5), run(2, "success", 6)]
    assert figures(runs) == (1.0, pytest.approx(6.5))  # 00:00 to 06:30; run 1 started before


def test_other_branches_and_cancelled_runs_change_nothing():
    runs = [
        run(1, "failure", 2),
        run(2, "success", 5, branch="feature/x"),
        run(3, "cancelled", 6),
        run(4, "success", 8),
    ]
    assert figures(runs) == (0.5, pytest.approx(6.0))


def test_a_run_still_going_at_as_of_has_no_verdict_yet():
    runs = [run(1, "success", 1), run(2, "failure", 10, took=2)]
    rate, red = figures(runs, as_of=11)
    assert (rate, red) == (1.0, 0.0)
    assert secrel_status(decided_by(runs, T0 + 11 * HOUR), branch="develop").passing is True
    assert secrel_status(decided_by(runs, T0 + 12 * HOUR), branch="develop").passing is False


def test_an_older_run_finishing_late_does_not_overrule_a_newer_verdict():
    # Run 1 (older) fails after run 2 (newer) has passed: the newer start decides.
    runs = [run(1, "failure", 1, took=10), run(2, "success", 2, took=1)]
    assert figures(runs)[1] == 0.0


def test_nothing_measured_is_none_not_zero():
    assert figures([]) == (None, None)
    assert figures([run(1, "success", 50)]) == (None, None)  # after the window
    assert figures([run(1, "cancelled", 5)]) == (None, None)
    assert figures([run(1, "success", 1)], since=0, until=48, as_of=-1) == (None, None)


def test_duration_is_of_completed_runs_only():
    assert run_duration(run(1, "success", 0, took=0.5)) == timedelta(minutes=30)
    going = Run(2, "", T0, T0 + HOUR, status="in_progress")
    assert run_duration(going) is None


@quick
@given(st.lists(st.tuples(st.sampled_from(["success", "failure", "cancelled"]), st.integers(1, 4))))
def test_hours_red_counts_the_hours_whose_status_is_failing(spec):
    """Runs take whole hours; brute force: the status at each hour's start, from the runs
    decided by then, is the status for the whole hour."""
    runs, start = [], -3
    for number, (conclusion, took) in enumerate(spec):
        runs.append(run(number, conclusion, start, took=took))
        start += 2  # overlapping runs, finishing out of order
    since, until, as_of = 0, 30, 24
    red = figures(runs, since=since, until=until, as_of=as_of)[1]
    statuses = [
        secrel_status(decided_by(runs, T0 + h * HOUR + timedelta(seconds=1)), branch="develop")
        for h in range(since, min(until, as_of))
    ]
    if all(s.passing is None for s in statuses):
        assert red is None
    else:
        assert red == pytest.approx(sum(s.passing is False for s in statuses))

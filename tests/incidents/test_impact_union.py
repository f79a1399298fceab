"""Property tests of the impact-interval union (`impact_minutes`).

Inputs are whole minutes from a fixed origin, so every answer can be checked against a
brute-force count of covered minutes on a grid.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.metrics import impact_minutes

ORIGIN = datetime(2026, 3, 7, tzinfo=UTC)  # the New York spring-forward night lies inside
MINUTE = timedelta(minutes=1)
HORIZON = 48 * 60

quick = settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

offsets = st.integers(min_value=0, max_value=HORIZON)
# (start, end) in minutes; end None is an impact still running.
minute_intervals = st.lists(
    st.tuples(offsets, st.none() | st.integers(min_value=0, max_value=HORIZON // 2)).map(
        lambda pair: (pair[0], None if pair[1] is None else pair[0] + pair[1])
    ),
    max_size=12,
)


@st.composite
def windows(draw) -> tuple[int, int, int]:
    """(since, until, as_of) in minutes, since <= until."""
    since = draw(offsets)
    until = draw(st.integers(min_value=since, max_value=HORIZON + 60))
    as_of = draw(st.integers(min_value=0, max_value=HORIZON + 120))
    return since, until, as_of


def instant(minute: int) -> datetime:
    return ORIGIN + minute * MINUTE


def union(intervals: list[tuple[int, int | None]], since: int, until: int, as_of: int) -> float:
    return impact_minutes(
        [(instant(s), None if e is None else instant(e)) for s, e in intervals],
        since=instant(since),
        until=instant(until),
        as_of=instant(as_of),
    )


def clipped_length(interval: tuple[int, int | None], since: int, until: int, as_of: int) -> int:
    start, end = interval
    effective_end = as_of if end is None else min(end, as_of)
    return max(0, min(effective_end, until) - max(start, since))


def brute_force(intervals: list[tuple[int, int | None]], since: int, until: int, as_of: int) -> int:
    """Count the minutes [m, m+1) of the window that some interval covers, as known at as_of."""
    return sum(
        1
        for m in range(since, min(until, as_of))
        if any(start <= m and (end is None or m < end) for start, end in intervals)
    )


@quick
@given(minute_intervals, windows())
def test_it_equals_a_brute_force_minute_grid(intervals, window):
    assert union(intervals, *window) == brute_force(intervals, *window)


@quick
@given(minute_intervals, windows())
def test_it_never_exceeds_the_sum_of_the_clipped_lengths(intervals, window):
    assert union(intervals, *window) <= sum(clipped_length(i, *window) for i in intervals)


@quick
@given(minute_intervals, windows())
def test_it_is_at_least_the_longest_single_clipped_interval(intervals, window):
    longest = max((clipped_length(i, *window) for i in intervals), default=0)
    assert union(intervals, *window) >= longest


@quick
@given(minute_intervals, windows())
def test_it_never_exceeds_the_window_or_runs_past_as_of(intervals, window):
    since, until, as_of = window
    result = union(intervals, *window)
    assert 0 <= result <= until - since
    assert result <= max(0, as_of - since)


@quick
@given(st.data(), minute_intervals, windows())
def test_it_is_invariant_under_permutation(data, intervals, window):
    shuffled = data.draw(st.permutations(intervals))
    assert union(shuffled, *window) == union(intervals, *window)


@quick
@given(st.data(), minute_intervals, windows())
def test_it_is_invariant_under_duplicating_intervals(data, intervals, window):
    repeated = data.draw(st.lists(st.sampled_from(intervals), max_size=12)) if intervals else []
    assert union(intervals + repeated, *window) == union(intervals, *window)
    assert union(intervals + intervals, *window) == union(intervals, *window)


@quick
@given(minute_intervals, windows(), st.tuples(offsets, offsets))
def test_it_never_shrinks_when_an_interval_is_added(intervals, window, extra):
    start, end = min(extra), max(extra)
    assert union([*intervals, (start, end)], *window) >= union(intervals, *window)


@quick
@given(minute_intervals, windows(), st.integers(min_value=0, max_value=HORIZON + 60))
def test_it_adds_up_over_adjacent_windows(intervals, window, cut_at):
    since, until, as_of = window
    cut = min(max(cut_at, since), until)
    whole = union(intervals, since, until, as_of)
    assert whole == union(intervals, since, cut, as_of) + union(intervals, cut, until, as_of)


@quick
@given(minute_intervals, windows())
def test_it_does_not_depend_on_the_time_zone_of_its_inputs(intervals, window):
    # Whole-minute UTC instants seen on the New York clock across the DST change.
    new_york = ZoneInfo("America/New_York")
    since, until, as_of = window
    local = impact_minutes(
        [
            (
                instant(s).astimezone(new_york),
                None if e is None else instant(e).astimezone(new_york),
            )
            for s, e in intervals
        ],
        since=instant(since).astimezone(new_york),
        until=instant(until).astimezone(new_york),
        as_of=instant(as_of).astimezone(new_york),
    )
    assert local == union(intervals, *window)


@quick
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9)
        ).map(sorted),
        max_size=10,
    )
)
def test_it_is_exact_to_the_microsecond(pairs):
    # Sub-minute inputs: the union of [a, b) microsecond intervals, checked by a sweep here.
    intervals = [
        (ORIGIN + timedelta(microseconds=a), ORIGIN + timedelta(microseconds=b)) for a, b in pairs
    ]
    covered = 0
    reach = 0
    for a, b in sorted(pairs):
        a = max(a, reach)
        if b > a:
            covered += b - a
            reach = b
    end = ORIGIN + timedelta(microseconds=10**9)
    result = impact_minutes(intervals, since=ORIGIN, until=end, as_of=end)
    assert result == pytest.approx(covered / 60_000_000, rel=1e-12, abs=1e-12)


def test_it_counts_a_hand_computed_union():
    # 10:00-11:00, 10:30-12:00, 13:00-open (as_of 13:20), 09:00-09:30 outside since 09:45.
    intervals = [(600, 660), (630, 720), (780, None), (540, 570)]
    assert union(intervals, since=585, until=24 * 60, as_of=800) == 120 + 20


def test_it_gives_nothing_for_an_interval_starting_after_as_of():
    assert union([(700, None), (700, 800)], since=0, until=HORIZON, as_of=650) == 0


def test_it_rejects_an_interval_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        union([(700, 690)], since=0, until=HORIZON, as_of=HORIZON)


def test_it_rejects_naive_intervals():
    with pytest.raises(ValueError, match="timezone-aware"):
        impact_minutes(
            [(datetime(2026, 3, 8, 1), None)],
            since=ORIGIN,
            until=instant(HORIZON),
            as_of=instant(HORIZON),
        )

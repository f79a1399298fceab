"""Firing episodes and flapping from a monitor's stored state changes
(`incidents.monitor_history`), on hand-made instants: no database."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.history import Firing
from incidents.monitor_history import firing_episodes, is_flapping, state_changes_within
from tests.clock import NOW

MIN = timedelta(minutes=1)
NY = ZoneInfo("America/New_York")


def test_an_episode_runs_from_a_change_into_alerting_to_the_next_change_out_of_it():
    changes = [
        (NOW - 90 * MIN, "Alert"),
        (NOW - 80 * MIN, "Warn"),  # still firing: the same episode
        (NOW - 70 * MIN, "OK"),
        (NOW - 30 * MIN, "No Data"),
        (NOW - 20 * MIN, "Ignored"),
        (NOW - 10 * MIN, "Alert"),
    ]
    assert firing_episodes(reversed(changes), as_of=NOW) == [
        Firing(fired=NOW - 90 * MIN, recovered=NOW - 70 * MIN),
        Firing(fired=NOW - 30 * MIN, recovered=NOW - 20 * MIN),
        Firing(fired=NOW - 10 * MIN, recovered=None),
    ]


def test_a_recovery_after_as_of_is_not_known_yet():
    changes = [(NOW - 60 * MIN, "Alert"), (NOW + MIN, "OK"), (NOW + 2 * MIN, "Alert")]
    assert firing_episodes(changes, as_of=NOW) == [Firing(fired=NOW - 60 * MIN, recovered=None)]
    assert firing_episodes([(NOW, "OK")], as_of=NOW) == []
    assert firing_episodes([], as_of=NOW) == []


def test_four_changes_in_the_last_24_hours_are_flapping_three_are_not():
    day = timedelta(hours=24)
    three = [NOW - day + MIN, NOW - 5 * MIN, NOW]
    assert state_changes_within(three, at=NOW) == 3 and not is_flapping(three, at=NOW)
    # Exactly 24 hours before is outside; a change after `at` is not counted.
    assert not is_flapping([*three, NOW - day, NOW + MIN], at=NOW)
    assert is_flapping([*three, NOW - day + 2 * MIN], at=NOW)


@pytest.mark.parametrize(
    ("handover", "first_inside", "same_wall_day_before_inside"),
    [
        # Spring forward (Mar 8, 2026): 24 h before 12:00 EDT is 11:00 EST the day before;
        # 12:00 the day before is only 23 hours earlier.
        (
            datetime(2026, 3, 8, 12, tzinfo=NY),
            datetime(2026, 3, 7, 11, 1, tzinfo=NY),
            True,
        ),
        # Fall back (Nov 1, 2026): 24 h before 12:00 EST is 13:00 EDT the day before;
        # 12:00 the day before is 25 hours earlier.
        (
            datetime(2026, 11, 1, 12, tzinfo=NY),
            datetime(2026, 10, 31, 13, 1, tzinfo=NY),
            False,
        ),
    ],
)
def test_the_24_hours_are_elapsed_time_across_a_dst_change(
    handover, first_inside, same_wall_day_before_inside
):
    later = [handover - 3 * MIN, handover - 2 * MIN, handover - MIN]
    assert is_flapping([first_inside, *later], at=handover)
    assert not is_flapping([first_inside - 2 * MIN, *later], at=handover)
    same_wall = datetime.combine(first_inside.date(), handover.timetz()).replace(tzinfo=NY)
    assert is_flapping([same_wall, *later], at=handover) is same_wall_day_before_inside


@given(st.lists(st.integers(min_value=-3000, max_value=3000), max_size=30))
def test_flapping_counts_exactly_the_changes_in_the_window(minutes):
    changes = [NOW + m * MIN for m in minutes]
    expected = sum(1 for m in minutes if -24 * 60 < m <= 0)
    assert state_changes_within(changes, at=NOW) == expected
    assert is_flapping(changes, at=NOW) is (expected >= 4)

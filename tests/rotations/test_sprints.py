"""Sprint boundaries: local midnights across DST and year ends, without the database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rotations.sprints import local_date, local_midnight, sprint_dates, sprint_number_on, window

NY = ZoneInfo("America/New_York")


def test_it_starts_at_local_midnight_in_standard_and_daylight_time():
    assert local_midnight(date(2026, 1, 7), NY) == datetime(2026, 1, 7, 5, tzinfo=UTC)
    assert local_midnight(date(2026, 7, 8), NY) == datetime(2026, 7, 8, 4, tzinfo=UTC)


def test_it_makes_a_sprint_across_spring_forward_an_hour_shorter():
    since, until = window(date(2026, 3, 4), date(2026, 3, 18), NY)
    assert until - since == timedelta(days=14) - timedelta(hours=1)


def test_it_makes_a_sprint_across_fall_back_an_hour_longer():
    since, until = window(date(2026, 10, 28), date(2026, 11, 11), NY)
    assert until - since == timedelta(days=14) + timedelta(hours=1)


def test_it_handles_a_zone_whose_midnight_is_skipped():
    # Santiago springs forward at 00:00 -> 01:00 on 2026-09-06: the day starts at 01:00 local.
    santiago = ZoneInfo("America/Santiago")
    start = local_midnight(date(2026, 9, 6), santiago)
    assert start.astimezone(santiago).hour == 1
    assert start == datetime(2026, 9, 6, 4, tzinfo=UTC)
    assert local_date(start, santiago) == date(2026, 9, 6)


def test_it_numbers_sprints_across_a_year_end():
    dates = sprint_dates(anchor_start=date(2026, 1, 7), anchor_number=1, length_days=14, number=26)
    assert (dates.start, dates.end, dates.last_day) == (
        date(2026, 12, 23),
        date(2027, 1, 6),
        date(2027, 1, 5),
    )
    assert (
        sprint_number_on(
            day=date(2027, 1, 1), anchor_start=date(2026, 1, 7), anchor_number=1, length_days=14
        )
        == 26
    )
    assert (
        sprint_number_on(
            day=date(2027, 1, 6), anchor_start=date(2026, 1, 7), anchor_number=1, length_days=14
        )
        == 27
    )


def test_it_counts_back_before_the_anchor():
    assert (
        sprint_number_on(
            day=date(2026, 1, 6), anchor_start=date(2026, 1, 7), anchor_number=10, length_days=14
        )
        == 9
    )
    assert sprint_dates(
        anchor_start=date(2026, 1, 7), anchor_number=10, length_days=14, number=9
    ).start == date(2025, 12, 24)


def test_it_maps_an_instant_to_the_team_day():
    # 03:30 UTC on Jan 7 is still Jan 6 in New York.
    assert local_date(datetime(2026, 1, 7, 3, 30, tzinfo=UTC), NY) == date(2026, 1, 6)
    with pytest.raises(ValueError):
        local_date(datetime(2026, 1, 7), NY)


def test_it_rejects_a_zero_length():
    with pytest.raises(ValueError):
        sprint_dates(anchor_start=date(2026, 1, 7), anchor_number=1, length_days=0, number=2)

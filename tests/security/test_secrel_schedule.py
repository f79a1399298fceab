"""The weekday schedule rule, on hand-made runs: no database, the time is passed in.

US daylight saving in 2026 starts on Sunday March 8 and ends on Sunday November 1, so
Monday March 9 is the first weekday on EDT (UTC-4) and Monday November 2 the first on EST
(UTC-5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from security.secrel import (
    expected_at,
    missed_scheduled_runs,
    off_schedule_runs,
    schedule_check,
    scheduled_days,
    weekdays_in,
)

NEW_YORK = ZoneInfo("America/New_York")
quick = settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@dataclass(frozen=True)
class Run:
    number: int
    created_at: datetime
    event: str = "schedule"
    branch: str = "develop"


def local(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    """An instant given on New York's clock, as UTC."""
    return datetime(y, m, d, h, mi, s, tzinfo=NEW_YORK).astimezone(UTC)


def utc(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


def schedule(runs, since, until, as_of, zone=NEW_YORK):
    kwargs = dict(branch="develop", since=since, until=until, zone=zone, as_of=as_of)
    return missed_scheduled_runs(runs, **kwargs), off_schedule_runs(runs, **kwargs)


# --- 07:00 on the team's clock, across daylight-saving changes ----------------------------


def test_seven_local_moves_in_utc_on_the_dst_mondays():
    assert expected_at(date(2026, 3, 6), NEW_YORK) == utc(2026, 3, 6, 12)  # Friday, EST
    assert expected_at(date(2026, 3, 9), NEW_YORK) == utc(2026, 3, 9, 11)  # Monday, EDT
    assert expected_at(date(2026, 10, 30), NEW_YORK) == utc(2026, 10, 30, 11)  # Friday, EDT
    assert expected_at(date(2026, 11, 2), NEW_YORK) == utc(2026, 11, 2, 12)  # Monday, EST


def test_a_utc_cron_is_on_time_in_daylight_time_and_an_hour_early_in_standard_time():
    """`0 11 * * 1-5` around both 2026 changes: the Friday before and the Monday after."""
    runs = [
        Run(1, utc(2026, 3, 6, 11)),  # Friday, EST: 06:00
        Run(2, utc(2026, 3, 9, 11)),  # Monday, EDT: 07:00
        Run(3, utc(2026, 10, 30, 11)),  # Friday, EDT: 07:00
        Run(4, utc(2026, 11, 2, 11)),  # Monday, EST: 06:00
    ]
    off = off_schedule_runs(
        runs,
        branch="develop",
        since=utc(2026, 3, 1),
        until=utc(2026, 12, 1),
        zone=NEW_YORK,
        as_of=utc(2026, 12, 1),
    )
    assert [o.run.number for o in off] == [1, 4]
    assert all(o.daylight_saving and o.off_by == -timedelta(hours=1) for o in off)
    assert off[1].reason == (
        "started 06:00 EST, 1 h early: a cron at 11:00 UTC is 07:00 EDT but 06:00 EST"
        " (daylight saving time)"
    )


def test_a_cron_set_for_standard_time_runs_an_hour_late_from_the_march_monday():
    off = schedule_check(Run(7, utc(2026, 3, 9, 12, 9)), NEW_YORK)  # 08:09 EDT, GitHub late
    assert off is not None and off.daylight_saving
    assert off.reason == (
        "started 08:09 EDT, 1 h 9 min late: a cron at 12:00 UTC is 07:00 EST but 08:00 EDT"
        " (daylight saving time)"
    )
    assert schedule_check(Run(8, utc(2026, 3, 6, 12, 9)), NEW_YORK) is None  # 07:09 EST


@pytest.mark.parametrize(
    ("started", "off_by"),
    [
        (local(2026, 3, 11, 6, 59, 59), None),
        (local(2026, 3, 11, 6, 30), None),  # exactly 30 minutes: not *more* than 30
        (local(2026, 3, 11, 7, 30), None),
        (local(2026, 3, 11, 7, 30, 1), timedelta(minutes=30, seconds=1)),
        (local(2026, 3, 11, 6, 29, 59), -timedelta(minutes=30, seconds=1)),
    ],
)
def test_thirty_minutes_either_side_of_seven_is_on_schedule(started, off_by):
    off = schedule_check(Run(1, started), NEW_YORK)
    assert (off and off.off_by) == off_by


def test_half_an_hour_late_is_late_not_daylight_saving():
    off = schedule_check(Run(1, local(2026, 3, 11, 7, 30, 1)), NEW_YORK)
    assert not off.daylight_saving and off.reason == "started 07:30 EDT, 30 min late"
    early = schedule_check(Run(2, local(2026, 1, 14, 5, 50)), NEW_YORK)  # a cron is never early
    assert not early.daylight_saving and early.reason == "started 05:50 EST, 1 h 10 min early"


def test_a_zone_without_daylight_saving_never_blames_it():
    tokyo = ZoneInfo("Asia/Tokyo")
    off = schedule_check(Run(1, datetime(2026, 3, 9, 6, tzinfo=tokyo)), tokyo)
    assert not off.daylight_saving and off.reason == "started 06:00 JST, 1 h early"


# --- Missed runs ----------------------------------------------------------------------------


def test_a_dst_monday_without_its_run_is_missed_at_ten_on_the_new_offset():
    """Monday March 9: 10:00 EDT is 14:00 UTC (it was 15:00 UTC the Friday before)."""
    since, until = local(2026, 3, 9), local(2026, 3, 10)
    assert schedule(runs=[], since=since, until=until, as_of=utc(2026, 3, 9, 13, 59))[0] == []
    assert schedule(runs=[], since=since, until=until, as_of=utc(2026, 3, 9, 14))[0] == [
        date(2026, 3, 9)
    ]


def test_the_november_monday_is_judged_on_est():
    since, until = local(2026, 11, 2), local(2026, 11, 3)
    days = scheduled_days(
        [],
        branch="develop",
        since=since,
        until=until,
        zone=NEW_YORK,
        as_of=utc(2026, 11, 2, 14, 30),
    )
    assert [(d.day, d.state, d.deadline) for d in days] == [
        (date(2026, 11, 2), "pending", utc(2026, 11, 2, 15))  # 10:00 EST
    ]


def test_weekends_are_never_expected():
    # Friday March 6 to Monday March 9 (the DST weekend), judged on Tuesday.
    since, until, as_of = local(2026, 3, 6), local(2026, 3, 10), local(2026, 3, 10, 12)
    missed, _ = schedule([], since, until, as_of)
    assert missed == [date(2026, 3, 6), date(2026, 3, 9)]
    assert weekdays_in(local(2026, 3, 7), local(2026, 3, 9), NEW_YORK) == []


def test_a_run_that_came_late_or_off_schedule_is_not_missed():
    runs = [Run(1, local(2026, 3, 10, 11, 15)), Run(2, local(2026, 3, 11, 6, 5))]
    missed, off = schedule(runs, local(2026, 3, 10), local(2026, 3, 12), local(2026, 3, 12))
    assert missed == []
    assert [o.reason for o in off] == [
        "started 11:15 EDT, 4 h 15 min late",
        "started 06:05 EDT, 55 min early",
    ]


def test_a_run_on_another_branch_or_not_scheduled_does_not_count():
    runs = [
        Run(1, local(2026, 3, 10, 7), branch="feature/bip-retries"),
        Run(2, local(2026, 3, 10, 7), event="workflow_dispatch"),
        Run(3, local(2026, 3, 10, 7), event="push"),
        Run(4, local(2026, 3, 10, 9), branch="main"),
    ]
    missed, off = schedule(runs, local(2026, 3, 10), local(2026, 3, 11), local(2026, 3, 11))
    assert missed == [date(2026, 3, 10)] and off == []


def test_a_window_that_ends_before_ten_on_its_last_day():
    since, until = local(2026, 3, 9), local(2026, 3, 11, 9)  # Monday 00:00 to Wednesday 09:00
    # Judged at the window's end: Wednesday's grace is not over yet.
    missed, _ = schedule([Run(1, local(2026, 3, 10, 7, 5))], since, until, as_of=until)
    assert missed == [date(2026, 3, 9)]
    days = scheduled_days(
        [], branch="develop", since=since, until=until, zone=NEW_YORK, as_of=until
    )
    assert [d.state for d in days] == ["missed", "missed", "pending"]
    # Judged later: a run at 09:30 on Wednesday (after the window) still ran that day, and is
    # not the window's to call off schedule; with no run at all the day is missed.
    later = local(2026, 3, 12)
    missed, off = schedule([Run(2, local(2026, 3, 11, 9, 30))], since, until, as_of=later)
    assert missed == [date(2026, 3, 9), date(2026, 3, 10)] and off == []
    missed, _ = schedule([], since, until, as_of=later)
    assert missed[-1] == date(2026, 3, 11)


def test_a_run_after_as_of_has_not_happened_yet():
    run = Run(1, local(2026, 3, 9, 10, 30))  # late and off schedule, but after as_of
    missed, off = schedule(
        [run], local(2026, 3, 9), local(2026, 3, 10), as_of=local(2026, 3, 9, 10)
    )
    assert missed == [date(2026, 3, 9)] and off == []


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="naive"):
        schedule([], datetime(2026, 3, 9), local(2026, 3, 10), local(2026, 3, 10))


# --- Properties -----------------------------------------------------------------------------

days_2026 = st.dates(date(2026, 1, 1), date(2026, 12, 31)).filter(lambda d: d.weekday() < 5)


@quick
@given(day=days_2026, delay=st.integers(0, 19 * 60))
def test_a_utc_cron_is_off_schedule_exactly_on_standard_time_days(day, delay):
    """The sandbox's cron: 11:00 UTC plus GitHub's few minutes. In New York that is on
    schedule on every EDT weekday and off by the daylight-saving shift on every EST one."""
    started = datetime(day.year, day.month, day.day, 11, tzinfo=UTC) + timedelta(seconds=delay)
    off = schedule_check(Run(1, started), NEW_YORK)
    on_daylight_time = bool(started.astimezone(NEW_YORK).dst())
    assert (off is None) is on_daylight_time
    assert off is None or (off.daylight_saving and "a cron at 11:00 UTC" in off.reason)


@quick
@given(day=days_2026, seconds=st.integers(-3 * 3600, 3 * 3600))
def test_off_schedule_is_more_than_thirty_minutes_from_seven_local(day, seconds):
    started = expected_at(day, NEW_YORK) + timedelta(seconds=seconds)
    off = schedule_check(Run(1, started), NEW_YORK)
    assert (off is not None) is (abs(seconds) > 30 * 60)


@quick
@given(
    offsets=st.lists(st.integers(0, 21 * 24 * 60), max_size=25),
    as_of_minutes=st.integers(0, 21 * 24 * 60),
)
def test_each_weekday_is_ran_missed_or_pending(offsets, as_of_minutes):
    """Three weeks from Monday March 2, across the March change."""
    since, until = local(2026, 3, 2), local(2026, 3, 23)
    runs = [Run(n, since + timedelta(minutes=m)) for n, m in enumerate(offsets)]
    as_of = since + timedelta(minutes=as_of_minutes)
    days = scheduled_days(
        runs, branch="develop", since=since, until=until, zone=NEW_YORK, as_of=as_of
    )
    assert [d.day for d in days] == weekdays_in(since, until, NEW_YORK)
    assert len(days) == 15
    for d in days:
        seen = {r.created_at.astimezone(NEW_YORK).date() for r in runs if r.created_at < as_of}
        if d.day in seen:
            assert d.state == "ran"
        else:
            assert d.state == (
                "missed" if as_of >= d.expected_at + timedelta(hours=3) else "pending"
            )

"""Partner app performance against hand-computed figures; no database, the time is passed in."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.performance import (
    MIN_POINTS,
    Figures,
    NotEnoughData,
    baseline_figures,
    coverage,
    degraded_minutes,
    downsample,
    performance,
    series,
)

MINUTE = timedelta(minutes=1)
WEEK = timedelta(days=7)
NEW_YORK = ZoneInfo("America/New_York")
START = datetime(2026, 1, 14, 15, tzinfo=UTC)

quick = settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def minutes(values, *, start=START, step=MINUTE):
    """A series with one point per `step` from `start`, one per value."""
    return series([(start + i * step, v) for i, v in enumerate(values)], step=step)


def flat_baseline(value=100.0, count=60, start=START - WEEK):
    return minutes([value] * count, start=start)


def figures(data, baseline=None, *, started=START, ended=None, since=None, until=None, **kw):
    ended = ended if ended is not None else started + 60 * MINUTE
    result = performance(
        data,
        baseline if baseline is not None else flat_baseline(),
        started=started,
        ended=ended,
        since=since or started,
        until=until or ended,
        as_of=kw.pop("as_of", ended + timedelta(hours=2)),
        **kw,
    )
    return result


# --- minutes degraded, worst and mean ---------------------------------------------------


def test_it_counts_minutes_above_twice_the_baseline_p95_by_hand():
    # Baseline flat at 100: p95 100, limit 200. Ten minutes at 250, the rest at 100.
    data = minutes([100] * 20 + [250] * 10 + [100] * 30)
    result = figures(data)
    assert isinstance(result, Figures)
    assert result.limit == 200
    assert result.limit_source == "baseline"
    assert result.degraded_minutes == 10
    assert result.worst == 250
    assert result.worst_ratio == 2.5  # 250 / p95 100
    assert result.mean == pytest.approx((100 * 50 + 250 * 10) / 60)
    assert result.mean_ratio == pytest.approx(125 / 100)
    assert result.measured_minutes == 60


def test_it_does_not_count_a_value_equal_to_the_limit():
    data = minutes([100] * 20 + [200] * 10 + [100] * 30)
    assert figures(data).degraded_minutes == 0


def test_it_uses_the_service_threshold_instead_of_the_baseline():
    data = minutes([100] * 20 + [150] * 10 + [100] * 30)
    result = figures(data, threshold=120)
    assert result.limit == 120
    assert result.limit_source == "threshold"
    assert result.degraded_minutes == 10


def test_it_takes_the_baseline_p95_by_linear_interpolation():
    # 1..20: position (20 - 1) * 0.95 = 18.05, so 19 + 0.05 * (20 - 19).
    result = baseline_figures(minutes(list(range(1, 21))))
    assert result.p95 == pytest.approx(19.05)
    assert result.mean == pytest.approx(10.5)


def test_it_counts_a_gap_as_unknown_not_degraded():
    # Points every 10 minutes but Datadog's interval is 1 minute: each stands for one.
    data = series([(START + i * 10 * MINUTE, 500.0) for i in range(6)], step=MINUTE)
    result = figures(data)
    assert result.degraded_minutes == 6
    assert result.measured_minutes == 6


def test_it_counts_nulls_as_gaps_not_zeros():
    data = minutes([300, None, None, 300, None, 300] + [None] * 54)
    result = figures(data)
    assert result.degraded_minutes == 3
    assert result.mean == 300  # not dragged towards 0 by the nulls
    assert result.points == 3


def test_a_point_stands_for_its_step_when_the_series_is_coarser():
    data = minutes([100, 500, 100, 100, 100, 100], step=10 * MINUTE)
    assert figures(data).degraded_minutes == 10


def test_it_counts_degraded_minutes_over_the_span_and_worst_over_the_incident():
    # An hour before and after the incident are read; a spike before the start counts as
    # degraded minutes but not as the incident's worst.
    since = START - timedelta(hours=1)
    data = minutes([600] * 5 + [100] * 175, start=since)
    result = figures(data, since=since, until=START + 2 * timedelta(hours=1))
    assert result.degraded_minutes == 5
    assert result.worst == 100


def test_it_runs_an_open_incident_to_as_of():
    data = minutes([300] * 120)
    as_of = START + 30 * MINUTE
    result = performance(
        data,
        flat_baseline(),
        started=START,
        ended=None,
        since=START,
        until=START + 3 * timedelta(hours=1),
        as_of=as_of,
    )
    assert result.degraded_minutes == 30
    assert result.points == 30


def test_it_gives_no_ratio_against_a_zero_baseline():
    result = figures(minutes([0.0] * 30 + [0.05] * 30), flat_baseline(0.0))
    assert result.limit == 0
    assert result.degraded_minutes == 30
    assert result.worst_ratio is None
    assert result.mean_ratio is None


# --- not enough data --------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [[], [None] * 60, [100, 100], [None, 100, None, None, 100]],
    ids=["empty", "all null", "two points", "two with a value"],
)
def test_it_says_not_enough_data_for_a_thin_series(values):
    result = figures(minutes(values))
    assert isinstance(result, NotEnoughData)
    assert "not enough data: the incident has" in result.reason


def test_it_says_not_enough_data_for_a_thin_baseline_without_threshold():
    result = figures(minutes([100] * 60), minutes([None] * 60, start=START - WEEK))
    assert result == NotEnoughData(
        f"not enough data: the baseline week has 0 points with a value (at least {MIN_POINTS} needed)"
    )


def test_a_threshold_measures_without_a_baseline_but_gives_no_ratio():
    result = figures(minutes([100] * 50 + [300] * 10), series([]), threshold=200)
    assert isinstance(result, Figures)
    assert result.degraded_minutes == 10
    assert result.baseline is None
    assert result.worst_ratio is None


# --- instants -----------------------------------------------------------------------------


def test_it_measures_the_fall_back_night_in_utc():
    # 2026-11-01: New York's 01:00-02:00 happens twice. Two real hours, 120 minutes.
    start = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)  # 04:30 UTC
    # Points a real minute apart (adding minutes to a New York datetime is wall-clock).
    data = minutes([500] * 150, start=start.astimezone(UTC))
    result = figures(
        data,
        flat_baseline(start=start - WEEK, count=150),
        started=start,
        ended=datetime(2026, 11, 1, 2, 30, tzinfo=NEW_YORK) - timedelta(minutes=30),
    )
    assert result.degraded_minutes == 150
    assert result.points == 150


def test_it_measures_the_spring_forward_night_in_utc():
    # 2026-03-08: New York skips 02:00-03:00; 01:30 to 03:30 local is one real hour.
    started = datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)
    ended = datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)
    data = minutes([500] * 120, start=started.astimezone(UTC))
    result = figures(data, flat_baseline(start=started - WEEK), started=started, ended=ended)
    assert result.degraded_minutes == 60
    assert result.points == 60


def test_a_point_in_local_time_covers_a_real_minute_across_the_fall_back():
    # 01:59 EDT, then nothing until 01:30 EST (half an hour later in real time): the point
    # stands for one real minute. Adding a minute to 01:59 EDT on New York's clock would
    # give 02:00 EST, an hour and a minute later, and swallow the gap.
    before = datetime(2026, 11, 1, 5, 59, tzinfo=UTC).astimezone(NEW_YORK)
    after = datetime(2026, 11, 1, 6, 30, tzinfo=UTC).astimezone(NEW_YORK)
    data = series([(before, 500.0), (after, 500.0)], step=MINUTE)
    until = datetime(2026, 11, 1, 6, 40, tzinfo=UTC)
    counted = degraded_minutes(data, limit=1, since=before, until=until, as_of=until)
    assert counted == 2


def test_it_accepts_points_in_any_time_zone_as_the_same_instants():
    local = [(START.astimezone(NEW_YORK) + i * MINUTE, 1.0) for i in range(3)]
    assert series(local).points == minutes([1.0] * 3).points


def test_it_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="naive"):
        series([(datetime(2026, 1, 1), 1.0)])


def test_it_takes_nan_as_a_null_and_keeps_one_point_per_instant():
    data = series([(START, float("nan")), (START + MINUTE, 1.0), (START + MINUTE, 2.0)])
    assert data.points == ((START, None), (START + MINUTE, 2.0))


# --- against an independent computation ---------------------------------------------------


def brute_force_degraded(values, step_minutes, limit, span_minutes, as_of_minute):
    """Walk minute by minute: a minute is degraded when the latest point at or before it,
    no more than a step old, has a value above the limit."""
    count = 0
    for minute in range(min(span_minutes, as_of_minute)):
        latest = None
        for index, (offset, value) in enumerate(values):
            if offset <= minute:
                latest = (offset, value)
        if latest is None:
            continue
        offset, value = latest
        if value is not None and minute < offset + step_minutes and value > limit:
            count += 1
    return count


offsets_and_values = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=180),
        st.one_of(st.none(), st.floats(min_value=0, max_value=1000)),
    ),
    max_size=60,
    unique_by=lambda pair: pair[0],
)


@quick
@given(
    offsets_and_values,
    st.integers(min_value=1, max_value=10),
    st.floats(min_value=0, max_value=1000),
    st.integers(min_value=0, max_value=200),
)
def test_it_agrees_with_a_minute_by_minute_count(pairs, step_minutes, limit, as_of_minute):
    pairs = sorted(pairs)
    data = series([(START + o * MINUTE, v) for o, v in pairs], step=step_minutes * MINUTE)
    counted = degraded_minutes(
        data,
        limit=limit,
        since=START,
        until=START + 150 * MINUTE,
        as_of=START + as_of_minute * MINUTE,
    )
    assert counted == brute_force_degraded(pairs, step_minutes, limit, 150, as_of_minute)


@quick
@given(offsets_and_values, st.integers(min_value=1, max_value=10))
def test_points_never_cover_more_than_their_step_nor_overlap(pairs, step_minutes):
    data = series([(START + o * MINUTE, v) for o, v in pairs], step=step_minutes * MINUTE)
    spans = coverage(data)
    for (_, end, _), (next_start, _, _) in zip(spans, spans[1:], strict=False):
        assert end <= next_start
    assert all(timedelta(0) < end - start <= step_minutes * MINUTE for start, end, _ in spans)


@quick
@given(offsets_and_values, offsets_and_values, st.none() | st.floats(min_value=0, max_value=500))
def test_degraded_minutes_never_exceed_the_minutes_measured(pairs, baseline_pairs, threshold):
    data = series([(START + o * MINUTE, v) for o, v in pairs], step=MINUTE)
    baseline = series([(START - WEEK + o * MINUTE, v) for o, v in baseline_pairs], step=MINUTE)
    result = performance(
        data,
        baseline,
        started=START,
        ended=START + 120 * MINUTE,
        since=START - 30 * MINUTE,
        until=START + 150 * MINUTE,
        as_of=START + 200 * MINUTE,
        threshold=threshold,
    )
    if isinstance(result, NotEnoughData):
        return
    assert 0 <= result.degraded_minutes <= result.measured_minutes <= 180
    assert result.mean <= result.worst


# --- the sparkline's points -------------------------------------------------------------


def test_it_downsamples_keeping_spikes_and_gaps():
    values = [1.0] * 60 + [None] * 60 + [1.0] * 30 + [9.0] + [1.0] * 29
    kept = downsample(minutes(values), buckets=18)
    assert len(kept) == 18
    assert max(v for _, v in kept if v is not None) == 9.0
    assert None in [v for _, v in kept]


def test_it_leaves_a_short_series_as_it_is():
    data = minutes([1.0, None, 2.0])
    assert downsample(data, buckets=10) == data.points

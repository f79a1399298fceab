"""`parse_instant`: every upstream timestamp read the same way, whichever vendor sent it."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_site.integrations.timestamps import isoformat_z, parse_instant


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-11T18:30:00Z", datetime(2026, 3, 11, 18, 30, tzinfo=UTC)),
        ("2026-03-11T18:30:00+00:00", datetime(2026, 3, 11, 18, 30, tzinfo=UTC)),
        ("2026-03-11T18:30:00.123Z", datetime(2026, 3, 11, 18, 30, 0, 123000, tzinfo=UTC)),
        ("2026-03-11T14:30:00-04:00", datetime(2026, 3, 11, 18, 30, tzinfo=UTC)),
        ("  2026-03-11T18:30:00Z\n", datetime(2026, 3, 11, 18, 30, tzinfo=UTC)),
    ],
    ids=["z", "offset-zero", "fraction", "new-york", "spaces"],
)
def test_it_reads_any_offset_as_the_same_instant_in_utc(raw, expected):
    parsed = parse_instant(raw)

    assert parsed == expected
    assert parsed.tzinfo is UTC


def test_it_reads_both_sides_of_a_dst_change_by_their_offsets():
    # New York springs forward at 2026-03-08 02:00 EST: 01:59 EST and 03:00 EDT are a
    # minute apart in real time, not an hour and a minute.
    before = parse_instant("2026-03-08T01:59:00-05:00")
    after = parse_instant("2026-03-08T03:00:00-04:00")

    assert after - before == timedelta(minutes=1)
    assert before == datetime(2026, 3, 8, 6, 59, tzinfo=UTC)


def test_it_reads_a_value_without_offset_as_utc():
    assert parse_instant("2026-03-11T18:30:00") == datetime(2026, 3, 11, 18, 30, tzinfo=UTC)


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_value_is_none(missing):
    assert parse_instant(missing) is None


@pytest.mark.parametrize(
    "garbage",
    ["yesterday", "2026-02-30T00:00:00Z", "2026-03-11T25:00:00Z", 1772951400, 17.5, True, ["x"]],
    ids=["words", "no-such-day", "no-such-hour", "epoch", "float", "bool", "list"],
)
def test_it_refuses_what_is_not_a_timestamp(garbage):
    with pytest.raises(ValueError, match="not a timestamp"):
        parse_instant(garbage)


@given(
    st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30))]
        ),
    )
)
def test_it_reads_back_any_instant_written_in_iso_8601(moment):
    assert parse_instant(moment.isoformat()) == moment
    assert parse_instant(isoformat_z(moment)) == moment.replace(microsecond=0)


def test_it_writes_what_the_apis_accept_and_refuses_a_naive_datetime():
    eastern = timezone(timedelta(hours=-4))

    assert isoformat_z(datetime(2026, 3, 11, 14, 30, tzinfo=eastern)) == "2026-03-11T18:30:00Z"
    with pytest.raises(ValueError, match="naive"):
        isoformat_z(datetime(2026, 3, 11, 18, 30))


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+14:00",  # not a datetime in UTC at all
        "9999-12-31T23:59:59-14:00",
        "1899-12-31T23:59:59Z",
        "3000-01-01T00:00:00Z",
    ],
)
def test_an_instant_out_of_range_is_unreadable_not_an_overflow(value):
    with pytest.raises(ValueError, match="between 1900 and 2999"):
        parse_instant(value)

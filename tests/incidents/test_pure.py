"""Window parsing, the chart's geometry and duration wording: no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.charts import Point, bar_chart, nice_ceiling
from incidents.inbound import severity_from_text, yes_no
from incidents.templatetags.incident_format import duration
from incidents.windows import WindowError, isoformat_utc, parse_instant, parse_window

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-07T05:00:00Z", datetime(2026, 1, 7, 5, tzinfo=UTC)),
        ("2026-01-07T00:00:00-05:00", datetime(2026, 1, 7, 5, tzinfo=UTC)),
        ("2026-01-07T00:00:00 05:00", datetime(2026, 1, 6, 19, tzinfo=UTC)),  # unencoded +
        ("2026-01-07", datetime(2026, 1, 7, 5, tzinfo=UTC)),  # EST midnight
        ("2026-07-07", datetime(2026, 7, 7, 4, tzinfo=UTC)),  # EDT midnight
        ("2026-03-08T03:30", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # naive: team clock
        (" 2026-01-07T05:00:00.250Z ", datetime(2026, 1, 7, 5, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_it_reads_instants_and_dates(raw, expected):
    assert parse_instant(raw, "since", NEW_YORK) == expected


@pytest.mark.parametrize("raw", ["", None, "yesterday", "2026-13-01", "1736226000"])
def test_it_refuses_what_is_not_an_instant(raw):
    with pytest.raises(WindowError, match="since"):
        parse_instant(raw, "since", NEW_YORK)


def test_it_refuses_an_empty_or_reversed_window():
    with pytest.raises(WindowError, match="must be after since"):
        parse_window("2026-01-07", "2026-01-07", NEW_YORK)
    window = parse_window("2026-03-04", "2026-03-18", NEW_YORK)
    assert window.until - window.since == timedelta(days=14, hours=-1)  # spring forward


def test_it_writes_utc_instants_with_a_z():
    assert isoformat_utc(datetime(2026, 1, 7, tzinfo=NEW_YORK)) == "2026-01-07T05:00:00Z"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "—"),
        (0, "0 s"),
        (42.4, "42 s"),
        (60, "1 min"),
        (3600, "1 h"),
        (3900, "1 h 5 min"),
        (86400, "1 d"),
        (200000, "2 d 7 h"),
        (timedelta(minutes=90), "1 h 30 min"),
    ],
)
def test_it_words_durations(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (0.3, 0.5), (1, 1), (1.2, 2), (2.1, 2.5), (7, 10), (11, 20)]
)
def test_it_rounds_the_axis_up_to_a_nice_number(value, ceiling):
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_it_lays_out_bars_proportionally_with_gaps_for_nothing_measured():
    chart = bar_chart(
        [
            Point("S1", 3 * 3600, "/a", "Sprint 1"),
            Point("S2", None, "/b", "Sprint 2"),
            Point("S3", 9000, "/c", "Sprint 3"),
        ]
    )
    first, empty, third = chart.bars
    assert chart.unit == "h"
    assert chart.ticks[-1].text == "5 h"  # 3 h rounds up to a 5 h axis
    assert first.height == pytest.approx((chart.baseline - 24) * 3 / 5, abs=0.1)
    assert third.height == pytest.approx(first.height * 2.5 / 3, abs=0.1)
    assert empty.height == 0 and empty.value_text == "—" and empty.empty
    assert first.x < empty.x < third.x
    assert (first.value_text, third.value_text) == ("3 h", "2.5 h")


def test_it_switches_to_minutes_for_short_repairs():
    chart = bar_chart([Point("S1", 1500, "/a", "x")])
    assert chart.unit == "min" and chart.bars[0].value_text == "25 min"


def test_it_draws_an_empty_chart():
    chart = bar_chart([Point("S1", None, "/a", "x")])
    assert chart.bars[0].height == 0 and chart.ticks[-1].text == "1 min"


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("SEV2", "SEV2"),
        ("sev 1", "SEV1"),
        ("2 (major)", "SEV2"),
        ("Severity 4", "SEV4"),
        ("SEV5", None),
        ("critical", None),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_a_typed_severity(text, severity):
    assert severity_from_text(text) == severity


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Y", True),
        ("yes", True),
        (True, True),
        ("N", False),
        ("No", False),
        ("maybe", None),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_yes_and_no(text, answer):
    assert yes_no(text) is answer

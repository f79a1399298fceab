"""The capacity rules (`oncall_site.capacity`): bands of pages, the load score, who can help."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_site.capacity import (
    BANDS,
    BUSINESS,
    EVENING,
    NIGHT,
    Load,
    band,
    next_free,
    pages_by_band,
    score,
)
from rotations.proposals import Candidate

NY = ZoneInfo("America/New_York")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (local(2026, 3, 9, 7, 59), NIGHT),  # Monday, before the day starts
        (local(2026, 3, 9, 8, 0), BUSINESS),
        (local(2026, 3, 9, 17, 59), BUSINESS),
        (local(2026, 3, 9, 18, 0), EVENING),
        (local(2026, 3, 9, 21, 59), EVENING),
        (local(2026, 3, 9, 22, 0), NIGHT),
        (local(2026, 3, 14, 10, 0), EVENING),  # Saturday daytime
        (local(2026, 3, 15, 23, 0), NIGHT),  # Sunday night
        (local(2026, 12, 31, 23, 59), NIGHT),
        (local(2027, 1, 1, 9, 0), BUSINESS),  # New Year's Day is a Friday: no holiday rule
    ],
)
def test_a_page_is_banded_by_the_teams_wall_clock(at, expected):
    assert band(at.astimezone(UTC), NY) == expected


def test_the_repeated_hour_when_clocks_go_back_is_night_both_times():
    first = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = first + timedelta(hours=1)  # 01:30 EST
    assert [band(first, NY), band(second, NY)] == [NIGHT, NIGHT]
    # The Monday after, 08:00 EST is 13:00 UTC (it was 12:00 UTC the week before).
    assert band(datetime(2026, 11, 2, 12, 30, tzinfo=UTC), NY) == NIGHT
    assert band(datetime(2026, 11, 2, 13, 0, tzinfo=UTC), NY) == BUSINESS


def test_the_monday_after_clocks_go_forward_starts_business_at_12_utc():
    assert band(datetime(2026, 3, 9, 11, 59, tzinfo=UTC), NY) == NIGHT
    assert band(datetime(2026, 3, 9, 12, 0, tzinfo=UTC), NY) == BUSINESS


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        band(datetime(2026, 3, 9, 12, 0), NY)


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    )
)
def test_every_page_has_one_band_and_it_follows_the_local_hour(instant):
    got = band(instant, NY)
    assert got in BANDS
    hour = instant.astimezone(NY).hour
    assert (got == NIGHT) == (hour >= 22 or hour < 8)


def test_pages_are_counted_per_band():
    pages = [
        local(2026, 3, 9, 9),
        local(2026, 3, 9, 23),
        local(2026, 3, 10, 2),
        local(2026, 3, 14, 12),
    ]
    assert pages_by_band(pages, NY) == {BUSINESS: 1, EVENING: 1, NIGHT: 2}
    assert pages_by_band([], NY) == {BUSINESS: 0, EVENING: 0, NIGHT: 0}


def test_the_score_weighs_severity_nights_and_the_rest_and_says_why():
    load = Load(
        open_by_severity={"SEV1": 1, "SEV2": 1, "SEV3": 2, "": 1},
        pages={BUSINESS: 9, EVENING: 2, NIGHT: 3},
        pending_deploys=2,
        secrel_red=True,
        findings_overdue=11,
        prs_waiting=4,
    )
    result = score(load)
    # 5 + 3 + 3 others + 6 nights + 2 evenings + 2 deploys + 3 SecRel + 2 (11 past SLA) + 0
    assert result.total == 26
    assert result.parts[0] == ("3 night pages", 6)
    assert "4 Dependabot PRs waiting" not in dict(result.parts)  # under five: no point
    assert dict(result.parts)["11 findings past their SLA"] == 2
    assert dict(result.parts)["1 open SEV1 incident"] == 5


def test_nothing_carried_scores_nothing():
    assert score(Load(open_by_severity={}, pages={})).total == 0


def test_the_next_free_engineer_has_gone_longest_without_being_on_call():
    today = date(2026, 3, 11)
    people = [
        Candidate(1, "Primary"),
        Candidate(2, "Secondary"),
        Candidate(3, "Casey"),
        Candidate(4, "Bea"),
        Candidate(5, "Away", unavailable_from=date(2026, 3, 9), unavailable_to=date(2026, 3, 13)),
        Candidate(6, "Gone", active=False),
    ]
    last = {1: date(2026, 3, 11), 2: date(2026, 3, 11), 3: date(2026, 1, 14), 4: date(2026, 2, 1)}
    assert next_free(people, last, pair={1, 2}, today=today).name == "Casey"
    people.append(Candidate(7, "Never"))
    assert next_free(people, last, pair={1, 2}, today=today).name == "Never"
    back = date(2026, 3, 14)  # the day after their absence
    assert next_free(people, last, pair={1, 2}, today=back).name == "Away"  # never; A < N
    assert next_free(people[:2], last, pair={1, 2}, today=today) is None


def test_fairness_counts_real_hours_and_the_primarys_pages_by_band():
    from oncall_site.capacity import Duty, fairness

    # Sprint 1 spans the spring-forward night: 14 local days are 335 real hours.
    s1 = Duty(1, local(2026, 3, 4, 0, 0), local(2026, 3, 18, 0, 0), "Ana", "Ben")
    s2 = Duty(2, local(2026, 3, 18, 0, 0), local(2026, 4, 1, 0, 0), "Ben", "Cy")
    pages = [
        local(2026, 3, 5, 23, 0),  # night, Ana's
        local(2026, 3, 14, 11, 0),  # Saturday: evening band, Ana's
        local(2026, 3, 18, 0, 0),  # the first instant of sprint 2: Ben's, night
        local(2026, 3, 19, 10, 0),  # business, Ben's
        local(2026, 4, 1, 0, 0),  # after both: nobody's
    ]
    rows = {r.name: r for r in fairness([s2, s1], pages, NY)}
    assert rows["Ana"].hours_on_call == 335
    assert rows["Ben"].hours_on_call == 335 + 336
    assert (rows["Ben"].sprints_primary, rows["Ben"].sprints_secondary) == (1, 1)
    assert rows["Ana"].pages == {BUSINESS: 0, EVENING: 1, NIGHT: 1}
    assert rows["Ben"].pages == {BUSINESS: 1, EVENING: 0, NIGHT: 1}
    assert rows["Cy"].out_of_hours == 0 and rows["Cy"].hours_on_call == 336
    assert [r.name for r in fairness([s2, s1], pages, NY)] == ["Ana", "Ben", "Cy"]
    assert fairness([], pages, NY) == []

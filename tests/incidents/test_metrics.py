"""Incident metrics against hand-computed figures; no database, the time is passed in."""

import json
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incidents.metrics import (
    PERCENTILE_METHOD,
    Impact,
    IncidentFacts,
    in_window,
    incident_metrics,
    metrics_trend,
    partner_impact_minutes,
    percentile,
    started_in_window,
    to_json,
)

NEW_YORK = ZoneInfo("America/New_York")
# Sprint of 2026-01-07..2026-01-20, local midnights in New York (EST, UTC-5).
SINCE = datetime(2026, 1, 7, 5, tzinfo=UTC)
UNTIL = datetime(2026, 1, 21, 5, tzinfo=UTC)
AS_OF = datetime(2026, 1, 25, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

# The autouse no-internet fixture is harmless to share between examples; no example
# database, so runs leave no files in the tree.
quick = settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant in January 2026, UTC."""
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def incident(
    id: int,
    started: datetime,
    *,
    ack_after: float | None = None,
    resolve_after: float | None = None,
    **kwargs,
) -> IncidentFacts:
    """An incident acknowledged / resolved a number of minutes after it started."""
    acknowledged = None if ack_after is None else started + ack_after * MINUTE
    resolved = None if resolve_after is None else started + resolve_after * MINUTE
    return IncidentFacts(
        id=id, started=started, acknowledged=acknowledged, resolved=resolved, **kwargs
    )


def metrics(incidents, *, since=SINCE, until=UNTIL, as_of=AS_OF):
    return incident_metrics(incidents, since=since, until=until, as_of=as_of)


# --- MTTR and its percentiles ----------------------------------------------------------


def test_it_computes_mttr_mean_median_and_p90_by_hand():
    result = metrics(
        [
            incident(1, at(8, 10), resolve_after=10, severity="SEV2"),
            incident(2, at(9, 10), resolve_after=20, severity="SEV3"),
            incident(3, at(10, 10), resolve_after=60, severity="SEV3"),
        ]
    )
    assert result.resolved_count == 3
    assert result.mttr_seconds == 1800  # (600 + 1200 + 3600) / 3
    assert result.mttr_median_seconds == 1200
    # Linear interpolation: position (3 - 1) * 0.9 = 1.8, so 1200 + 0.8 * (3600 - 1200).
    assert result.mttr_p90_seconds == pytest.approx(3120)


def test_it_uses_linear_interpolation_for_p90_not_nearest_rank():
    assert PERCENTILE_METHOD == "linear"
    durations = [float(minutes * 60) for minutes in range(1, 11)]  # 1..10 minutes
    # Position 9 * 0.9 = 8.1 between 9 and 10 minutes: 546 s (nearest rank would say 540).
    assert percentile(durations, 90) == pytest.approx(546)
    assert percentile([float(n) for n in range(11)], 90) == pytest.approx(9)


def test_it_takes_the_mean_of_the_middle_two_as_the_median_of_an_even_count():
    result = metrics(
        [
            incident(n, at(8 + n, 12), resolve_after=minutes)
            for n, minutes in enumerate([10, 20, 30, 100])
        ]
    )
    assert result.mttr_median_seconds == 25 * 60
    assert result.mttr_seconds == 40 * 60


def test_it_gives_one_resolved_incident_as_mean_median_and_p90():
    result = metrics([incident(1, at(8), resolve_after=45)])
    assert result.mttr_seconds == result.mttr_median_seconds == result.mttr_p90_seconds == 2700


@quick
@given(st.lists(st.floats(min_value=0, max_value=1e7), min_size=2, max_size=50))
def test_it_agrees_with_pythons_inclusive_quantiles_and_median(values):
    assert percentile(values, 90) == pytest.approx(
        statistics.quantiles(values, n=10, method="inclusive")[8], rel=1e-9, abs=1e-6
    )
    assert percentile(values, 50) == pytest.approx(statistics.median(values), rel=1e-9, abs=1e-6)


def test_it_rejects_a_percentile_outside_0_to_100():
    with pytest.raises(ValueError, match="0..100"):
        percentile([1.0], 101)


# --- open, resolved after as_of, acknowledgements --------------------------------------


def test_it_excludes_open_incidents_from_mttr_and_counts_them():
    result = metrics(
        [
            incident(1, at(8), resolve_after=30),
            incident(2, at(9), ack_after=5),
            incident(3, at(10)),
        ]
    )
    assert result.mttr_seconds == 1800
    assert result.resolved_count == 1
    assert result.open_count == 2
    assert result.open_ids == (2, 3)
    assert result.incident_count == 3


def test_it_counts_a_resolution_after_as_of_as_open():
    as_of = at(12, 12)
    result = metrics(
        [
            incident(1, at(12, 10), resolve_after=60),  # resolved 11:00, before as_of
            incident(2, at(12, 11), resolve_after=120),  # resolved 13:00, after as_of
        ],
        as_of=as_of,
    )
    assert result.resolved_count == 1
    assert result.open_count == 1
    assert result.mttr_seconds == 3600


def test_it_counts_a_resolution_exactly_at_as_of_as_resolved():
    result = metrics([incident(1, at(12, 10), resolve_after=60)], as_of=at(12, 11))
    assert result.resolved_count == 1
    assert result.mttr_seconds == 3600


def test_it_ignores_incidents_that_start_after_as_of():
    # Metrics as of the middle of the sprint know nothing of later incidents.
    result = metrics(
        [incident(1, at(8), resolve_after=10), incident(2, at(15), resolve_after=10)],
        as_of=at(12),
    )
    assert result.incident_count == 1
    assert result.resolved_ids == (1,)


def test_it_averages_mtta_over_acknowledged_incidents_only():
    result = metrics(
        [
            incident(1, at(8), ack_after=2, resolve_after=30),
            incident(2, at(9), ack_after=10),
            incident(3, at(10), resolve_after=15),  # resolved without an acknowledgement
            incident(4, at(11)),  # never acknowledged
        ]
    )
    assert result.mtta_seconds == 360  # (120 + 600) / 2, not (120 + 600 + 0 + 0) / 4
    assert result.acknowledged_count == 2
    assert result.unacknowledged_count == 2
    assert result.unacknowledged_ids == (3, 4)


def test_it_treats_an_acknowledgement_after_as_of_as_none_yet():
    result = metrics([incident(1, at(12, 10), ack_after=30)], as_of=at(12, 10, 20))
    assert result.unacknowledged_count == 1
    assert result.mtta_seconds is None


# --- None, never 0 -----------------------------------------------------------------------


def test_it_reports_none_not_zero_when_nothing_started():
    result = metrics([])
    payload = to_json(result)
    for key in ("mttr_seconds", "mttr_median_seconds", "mttr_p90_seconds", "mtta_seconds"):
        assert payload[key] is None
    assert payload["resolved_count"] == payload["open_count"] == 0
    assert payload["unacknowledged_count"] == 0
    assert payload["by_severity"] == {"SEV1": 0, "SEV2": 0, "SEV3": 0, "SEV4": 0}
    assert payload["partner_impact_minutes"] == {}


def test_it_reports_none_mttr_when_every_incident_is_open():
    result = metrics([incident(1, at(8), ack_after=3), incident(2, at(9))])
    assert result.mttr_seconds is None
    assert result.mttr_median_seconds is None
    assert result.mttr_p90_seconds is None
    assert result.mtta_seconds == 180
    assert result.open_count == 2


def test_it_reports_none_mtta_when_nothing_was_acknowledged():
    result = metrics([incident(1, at(8), resolve_after=5)])
    assert result.mtta_seconds is None
    assert result.unacknowledged_count == 1
    assert result.mttr_seconds == 300


def test_it_reports_a_zero_duration_as_zero():
    # Resolved the instant it started: a measured 0, not an undefined figure.
    result = metrics([incident(1, at(8), ack_after=0, resolve_after=0)])
    assert result.mttr_seconds == 0
    assert result.mtta_seconds == 0


# --- the window ---------------------------------------------------------------------------


def test_it_selects_incidents_that_started_in_the_half_open_window():
    before = incident(1, SINCE - timedelta(microseconds=1), resolve_after=60 * 24)
    first = incident(2, SINCE, resolve_after=10)
    last = incident(3, UNTIL - timedelta(microseconds=1), resolve_after=20)
    after = incident(4, UNTIL, resolve_after=30)
    everything = [before, first, last, after]
    assert [in_window(f, SINCE, UNTIL) for f in everything] == [False, True, True, False]
    assert started_in_window(everything, SINCE, UNTIL) == (first, last)
    result = metrics(everything)
    assert result.resolved_ids == (2, 3)
    assert result.mttr_seconds == 900


def test_it_counts_an_incident_started_in_the_window_and_resolved_after_it():
    # Started on the last evening of the sprint, resolved in the next one: it is this sprint's.
    late = incident(1, UNTIL - timedelta(hours=1), resolve_after=180)
    assert metrics([late]).mttr_seconds == 3 * 3600
    next_sprint = metrics([late], since=UNTIL, until=UNTIL + timedelta(days=14))
    assert next_sprint.incident_count == 0


def test_it_accepts_the_window_in_any_time_zone():
    local_since = SINCE.astimezone(NEW_YORK)
    local_until = UNTIL.astimezone(NEW_YORK)
    incidents = [incident(1, SINCE, resolve_after=10), incident(2, UNTIL, resolve_after=10)]
    assert metrics(incidents, since=local_since, until=local_until) == metrics(incidents)


def test_it_rejects_a_window_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        metrics([], since=UNTIL, until=SINCE)


# --- DST --------------------------------------------------------------------------------


def test_it_measures_the_spring_forward_night_in_utc():
    # 2026-03-08 01:30 EST to 03:30 EDT: the clocks skip 02:00-03:00, so one hour passed.
    started = datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)
    resolved = datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)
    facts = IncidentFacts(id=1, started=started, acknowledged=started, resolved=resolved)
    since = datetime(2026, 3, 8, tzinfo=NEW_YORK)
    until = datetime(2026, 3, 9, tzinfo=NEW_YORK)
    result = incident_metrics([facts], since=since, until=until, as_of=until)
    assert result.mttr_seconds == 3600


def test_it_measures_the_fall_back_night_in_utc():
    # 2026-11-01 01:30 EDT to 01:30 EST (the repeated hour): same wall clock, one hour apart.
    started = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    resolved = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)
    impact = Impact(team="Benefits", start=started, end=resolved)
    facts = IncidentFacts(id=1, started=started, resolved=resolved, impacts=(impact,))
    since = datetime(2026, 11, 1, tzinfo=NEW_YORK)
    until = datetime(2026, 11, 2, tzinfo=NEW_YORK)
    result = incident_metrics([facts], since=since, until=until, as_of=until)
    assert result.mttr_seconds == 3600
    assert result.partner_impact_minutes == {"Benefits": 60}


def test_it_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        IncidentFacts(id=1, started=datetime(2026, 1, 8))
    with pytest.raises(ValueError, match="timezone-aware"):
        Impact(team="Benefits", start=datetime(2026, 1, 8))
    with pytest.raises(ValueError, match="as_of must be timezone-aware"):
        metrics([], as_of=datetime(2026, 1, 25))
    with pytest.raises(ValueError, match="since must be timezone-aware"):
        metrics([], since=datetime(2026, 1, 7))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resolved": at(7, 23)}, "resolved before it started"),
        ({"acknowledged": at(7, 23)}, "acknowledged before it started"),
        ({"severity": "SEV5"}, "unknown severity"),
        ({"severity": "sev1"}, "unknown severity"),
    ],
)
def test_it_rejects_inconsistent_facts(kwargs, message):
    with pytest.raises(ValueError, match=message):
        IncidentFacts(id=7, started=at(8), **kwargs)


def test_it_rejects_an_impact_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="ends before it starts"):
        Impact(team="Benefits", start=at(8, 12), end=at(8, 11))


# --- canceled incidents -------------------------------------------------------------------


def test_it_counts_canceled_incidents_apart_from_everything_else():
    canceled = incident(
        2,
        at(9),
        ack_after=1,
        resolve_after=1000,
        severity="SEV1",
        source="datadog",
        canceled=True,
        impacts=(Impact(team="Benefits", start=at(9), end=at(9, 5)),),
    )
    open_canceled = incident(3, at(10), severity="SEV2", canceled=True)
    result = metrics([incident(1, at(8), ack_after=4, resolve_after=20), canceled, open_canceled])
    assert result.canceled_count == 2
    assert result.canceled_ids == (2, 3)
    assert result.incident_count == 1
    assert result.mttr_seconds == 1200
    assert result.mtta_seconds == 240
    assert result.open_count == 0
    assert result.unacknowledged_count == 0
    assert result.by_severity["SEV1"] == result.by_severity["SEV2"] == 0
    assert "datadog" not in result.by_source
    assert result.partner_impact_minutes == {}


# --- counts by severity and source ----------------------------------------------------


def test_it_counts_by_severity_and_source():
    result = metrics(
        [
            incident(1, at(8), severity="SEV1", source="pagerduty"),
            incident(2, at(9), severity="SEV1", source="pagerduty"),
            incident(3, at(10), severity="SEV3", source="slack"),
            incident(4, at(11), severity=None, source="manual"),
            incident(5, at(1), severity="SEV2", source="datadog"),  # before the window
        ]
    )
    assert result.by_severity == {"SEV1": 2, "SEV2": 0, "SEV3": 1, "SEV4": 0, "unknown": 1}
    assert result.by_source == {"manual": 1, "pagerduty": 2, "slack": 1}


# --- partner-team impact ----------------------------------------------------------------


def test_it_counts_overlapping_impacts_on_a_team_once():
    # Two incidents hit Benefits 10:00-11:00 and 10:30-12:00: 120 minutes, not 150.
    first = incident(1, at(8, 10), impacts=(Impact("Benefits", at(8, 10), at(8, 11)),))
    second = incident(2, at(8, 10, 30), impacts=(Impact("Benefits", at(8, 10, 30), at(8, 12)),))
    assert metrics([first, second]).partner_impact_minutes == {"Benefits": 120}


def test_it_keeps_teams_apart():
    both = incident(
        1,
        at(8, 10),
        impacts=(
            Impact("Benefits", at(8, 10), at(8, 11)),
            Impact("Claims", at(8, 10), at(8, 10, 15)),
        ),
    )
    assert metrics([both]).partner_impact_minutes == {"Benefits": 60, "Claims": 15}


def test_it_runs_an_open_impact_and_one_ending_after_as_of_to_as_of():
    as_of = at(8, 11, 45)
    open_impact = incident(1, at(8, 11), impacts=(Impact("Benefits", at(8, 11)),))
    ends_later = incident(2, at(8, 11), impacts=(Impact("Claims", at(8, 11, 30), at(8, 14)),))
    not_yet = incident(3, at(8, 11), impacts=(Impact("Appeals", at(8, 12), at(8, 13)),))
    result = metrics([open_impact, ends_later, not_yet], as_of=as_of)
    assert result.partner_impact_minutes == {"Benefits": 45, "Claims": 15}


def test_it_clips_impact_to_the_window_including_incidents_started_before_it():
    # Started an hour before the sprint, still hurting Benefits 30 minutes into it.
    earlier = incident(
        1,
        SINCE - timedelta(hours=1),
        impacts=(Impact("Benefits", SINCE - timedelta(hours=1), SINCE + 30 * MINUTE),),
    )
    # Started in the sprint, impact running 20 minutes past its end.
    later = incident(
        2,
        UNTIL - timedelta(hours=1),
        impacts=(Impact("Claims", UNTIL - timedelta(hours=1), UNTIL + 20 * MINUTE),),
    )
    result = metrics([earlier, later])
    assert result.incident_count == 1
    assert result.partner_impact_minutes == {"Benefits": 30, "Claims": 60}


def test_it_leaves_out_teams_without_impact_in_the_window():
    old = incident(1, at(1), impacts=(Impact("Benefits", at(1), at(2)),))
    assert metrics([old]).partner_impact_minutes == {}


def test_it_gives_partner_impact_on_its_own():
    incidents = [
        incident(1, at(8), impacts=(Impact("Benefits", at(8), at(8, 1)),)),
        incident(2, at(8), canceled=True, impacts=(Impact("Benefits", at(8, 2), at(8, 3)),)),
    ]
    assert partner_impact_minutes(incidents, since=SINCE, until=UNTIL, as_of=AS_OF) == {
        "Benefits": 60
    }


# --- trend and JSON ---------------------------------------------------------------------


def test_it_gives_one_point_per_window_for_the_trend():
    sprint = timedelta(days=14)
    windows = [
        ("Sprint 1", SINCE, UNTIL),
        ("Sprint 2", UNTIL, UNTIL + sprint),
        ("Sprint 3", UNTIL + sprint, UNTIL + 2 * sprint),
    ]
    incidents = [
        incident(1, at(8), resolve_after=10),
        incident(2, at(22), resolve_after=30),
        incident(3, at(23), resolve_after=60),
    ]
    trend = metrics_trend(incidents, windows, as_of=UNTIL + 2 * sprint)
    assert [point.label for point in trend] == ["Sprint 1", "Sprint 2", "Sprint 3"]
    assert [point.metrics.mttr_seconds for point in trend] == [600, 2700, None]
    assert trend[1].since == UNTIL
    assert trend[1].metrics == metrics(
        incidents, since=UNTIL, until=UNTIL + sprint, as_of=UNTIL + 2 * sprint
    )


def test_it_serializes_to_json_with_the_contract_keys():
    result = metrics(
        [
            incident(
                1,
                at(8),
                ack_after=1,
                resolve_after=30,
                severity="SEV2",
                source="pagerduty",
                impacts=(Impact("Benefits", at(8), at(8, 0, 30)),),
            ),
            incident(2, at(9), severity="SEV4", source="slack"),
            incident(3, at(9), canceled=True),
        ]
    )
    payload = to_json(result)
    contract = {
        "mttr_seconds",
        "mttr_median_seconds",
        "mttr_p90_seconds",
        "mtta_seconds",
        "resolved_count",
        "open_count",
        "unacknowledged_count",
        "by_severity",
        "partner_impact_minutes",
    }
    assert contract <= set(payload)
    assert set(payload) - contract == {
        "incident_count",
        "acknowledged_count",
        "canceled_count",
        "by_source",
    }
    assert json.loads(json.dumps(payload)) == {
        "mttr_seconds": 1800.0,
        "mttr_median_seconds": 1800.0,
        "mttr_p90_seconds": 1800.0,
        "mtta_seconds": 60.0,
        "resolved_count": 1,
        "open_count": 1,
        "unacknowledged_count": 1,
        "by_severity": {"SEV1": 0, "SEV2": 1, "SEV3": 0, "SEV4": 1},
        "partner_impact_minutes": {"Benefits": 30.0},
        "incident_count": 2,
        "acknowledged_count": 1,
        "canceled_count": 1,
        "by_source": {"pagerduty": 1, "slack": 1},
    }


# --- invariants ---------------------------------------------------------------------------

minutes = st.integers(min_value=0, max_value=60 * 24 * 20)
facts_strategy = st.builds(
    lambda n, start, ack, resolve, canceled: incident(
        n,
        SINCE - timedelta(days=3) + start * MINUTE,
        ack_after=ack,
        resolve_after=resolve,
        canceled=canceled,
    ),
    st.integers(),
    minutes,
    st.none() | st.integers(min_value=0, max_value=600),
    st.none() | st.integers(min_value=0, max_value=6000),
    st.booleans(),
)


@quick
@given(st.lists(facts_strategy, max_size=30), minutes)
def test_it_keeps_its_counts_consistent(incidents, as_of_minute):
    as_of = SINCE + as_of_minute * MINUTE
    result = metrics(incidents, as_of=as_of)
    assert result.incident_count == result.resolved_count + result.open_count
    assert result.incident_count == result.acknowledged_count + result.unacknowledged_count
    assert (
        result.incident_count == sum(result.by_severity.values()) == sum(result.by_source.values())
    )
    assert (result.mttr_seconds is None) == (result.resolved_count == 0)
    assert (result.mtta_seconds is None) == (result.acknowledged_count == 0)
    if result.mttr_seconds is not None:
        assert result.mttr_median_seconds is not None and result.mttr_p90_seconds is not None
        assert result.mttr_median_seconds <= result.mttr_p90_seconds + 1e-6
        assert result.mttr_seconds >= 0

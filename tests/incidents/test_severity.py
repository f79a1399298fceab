"""Severity from PagerDuty, urgency, and the 30-minute update rule for SEV1-2."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents.metrics import is_urgent, severity_from_pagerduty, update_overdue

STARTED = datetime(2026, 1, 8, 10, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("priority", "expected"),
    [("P1", "SEV1"), ("P2", "SEV2"), ("P3", "SEV3"), ("P4", "SEV4"), ("P5", "SEV4")],
)
def test_it_maps_pagerduty_priorities_by_default(priority, expected):
    # Urgency disagrees on purpose: the priority wins when it is known.
    assert (
        severity_from_pagerduty(priority, "low" if expected in {"SEV1", "SEV2"} else "high")
        == expected
    )


@pytest.mark.parametrize("priority", [" p1 ", "p1", "P1\n"])
def test_it_matches_priority_names_ignoring_case_and_spaces(priority):
    assert severity_from_pagerduty(priority, "low") == "SEV1"


@pytest.mark.parametrize(
    ("priority", "urgency", "expected"),
    [
        (None, "high", "SEV2"),
        (None, "low", "SEV4"),
        ("P9", "high", "SEV2"),
        ("", "low", "SEV4"),
        (None, "HIGH", "SEV2"),
    ],
)
def test_it_falls_back_to_urgency_for_a_null_or_unknown_priority(priority, urgency, expected):
    assert severity_from_pagerduty(priority, urgency) == expected


@pytest.mark.parametrize("urgency", [None, "", "medium"])
def test_it_takes_a_missing_urgency_as_pagerdutys_default_high(urgency):
    assert severity_from_pagerduty(None, urgency) == "SEV2"


def test_it_uses_a_configured_mapping_instead_of_the_default():
    mapping = {"Critical": "SEV1", "Major": "SEV2", "Minor": "SEV4"}
    assert severity_from_pagerduty("critical", "low", mapping) == "SEV1"
    assert severity_from_pagerduty("Minor", "high", mapping) == "SEV4"
    # The default names are not merged in: P1 is unknown here, so urgency decides.
    assert severity_from_pagerduty("P1", "low", mapping) == "SEV4"


def test_it_rejects_a_mapping_to_an_unknown_severity():
    with pytest.raises(ValueError, match="unknown severity"):
        severity_from_pagerduty("P1", "high", {"P1": "CRITICAL"})


@pytest.mark.parametrize(
    ("severity", "urgent"),
    [("SEV1", True), ("SEV2", True), ("SEV3", False), ("SEV4", False), (None, False)],
)
def test_it_calls_sev1_and_sev2_urgent(severity, urgent):
    assert is_urgent(severity) is urgent


# --- the 30-minute update rule ----------------------------------------------------------


def overdue(severity="SEV1", *, last_update_after=None, resolve_after=None, as_of_after, **kwargs):
    last = None if last_update_after is None else STARTED + last_update_after * MINUTE
    resolved = None if resolve_after is None else STARTED + resolve_after * MINUTE
    return update_overdue(
        severity, last, STARTED, resolved, STARTED + as_of_after * MINUTE, **kwargs
    )


def test_it_is_due_at_30_minutes_and_overdue_after():
    assert not overdue(as_of_after=29)
    assert not overdue(as_of_after=30)
    assert overdue(as_of_after=31)


def test_it_restarts_the_clock_at_the_last_update():
    assert not overdue(last_update_after=20, as_of_after=45)
    assert overdue(last_update_after=20, as_of_after=51)


def test_it_ignores_an_update_after_as_of():
    # Looking back at 10:40, an update written at 10:50 did not exist yet.
    assert overdue(last_update_after=50, as_of_after=40)


@pytest.mark.parametrize("severity", ["SEV3", "SEV4", None])
def test_it_never_asks_non_urgent_incidents_for_updates(severity):
    assert not overdue(severity, as_of_after=600)


def test_it_stops_once_resolved_but_not_before():
    assert not overdue("SEV2", resolve_after=40, as_of_after=90)
    assert overdue("SEV2", resolve_after=120, as_of_after=90)


def test_it_stops_for_a_canceled_incident():
    assert not overdue("SEV1", as_of_after=90, canceled=True)


def test_it_honours_a_custom_interval():
    assert overdue("SEV1", as_of_after=16, every=timedelta(minutes=15))
    assert not overdue("SEV1", as_of_after=14, every=timedelta(minutes=15))


def test_it_is_not_overdue_before_the_incident_started():
    assert not overdue("SEV1", as_of_after=-60)


def test_it_counts_real_minutes_across_the_dst_change():
    # 01:50 EST, as_of 03:10 EDT: 20 minutes have passed, not 80.
    new_york = ZoneInfo("America/New_York")
    started = datetime(2026, 3, 8, 1, 50, tzinfo=new_york)
    as_of = datetime(2026, 3, 8, 3, 10, tzinfo=new_york)
    assert not update_overdue("SEV1", None, started, None, as_of)
    assert update_overdue("SEV1", None, started, None, as_of + 11 * MINUTE)


def test_it_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        update_overdue("SEV1", None, datetime(2026, 1, 8, 10), None, STARTED)

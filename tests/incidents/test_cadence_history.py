"""The rules behind the handoff report's incidents: the SEV1-2 update cadence
(`incidents.cadence`) and what an incident or a monitor was at an instant
(`incidents.history`), on hand-made instants, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.cadence import update_cadence
from incidents.history import Firing, incident_during_firing, latest_firing, state_at

NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 5, 10, tzinfo=UTC)
MIN = timedelta(minutes=1)


def cadence(updates, resolved=None, as_of=T0 + 24 * 60 * MIN, started=T0):
    return update_cadence(started=started, updates=updates, resolved=resolved, as_of=as_of)


def test_it_measures_the_gaps_between_start_updates_and_resolution():
    c = cadence([T0 + 20 * MIN, T0 + 65 * MIN], resolved=T0 + 100 * MIN)
    # Gaps 20, 45, 35 min: two over 30, by 15 and 5.
    assert (c.updates, c.longest_gap_seconds, c.late_updates, c.overdue_seconds) == (
        2,
        2700.0,
        2,
        1200.0,
    )
    assert not c.kept and not c.open_at_as_of


def test_exactly_thirty_minutes_is_on_time():
    c = cadence([T0 + 30 * MIN], resolved=T0 + 60 * MIN)
    assert (c.late_updates, c.kept, c.longest_gap_seconds) == (0, True, 1800.0)
    c = cadence([T0 + 30 * MIN], resolved=T0 + 60 * MIN + timedelta(seconds=1))
    assert (c.late_updates, c.overdue_seconds) == (1, 1.0)


def test_an_open_incident_runs_its_last_gap_to_as_of():
    c = cadence([T0 + 10 * MIN], as_of=T0 + 70 * MIN)
    assert (c.longest_gap_seconds, c.late_updates, c.open_at_as_of) == (3600.0, 1, True)


def test_a_resolution_after_as_of_is_not_known_yet():
    c = cadence([], resolved=T0 + 90 * MIN, as_of=T0 + 20 * MIN)
    assert (c.longest_gap_seconds, c.open_at_as_of, c.kept) == (1200.0, True, True)


def test_updates_outside_the_open_span_say_nothing():
    c = cadence([T0 - 5 * MIN, T0 + 50 * MIN, T0 + 2 * 60 * MIN], resolved=T0 + 60 * MIN)
    assert (c.updates, c.longest_gap_seconds) == (1, 3000.0)


def test_nothing_is_measured_before_the_incident_started():
    assert cadence([], as_of=T0 - MIN) is None


def test_a_dst_night_is_measured_in_real_minutes():
    # 01:40 EST, then 03:05 EDT: 85 minutes on the wall clock, 25 real ones.
    started = datetime(2026, 3, 8, 1, 40, tzinfo=NEW_YORK)
    update = datetime(2026, 3, 8, 3, 5, tzinfo=NEW_YORK)
    resolved = datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)
    c = update_cadence(started=started, updates=[update], resolved=resolved, as_of=resolved)
    assert (c.longest_gap_seconds, c.kept) == (1500.0, True)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="naive"):
        cadence([datetime(2026, 3, 5, 10, 20)])


@given(
    st.lists(st.integers(min_value=0, max_value=600), max_size=12),
    st.integers(min_value=0, max_value=600),
)
def test_the_gaps_add_up_to_the_open_span(offsets, length):
    resolved = T0 + length * MIN
    c = cadence([T0 + n * MIN for n in offsets], resolved=resolved)
    inside = sorted(n for n in offsets if n <= length)
    moments = [0, *inside, length]
    gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
    assert c.updates == len(inside)
    assert c.longest_gap_seconds == max(gaps) * 60
    assert c.late_updates == sum(1 for g in gaps if g > 30)
    assert c.overdue_seconds == sum(g - 30 for g in gaps if g > 30) * 60


# An incident's state at an instant


def state(at, **fields):
    facts = {
        "state": "resolved",
        "acknowledged_at": T0 + 5 * MIN,
        "mitigated_at": T0 + 20 * MIN,
        "resolved_at": T0 + 60 * MIN,
        "canceled_at": None,
    }
    return state_at(**{**facts, **fields}, at=at)


def test_an_incident_passes_through_its_states():
    assert [state(T0 + n * MIN) for n in (0, 5, 19, 20, 59, 60)] == [
        "triggered",
        "acknowledged",
        "acknowledged",
        "mitigated",
        "mitigated",
        "resolved",
    ]


def test_a_canceled_incident_was_open_until_canceled():
    fields = {"state": "canceled", "resolved_at": None, "canceled_at": T0 + 30 * MIN}
    assert state(T0 + 29 * MIN, **fields) == "mitigated"
    assert state(T0 + 30 * MIN, **fields) == "canceled"
    assert state(T0, **{**fields, "canceled_at": None}) == "canceled"


def test_an_open_rows_stray_resolution_is_ignored():
    assert state(T0 + 90 * MIN, state="acknowledged") == "mitigated"


# A monitor's latest firing


def firing(**fields):
    facts = {
        "triggered_at": T0,
        "first_seen_at": T0 + MIN,
        "active": False,
        "last_seen_at": T0 + 45 * MIN,
        "as_of": T0 + 24 * 60 * MIN,
    }
    return latest_firing(**{**facts, **fields})


def test_a_recovered_monitor_fired_from_its_trigger_to_the_syncs_recovery():
    f = firing()
    assert (f.fired, f.recovered, f.seconds(T0 + 10 * 60 * MIN)) == (T0, T0 + 45 * MIN, 2700.0)


def test_without_a_trigger_time_it_fired_when_the_sync_first_saw_it():
    assert firing(triggered_at=None).fired == T0 + MIN


def test_an_active_monitor_is_still_firing_at_as_of():
    f = firing(active=True, as_of=T0 + 90 * MIN)
    assert (f.recovered, f.seconds(T0 + 90 * MIN)) == (None, 5400.0)


def test_a_recovery_after_as_of_is_not_known_yet():
    assert firing(as_of=T0 + 30 * MIN).recovered is None
    assert firing(as_of=T0 - MIN) is None  # it had not fired yet


def test_a_recovery_before_the_firing_reads_as_still_firing():
    assert firing(last_seen_at=T0 - MIN).recovered is None


def test_a_firing_is_clipped_to_the_sprint():
    f = Firing(fired=T0, recovered=T0 + 120 * MIN)
    as_of = T0 + 10 * 60 * MIN
    assert f.seconds_within(T0 + 60 * MIN, T0 + 90 * MIN, as_of) == 1800.0
    assert f.seconds_within(T0 + 3 * 60 * MIN, T0 + 4 * 60 * MIN, as_of) == 0.0
    assert f.overlaps(T0 + 60 * MIN, T0 + 90 * MIN, as_of)
    assert not f.overlaps(T0 + 120 * MIN, T0 + 180 * MIN, as_of)  # recovered as it starts
    assert not f.overlaps(T0 - 60 * MIN, T0, as_of)  # fired as the window ends
    instant = Firing(fired=T0, recovered=T0)
    assert instant.overlaps(T0, T0 + MIN, as_of)


def test_the_linked_incident_belongs_to_the_firing_it_overlaps():
    f = Firing(fired=T0, recovered=T0 + 60 * MIN)
    as_of = T0 + 10 * 60 * MIN

    def belongs(started, ended):
        return incident_during_firing(
            firing=f, incident_started=started, incident_ended=ended, as_of=as_of
        )

    assert belongs(T0 + 5 * MIN, None)  # declared from it
    assert belongs(T0 - 60 * MIN, T0 + 5 * MIN)  # added to one already open
    assert not belongs(T0 - 3 * 60 * MIN, T0 - MIN)  # an earlier firing's, over before
    assert not belongs(T0 + 61 * MIN, None)  # a later one's

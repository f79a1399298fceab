"""The rules behind an incident's markers and a monitor's "Declare incident" button, on
hand-made rows: no database, no sync, the clock passed in."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from incidents import rules
from incidents.models import OPEN_STATES, State
from incidents.rules import (
    Markers,
    firing_incident,
    firing_key,
    incident_markers,
    overdue_for_update,
    owes_ticket,
    service_team_counts_as_impacted,
)
from tests.clock import NOW

MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)
NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Row:
    """The fields of an incident the rules read."""

    state: str = State.TRIGGERED
    severity: str = "SEV1"
    started_at: datetime = NOW - 10 * MINUTE
    last_update_at: datetime | None = None
    ticket_url: str = ""
    needs_review: bool = False
    review_reason: str = ""
    external_id: str = ""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def started(minutes_ago: float, **fields) -> Row:
    return Row(started_at=NOW - minutes_ago * MINUTE, **fields)


# Owes a ticket


@pytest.mark.parametrize("state", [*OPEN_STATES, State.RESOLVED])
def test_every_incident_without_a_ticket_owes_one(state):
    assert owes_ticket(Row(state=state))


def test_a_canceled_incident_owes_no_ticket():
    assert not owes_ticket(Row(state=State.CANCELED))


@pytest.mark.parametrize("state", [*State.values])
def test_an_incident_with_a_ticket_owes_none(state):
    assert not owes_ticket(Row(state=state, ticket_url="https://github.com/o/r/issues/7"))


# Overdue for its 30-minute update


def test_it_is_due_at_exactly_30_minutes_and_overdue_a_second_later():
    assert not overdue_for_update(started(30), now=NOW)
    assert overdue_for_update(started(30, severity="SEV2"), now=NOW + SECOND)


def test_with_no_update_yet_the_clock_runs_from_the_start():
    row = started(45)
    assert row.last_update_at is None
    assert overdue_for_update(row, now=NOW)


def test_an_update_restarts_the_clock():
    assert not overdue_for_update(started(45, last_update_at=NOW - 20 * MINUTE), now=NOW)
    assert overdue_for_update(started(45, last_update_at=NOW - 31 * MINUTE), now=NOW)


@pytest.mark.parametrize("severity", ["SEV3", "SEV4", ""])
def test_a_sev3_or_lower_is_never_overdue(severity):
    assert not overdue_for_update(started(24 * 60, severity=severity), now=NOW)


@pytest.mark.parametrize("state", [State.RESOLVED, State.CANCELED])
def test_a_resolved_or_canceled_incident_is_never_overdue(state):
    assert not overdue_for_update(started(24 * 60, state=state), now=NOW)


@pytest.mark.parametrize("state", [State.ACKNOWLEDGED, State.MITIGATED])
def test_an_acknowledged_or_mitigated_incident_still_owes_updates(state):
    assert overdue_for_update(started(31, state=state), now=NOW)


def test_it_counts_real_minutes_across_spring_forward():
    # 01:50 EST; at 03:10 EDT the wall clock says 80 minutes, 20 have passed.
    row = Row(started_at=datetime(2026, 3, 8, 1, 50, tzinfo=NEW_YORK))
    at_0310 = datetime(2026, 3, 8, 3, 10, tzinfo=NEW_YORK)
    assert not overdue_for_update(row, now=at_0310)
    assert not overdue_for_update(row, now=at_0310 + 10 * MINUTE)  # exactly 30 min
    assert overdue_for_update(row, now=at_0310 + 11 * MINUTE)


def test_it_counts_real_minutes_across_fall_back():
    # 01:50 EDT, then 01:20 EST: the wall clock reads 30 minutes earlier, 30 have passed.
    first_0150 = datetime(2026, 11, 1, 5, 50, tzinfo=UTC)  # 01:50 EDT
    second_0120 = datetime(2026, 11, 1, 6, 20, tzinfo=UTC)  # 01:20 EST, 30 min later
    assert first_0150.astimezone(NEW_YORK).hour == second_0120.astimezone(NEW_YORK).hour == 1
    row = Row(started_at=first_0150.astimezone(NEW_YORK))
    assert not overdue_for_update(row, now=second_0120.astimezone(NEW_YORK))
    assert overdue_for_update(row, now=(second_0120 + SECOND).astimezone(NEW_YORK))


def test_the_markers_gather_the_rules():
    row = started(40, needs_review=True, review_reason="no created_at")
    assert incident_markers(row, now=NOW) == Markers(
        update_overdue=True, owes_ticket=True, needs_review=True, review_reason="no created_at"
    )
    quiet = replace(row, state=State.CANCELED, needs_review=False)
    assert incident_markers(quiet, now=NOW) == Markers(False, False, False, "")
    assert not incident_markers(quiet, now=NOW).any


# The partner team counted as impacted when nobody recorded an impact


@pytest.mark.parametrize(
    ("state", "recorded", "is_platform", "counted"),
    [
        (State.TRIGGERED, False, False, True),
        (State.RESOLVED, False, False, True),
        (State.TRIGGERED, True, False, False),  # the recorded impact is what counts
        (State.TRIGGERED, False, True, False),  # the platform team's own service
        (State.TRIGGERED, False, None, False),  # no service, or one without a team
        (State.CANCELED, False, False, False),
    ],
)
def test_the_service_team_counts_as_impacted(state, recorded, is_platform, counted):
    assert (
        service_team_counts_as_impacted(
            state=state, has_recorded_impact=recorded, team_is_platform=is_platform
        )
        is counted
    )


# A Datadog monitor: does a click declare a new incident?


@dataclass(frozen=True)
class Monitor:
    monitor_id: int = 1001
    firing_since: datetime = NOW - 35 * MINUTE
    incident: Row | None = None


FIRING = Monitor()


def test_the_firing_key_names_the_monitor_and_when_it_fired():
    assert firing_key(FIRING) == f"1001:{int((NOW - 35 * MINUTE).timestamp())}"
    assert firing_key(replace(FIRING, firing_since=NOW)) != firing_key(FIRING)


def test_a_monitor_without_an_incident_declares_one():
    assert firing_incident(FIRING) is None


def test_a_click_opens_the_open_incident_whichever_firing_it_came_from():
    incident = Row(state=State.ACKNOWLEDGED, external_id="1001:1")
    assert firing_incident(replace(FIRING, incident=incident)) is incident


def test_a_click_opens_the_closed_incident_of_the_same_firing():
    incident = Row(state=State.RESOLVED, external_id=firing_key(FIRING))
    assert firing_incident(replace(FIRING, incident=incident)) is incident


def test_a_monitor_firing_again_after_its_incident_closed_declares_a_new_one():
    earlier = Row(state=State.RESOLVED, external_id="1001:1")
    assert firing_incident(replace(FIRING, incident=earlier)) is None


@pytest.mark.parametrize(
    ("tags", "severity"),
    [
        (["priority:p1"], "SEV1"),
        (["Priority:P2", "priority:p4"], "SEV2"),  # the first one, any case
        (["priority:p3"], "SEV3"),
        (["priority:p4"], "SEV4"),
        (["priority:p5"], "SEV4"),
        (["severity:sev2"], "SEV2"),
        (["severity:SEV 3"], "SEV3"),
        (["priority:p9", "severity:critical"], ""),  # neither says a severity we know
        (["service:cc-app", "env:prod"], ""),
        ([], ""),
    ],
)
def test_a_monitor_s_priority_or_severity_tag_gives_the_incident_s_severity(tags, severity):
    assert rules.monitor_severity(tags) == severity


def test_a_tag_value_is_the_first_non_empty_one_trimmed():
    assert rules.tag_value(["service:", "Service: cc-app ", "service:other"], "service") == "cc-app"
    assert rules.tag_value(["servicex:cc-app"], "service") is None
    assert rules.tag_value([], "service") is None

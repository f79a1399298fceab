"""Reads for the rotation pages and the dashboard, on hand-made sprints and rotations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rotations import selectors
from rotations.models import Sprint
from tests.clock import NOW

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture
def sprints() -> dict[int, Sprint]:
    """Sprint 5 across the spring-forward night (NOW is in it), and sprint 6 after it."""
    return {
        5: Sprint.objects.create(number=5, start_date=date(2026, 3, 4), end_date=date(2026, 3, 18)),
        6: Sprint.objects.create(number=6, start_date=date(2026, 3, 18), end_date=date(2026, 4, 1)),
    }


def test_the_current_sprint_is_the_one_containing_now(sprints):
    assert selectors.current_sprint(now=NOW) == sprints[5]


def test_the_current_sprint_changes_at_the_teams_midnight_not_utcs(sprints):
    new_york_midnight = datetime(2026, 3, 18, 4, tzinfo=UTC)  # 00:00 EDT
    assert selectors.current_sprint(now=new_york_midnight - SECOND) == sprints[5]
    assert selectors.current_sprint(now=new_york_midnight) == sprints[6]
    # Already the 18th in UTC at 02:00, still the 17th in New York.
    assert selectors.current_sprint(now=datetime(2026, 3, 18, 2, tzinfo=UTC)) == sprints[5]


def test_the_current_sprint_starts_at_midnight_in_standard_time(sprints):
    est_midnight = datetime(2026, 3, 4, 5, tzinfo=UTC)  # 00:00 EST, before the DST change
    assert selectors.current_sprint(now=est_midnight - SECOND) is None
    assert selectors.current_sprint(now=est_midnight) == sprints[5]


def test_no_sprint_covers_a_day_outside_the_calendar(sprints):
    assert selectors.current_sprint(now=NOW + timedelta(days=60)) is None

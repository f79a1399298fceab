"""Reads for the rotation pages and the dashboard, on hand-made sprints and rotations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from rotations import selectors
from rotations.models import Engineer, Rotation, Sprint
from rotations.proposals import Proposal
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


# Who is on call, in which role


def engineer(pk: int, name: str, **fields) -> Engineer:
    return Engineer(pk=pk, name=name, **fields)


ALEX, BEA, CHEN = engineer(1, "Alex"), engineer(2, "Bea"), engineer(3, "Chen")


def rotation(primary: Engineer, secondary: Engineer, number: int = 5, **fields) -> Rotation:
    return Rotation(
        sprint=Sprint(number=number, start_date=date(2026, 3, 4), end_date=date(2026, 3, 18)),
        primary=primary,
        secondary=secondary,
        **fields,
    )


@pytest.mark.parametrize(
    ("engineer_id", "role"), [(1, "primary"), (2, "secondary"), (3, None), (None, None)]
)
def test_the_role_of_an_engineer_in_a_rotation(engineer_id, role):
    assert selectors.role_of(rotation(ALEX, BEA), engineer_id) == role


def test_nobody_has_a_role_without_a_rotation():
    assert selectors.role_of(None, 1) is None


def test_an_engineers_duties_name_the_role_and_the_partner():
    duties = selectors.duties_of(
        BEA, [rotation(ALEX, BEA, 5), rotation(BEA, CHEN, 6), rotation(ALEX, CHEN, 7)]
    )
    assert [(d.rotation.sprint.number, d.role, d.partner.name) for d in duties] == [
        (5, "secondary", "Alex"),
        (6, "primary", "Chen"),
    ]


def test_the_dashboard_says_which_role_is_yours(sprints, member, make_engineer):
    me = make_engineer("Me", user=member)
    other = make_engineer("Other")
    Rotation.objects.create(sprint=sprints[5], primary=other, secondary=me)
    assert selectors.on_call_overview(now=NOW, user=member)["my_role"] == "secondary"
    Rotation.objects.filter(sprint=sprints[5]).update(primary=me, secondary=other)
    assert selectors.on_call_overview(now=NOW, user=member)["my_role"] == "primary"


# Where a sprint's pair stands


PROPOSAL = Proposal(primary_id=1, secondary_id=2)


@pytest.mark.parametrize(
    ("stored", "proposal", "status"),
    [
        (rotation(ALEX, BEA, confirmed=True), None, selectors.CONFIRMED),
        (rotation(ALEX, BEA, confirmed=False), PROPOSAL, selectors.UNCONFIRMED),
        (None, PROPOSAL, selectors.PROPOSED),
        (None, None, selectors.NO_PROPOSAL),
    ],
)
def test_a_stored_pair_wins_over_a_proposal_confirmed_or_not(stored, proposal, status):
    upcoming = selectors.UpcomingSprint(
        sprint=Sprint(number=6),
        rotation=stored,
        proposal=proposal,
        problem="" if proposal or stored else "Fewer than two engineers are available.",
        primary=ALEX,
        secondary=BEA,
    )
    assert upcoming.status == status


# Away or available


TODAY = date(2026, 3, 11)


@pytest.mark.parametrize(
    ("away_from", "away_to", "away"),
    [
        (None, None, False),
        (date(2026, 2, 1), date(2026, 2, 10), False),  # over: available again
        (date(2026, 3, 1), date(2026, 3, 10), False),  # ended yesterday
        (date(2026, 3, 1), TODAY, True),  # last day away is today
        (date(2026, 4, 1), date(2026, 4, 10), True),  # announced, still to come
        (date(2026, 2, 1), None, True),  # until further notice
        (None, date(2026, 3, 20), True),
    ],
)
def test_an_engineer_is_away_until_the_last_day_away(away_from, away_to, away):
    someone = engineer(9, "Dee", unavailable_from=away_from, unavailable_to=away_to)
    assert selectors.still_away(someone, today=TODAY) is away

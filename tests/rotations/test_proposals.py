"""The proposal rule, without the database."""

from datetime import date

import pytest

from rotations.proposals import (
    Candidate,
    NoEligibleEngineer,
    PlannedSprint,
    Proposal,
    propose_ahead,
    propose_rotation,
)

START, END = date(2026, 12, 9), date(2026, 12, 23)


def team(*names: str, **overrides) -> list[Candidate]:
    out = []
    for i, name in enumerate(names, start=1):
        out.append(Candidate(id=i, name=name, **overrides.get(name, {})))
    return out


def test_it_promotes_the_secondary_and_picks_the_longest_without_duty():
    people = team("Alex", "Bea", "Chen", "Dana")
    last = {
        1: date(2026, 11, 25),
        2: date(2026, 11, 25),
        3: date(2026, 10, 28),
        4: date(2026, 11, 11),
    }
    p = propose_rotation(
        candidates=people,
        previous_secondary_id=2,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    assert (p.primary_id, p.secondary_id) == (2, 3)


def test_it_prefers_someone_never_on_call():
    people = team("Alex", "Bea", "Zed")
    last = {1: date(2026, 1, 1), 2: date(2026, 11, 25)}
    p = propose_rotation(
        candidates=people,
        previous_secondary_id=2,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    assert p.secondary_id == 3
    assert "Zed has not been on call yet." in p.reasons


def test_it_breaks_ties_by_name_case_insensitively():
    people = [Candidate(1, "bea"), Candidate(2, "Alex"), Candidate(3, "chen"), Candidate(4, "Dana")]
    last = {1: date(2026, 11, 25), 2: date(2026, 10, 1), 3: date(2026, 10, 1)}
    p = propose_rotation(
        candidates=people,
        previous_secondary_id=1,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    # Dana never served: she goes first; among equals Alex sorts before chen.
    assert p.secondary_id == 4
    p2 = propose_rotation(
        candidates=people[:3],
        previous_secondary_id=1,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    assert p2.secondary_id == 2


def test_it_skips_engineers_unavailable_during_the_sprint():
    people = team(
        "Alex",
        "Bea",
        "Chen",
        "Dana",
        Chen={"unavailable_from": date(2026, 12, 22), "unavailable_to": date(2027, 1, 3)},
    )
    last = {
        1: date(2026, 11, 25),
        2: date(2026, 11, 25),
        3: date(2026, 1, 1),
        4: date(2026, 11, 11),
    }
    p = propose_rotation(
        candidates=people,
        previous_secondary_id=2,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    assert p.secondary_id == 4


def test_it_treats_unavailability_ending_the_day_before_the_sprint_as_available():
    chen = Candidate(
        3, "Chen", unavailable_from=date(2026, 12, 1), unavailable_to=date(2026, 12, 8)
    )
    assert not chen.is_unavailable(START, END)
    starts_on_last_day = Candidate(3, "Chen", unavailable_from=date(2026, 12, 22))
    assert starts_on_last_day.is_unavailable(START, END)
    starts_on_next_sprint = Candidate(3, "Chen", unavailable_from=END)
    assert not starts_on_next_sprint.is_unavailable(START, END)


def test_it_skips_inactive_engineers():
    people = team("Alex", "Bea", "Chen", "Dana", Chen={"active": False})
    last = {1: date(2026, 11, 25), 2: date(2026, 11, 25), 4: date(2026, 11, 11)}
    p = propose_rotation(
        candidates=people,
        previous_secondary_id=2,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    assert p.secondary_id == 4


def test_it_replaces_an_unavailable_secondary_as_primary_and_says_why():
    people = team(
        "Alex",
        "Bea",
        "Chen",
        "Dana",
        Bea={"unavailable_from": date(2026, 12, 10), "unavailable_to": date(2026, 12, 12)},
    )
    last = {
        1: date(2026, 11, 25),
        2: date(2026, 11, 25),
        3: date(2026, 10, 1),
        4: date(2026, 11, 11),
    }
    p = propose_rotation(
        candidates=people,
        previous_secondary_id=2,
        last_duty=last,
        sprint_start=START,
        sprint_end=END,
    )
    assert (p.primary_id, p.secondary_id) == (3, 4)
    assert any("Bea" in r and "unavailable" in r for r in p.reasons)
    assert p.primary_id != p.secondary_id


def test_it_never_proposes_the_same_person_twice():
    people = team("Alex", "Bea")
    p = propose_rotation(
        candidates=people, previous_secondary_id=1, last_duty={}, sprint_start=START, sprint_end=END
    )
    assert (p.primary_id, p.secondary_id) == (1, 2)


def test_it_refuses_with_fewer_than_two_eligible():
    people = team("Alex", "Bea", Bea={"active": False})
    with pytest.raises(NoEligibleEngineer, match="two different engineers"):
        propose_rotation(
            candidates=people,
            previous_secondary_id=1,
            last_duty={},
            sprint_start=START,
            sprint_end=END,
        )
    with pytest.raises(NoEligibleEngineer):
        propose_rotation(
            candidates=[],
            previous_secondary_id=None,
            last_duty={},
            sprint_start=START,
            sprint_end=END,
        )


def test_it_chains_proposals_over_several_sprints():
    people = team("Alex", "Bea", "Chen", "Dana")
    last = {
        1: date(2026, 11, 25),
        2: date(2026, 11, 25),
        3: date(2026, 11, 11),
        4: date(2026, 10, 28),
    }
    sprints = [
        PlannedSprint(54, date(2026, 12, 9), date(2026, 12, 23)),
        PlannedSprint(55, date(2026, 12, 23), date(2027, 1, 6)),
        PlannedSprint(56, date(2027, 1, 6), date(2027, 1, 20)),
    ]
    out = propose_ahead(candidates=people, last_duty=last, previous_secondary_id=2, sprints=sprints)
    pairs = [(out[n].primary_id, out[n].secondary_id) for n in (54, 55, 56)]
    assert pairs == [(2, 4), (4, 3), (3, 1)]


def test_it_chains_from_a_stored_rotation_in_the_middle():
    people = team("Alex", "Bea", "Chen", "Dana")
    sprints = [
        PlannedSprint(54, date(2026, 12, 9), date(2026, 12, 23)),
        PlannedSprint(55, date(2026, 12, 23), date(2027, 1, 6), primary_id=1, secondary_id=3),
        PlannedSprint(56, date(2027, 1, 6), date(2027, 1, 20)),
    ]
    out = propose_ahead(
        candidates=people, last_duty={}, previous_secondary_id=None, sprints=sprints
    )
    assert 55 not in out
    assert isinstance(out[56], Proposal) and out[56].primary_id == 3


def test_it_reports_a_sprint_nobody_can_take_and_goes_on():
    people = team(
        "Alex",
        "Bea",
        "Chen",
        Chen={"unavailable_from": date(2026, 12, 23), "unavailable_to": date(2027, 1, 5)},
    )
    people[0] = Candidate(
        1, "Alex", unavailable_from=date(2026, 12, 23), unavailable_to=date(2027, 1, 5)
    )
    sprints = [
        PlannedSprint(55, date(2026, 12, 23), date(2027, 1, 6)),
        PlannedSprint(56, date(2027, 1, 6), date(2027, 1, 20)),
    ]
    out = propose_ahead(
        candidates=people, last_duty={}, previous_secondary_id=None, sprints=sprints
    )
    assert isinstance(out[55], NoEligibleEngineer)
    assert isinstance(out[56], Proposal)

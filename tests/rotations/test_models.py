"""Validation of sprints, the cadence and rotations: clear messages, nothing stored lost."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rotations import services
from rotations.models import CheckItem, Rotation, Sprint, SprintCadence, team_today

pytestmark = pytest.mark.django_db


def test_it_generates_contiguous_sprints_and_is_idempotent(cadence):
    created = services.sprints_generate(cadence=cadence, today=date(2026, 3, 1))
    numbers = [s.number for s in created]
    assert (
        numbers[0] == 1
        and numbers[-1] == cadence.number_on(date(2026, 3, 1)) + cadence.sprints_ahead
    )
    sprints = list(Sprint.objects.order_by("number"))
    assert all(a.end_date == b.start_date for a, b in zip(sprints, sprints[1:], strict=False))
    assert services.sprints_generate(cadence=cadence, today=date(2026, 3, 1)) == []
    assert Sprint.objects.count() == len(created)


def test_it_rejects_a_zero_length_cadence(db):
    cadence = SprintCadence(anchor_start=date(2026, 1, 7), length_days=0)
    with pytest.raises(ValidationError) as exc:
        cadence.full_clean()
    assert "at least 1 day" in str(exc.value)


def test_it_refuses_a_cadence_that_would_move_stored_sprints(cadence):
    services.sprints_generate(cadence=cadence, today=date(2026, 2, 1))
    cadence.length_days = 7
    with pytest.raises(
        ValidationError,
        match="Sprint 1 is stored as 2026-01-07 – 2026-01-20, which this cadence would move to 2026-01-07 – 2026-01-13",
    ):
        cadence.full_clean()
    assert Sprint.objects.get(number=2).start_date == date(2026, 1, 21)


def test_it_allows_a_new_length_anchored_after_the_stored_sprints(cadence):
    services.sprints_generate(cadence=cadence, today=date(2026, 1, 8))
    last = Sprint.objects.order_by("-number").first()
    cadence.anchor_number, cadence.anchor_start, cadence.length_days = (
        last.number + 1,
        last.end_date,
        21,
    )
    cadence.full_clean()
    cadence.save()
    created = services.sprints_generate(cadence=cadence, today=last.end_date)
    assert created[0].start_date == last.end_date
    assert created[0].length_days == 21


def test_it_rejects_overlapping_and_gapped_sprints(cadence):
    services.sprints_generate(cadence=cadence, today=date(2026, 1, 8))
    last = Sprint.objects.order_by("-number").first()
    overlapping = Sprint(
        number=last.number + 1,
        start_date=last.end_date - timedelta(days=1),
        end_date=last.end_date + timedelta(days=13),
    )
    with pytest.raises(ValidationError, match="overlap"):
        overlapping.full_clean()
    gapped = Sprint(
        number=last.number + 1,
        start_date=last.end_date + timedelta(days=2),
        end_date=last.end_date + timedelta(days=16),
    )
    with pytest.raises(ValidationError, match="no gaps"):
        gapped.full_clean()
    backwards = Sprint(number=last.number + 1, start_date=last.end_date, end_date=last.end_date)
    with pytest.raises(ValidationError, match="end after it starts"):
        backwards.full_clean()


def make_sprint(number: int, start: date) -> Sprint:
    return Sprint.objects.create(
        number=number, start_date=start, end_date=start + timedelta(days=14)
    )


def test_it_enforces_primary_is_not_secondary_in_validation_and_in_the_database(make_engineer):
    alex = make_engineer("Alex")
    sprint = make_sprint(1, team_today() + timedelta(days=30))
    rotation = Rotation(sprint=sprint, primary=alex, secondary=alex)
    with pytest.raises(ValidationError, match="must be different engineers"):
        rotation.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Rotation.objects.create(sprint=sprint, primary=alex, secondary=alex)
    assert not Rotation.objects.exists()


def test_it_rejects_an_unavailable_engineer_for_a_future_sprint(make_engineer):
    start = team_today() + timedelta(days=30)
    alex = make_engineer("Alex")
    bea = make_engineer(
        "Bea", unavailable_from=start + timedelta(days=3), unavailable_to=start + timedelta(days=5)
    )
    rotation = Rotation(sprint=make_sprint(1, start), primary=alex, secondary=bea)
    with pytest.raises(ValidationError) as exc:
        rotation.full_clean()
    assert "Bea is unavailable" in str(exc.value) and "overlaps sprint 1" in str(exc.value)


def test_it_keeps_history_when_an_engineer_later_becomes_inactive(make_engineer):
    alex, bea = make_engineer("Alex"), make_engineer("Bea")
    past = make_sprint(1, team_today() - timedelta(days=60))
    rotation = Rotation.objects.create(sprint=past, primary=alex, secondary=bea)
    bea.active = False
    bea.save()
    rotation.full_clean()  # history stays valid


def test_it_rejects_unavailability_ending_before_it_starts(make_engineer):
    from rotations.models import Engineer

    engineer = Engineer(
        name="Alex", unavailable_from=date(2026, 5, 2), unavailable_to=date(2026, 5, 1)
    )
    with pytest.raises(ValidationError, match="on or after the first day away"):
        engineer.full_clean()


def test_it_creates_the_checklist_with_every_item(make_engineer):
    rotation = Rotation.objects.create(
        sprint=make_sprint(1, team_today()),
        primary=make_engineer("Alex"),
        secondary=make_engineer("Bea"),
    )
    assert sorted(rotation.checklist.values_list("item", flat=True)) == sorted(CheckItem.values)


def test_it_proposes_and_confirms_through_services(cadence, make_engineer, django_user_model):
    today = team_today()
    cadence.anchor_start = today - timedelta(days=20)
    cadence.save()
    services.sprints_generate(cadence=cadence, today=today)
    for name in ("Alex", "Bea", "Chen"):
        make_engineer(name)
    current = Sprint.objects.containing(today).get()
    first = services.rotation_propose(sprint=current)
    nxt = services.rotation_propose(sprint=Sprint.objects.get(number=current.number + 1))
    assert nxt.primary_id == first.secondary_id
    assert not nxt.confirmed
    with pytest.raises(ValidationError, match="already has a rotation"):
        services.rotation_propose(sprint=current)
    user = django_user_model.objects.create_user("lead")
    confirmed = services.rotation_confirm(
        sprint=nxt.sprint, primary=nxt.primary, secondary=nxt.secondary, user=user
    )
    assert (
        confirmed.confirmed
        and confirmed.confirmed_by == user
        and confirmed.confirmed_at is not None
    )
    assert Rotation.objects.count() == 2

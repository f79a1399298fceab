"""Writes: generating sprints from the cadence, confirming rotations, ticking the checklist."""

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rotations.models import (
    ChecklistEntry,
    Engineer,
    Rotation,
    Sprint,
    SprintCadence,
    team_today,
)


def sprints_generate(
    *, cadence: SprintCadence, today: date | None = None, first_number: int | None = None
) -> list[Sprint]:
    """Create the missing sprints from `first_number` (default: the anchor) up to
    `cadence.sprints_ahead` sprints past the one containing today. Idempotent; never
    moves or deletes a stored sprint (a mismatch is a ValidationError naming it)."""
    today = today or team_today()
    last = cadence.number_on(today) + cadence.sprints_ahead
    start = cadence.anchor_number if first_number is None else max(first_number, 1)
    stored = {s.number: s for s in Sprint.objects.filter(number__gte=start, number__lte=last)}
    created = []
    with transaction.atomic():
        for number in range(start, last + 1):
            dates = cadence.dates(number)
            existing = stored.get(number)
            if existing is not None:
                if (existing.start_date, existing.end_date) != (dates.start, dates.end):
                    raise ValidationError(
                        f"Sprint {number} is stored as {existing.start_date} – {existing.last_day}, "
                        f"not {dates.start} – {dates.last_day} as the cadence says."
                    )
                continue
            sprint = Sprint(number=number, start_date=dates.start, end_date=dates.end)
            sprint.full_clean()
            sprint.save()
            created.append(sprint)
    return created


def rotation_confirm(
    *,
    sprint: Sprint,
    primary: Engineer,
    secondary: Engineer,
    user: AbstractBaseUser | None,
    notes: str | None = None,
) -> Rotation:
    """Store the sprint's pair as confirmed (creating or changing it), validated as in the admin."""
    with transaction.atomic():
        rotation = Rotation.objects.select_for_update().filter(sprint=sprint).first() or Rotation(
            sprint=sprint
        )
        rotation.primary = primary
        rotation.secondary = secondary
        if notes is not None:
            rotation.notes = notes
        rotation.confirmed = True
        rotation.confirmed_by = user if user is not None and user.is_authenticated else None
        rotation.confirmed_at = timezone.now()
        rotation.full_clean()
        rotation.save()
    return rotation


def checklist_mark(
    *, entry: ChecklistEntry, done: bool, user: AbstractBaseUser | None
) -> ChecklistEntry:
    entry.done = done
    entry.done_by = user if done and user is not None and user.is_authenticated else None
    entry.done_at = timezone.now() if done else None
    entry.save()
    return entry


def rotation_propose(*, sprint: Sprint) -> Rotation:
    """Store the rule's proposal for `sprint` as an unconfirmed rotation.

    Raises NoEligibleEngineer when fewer than two engineers can take it, and
    ValidationError when the sprint already has a rotation.
    """
    from rotations.proposals import propose_rotation
    from rotations.selectors import last_duty_before

    if Rotation.objects.filter(sprint=sprint).exists():
        raise ValidationError(f"Sprint {sprint.number} already has a rotation.")
    previous_secondary = (
        Rotation.objects.filter(sprint__number=sprint.number - 1)
        .values_list("secondary_id", flat=True)
        .first()
    )
    proposal = propose_rotation(
        candidates=[e.as_candidate() for e in Engineer.objects.all()],
        previous_secondary_id=previous_secondary,
        last_duty=last_duty_before(sprint.start_date),
        sprint_start=sprint.start_date,
        sprint_end=sprint.end_date,
    )
    rotation = Rotation(
        sprint=sprint,
        primary_id=proposal.primary_id,
        secondary_id=proposal.secondary_id,
        notes="Proposed: " + " ".join(proposal.reasons),
    )
    rotation.full_clean()
    rotation.save()
    return rotation

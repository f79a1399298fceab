"""Reads of the reports' pages, each one query."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from rotations.models import Rotation, Sprint


def reported_sprints(*, today: date) -> QuerySet[Sprint]:
    """Sprints begun by `today`, newest (so the current one) first, with their pair and
    whether their handoff is closed."""
    return (
        Sprint.objects.filter(start_date__lte=today)
        .select_related("rotation__primary", "rotation__secondary", "handoff")
        .order_by("-number")
    )


def neighbours(number: int) -> dict[str, int | None]:
    """`{"previous", "next"}`: the sprints on either side, None where there is none."""
    found = set(
        Sprint.objects.filter(number__in=[number - 1, number + 1]).values_list("number", flat=True)
    )
    return {
        "previous": number - 1 if number - 1 in found else None,
        "next": number + 1 if number + 1 in found else None,
    }


def pair_of(sprint: Sprint) -> set[int]:
    """The ids of the sprint's primary and secondary engineers (none without a rotation)."""
    row = Rotation.objects.filter(sprint=sprint).values_list("primary_id", "secondary_id").first()
    return set(row) if row else set()

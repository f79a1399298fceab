"""Thin django-q2 entry points for the rotations app."""

from rotations import services
from rotations.models import SprintCadence


def generate_sprints() -> str:
    """Daily: keep `sprints_ahead` future sprints generated from the cadence."""
    cadence = SprintCadence.objects.first()
    if cadence is None:
        return "no sprint cadence set"
    created = services.sprints_generate(cadence=cadence)
    return f"created {len(created)} sprint(s)"

"""seed_demo and setup_schedules are safe to run again."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from rotations.models import (
    ChecklistEntry,
    Engineer,
    PartnerTeam,
    Rotation,
    Service,
    Sprint,
    team_today,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        m.__name__: m.objects.count()
        for m in (Engineer, PartnerTeam, Service, Sprint, Rotation, ChecklistEntry)
    }


def test_seed_demo_is_idempotent(demo_team):
    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before
    assert before["Rotation"] >= 10 and before["Sprint"] > before["Rotation"]
    current = Sprint.objects.containing(team_today()).get()
    assert current.rotation.confirmed
    assert set(PartnerTeam.objects.values_list("name", flat=True)) >= {
        "Contention Classification",
        "Employee Experience",
    }
    assert Service.objects.get(name="cc-app").team.name == "Contention Classification"
    assert Service.objects.get(name="svc-bgs-api").team.is_platform


def test_seed_demo_follows_the_proposal_rule(demo_team):
    rotations = list(Rotation.objects.select_related("sprint").order_by("sprint__number"))
    for before, after in zip(rotations, rotations[1:], strict=False):
        assert after.primary_id == before.secondary_id
        assert after.primary_id != after.secondary_id


def test_setup_schedules_is_idempotent():
    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())
    names = list(Schedule.objects.values_list("name", flat=True))
    assert sorted(names) == sorted(set(names)) and "worker-heartbeat" in names

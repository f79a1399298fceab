"""The release train's fixtures: a cadence with sprints (and so releases), partner teams with
their groups and services, the captain and a member of each team."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import Group

from releases.models import Release
from rotations import services as rotation_services
from rotations.models import Engineer, PartnerTeam, Rotation, Service, Sprint, SprintCadence
from tests.clock import NOW


@pytest.fixture
def train(db, django_user_model):
    """Sprints 1-11 from Wed Jan 7 2026 (sprint 5, Mar 4-17, holds NOW; its release was on
    Mar 4, so the next one is sprint 6's, Wed Mar 18 10:00 EDT), a platform team and two
    partner teams, the captain (every sprint's primary) and a member of each team."""
    cadence = SprintCadence.objects.create(
        anchor_number=1, anchor_start=date(2026, 1, 7), length_days=14
    )
    rotation_services.sprints_generate(cadence=cadence, today=NOW.date())
    platform = PartnerTeam.objects.create(name="Platform", slug="platform", is_platform=True)
    cc = PartnerTeam.objects.create(
        name="Contention Classification", slug="cc", group=Group.objects.create(name="cc")
    )
    ee = PartnerTeam.objects.create(
        name="Employee Experience", slug="ee", group=Group.objects.create(name="ee")
    )
    for name, team in [
        ("svc-bgs-api", platform),
        ("db-init", platform),
        ("cc-app", cc),
        ("ee-max-cfi-app", ee),
        ("ee-ep-merge-app", ee),
    ]:
        Service.objects.create(name=name, team=team)
    captain_user = django_user_model.objects.create_user("dana", password="pw-for-tests-only")
    captain = Engineer.objects.create(name="Dana Kowalski", user=captain_user)
    other = Engineer.objects.create(name="Alex Rivera")
    for sprint in Sprint.objects.all():
        Rotation.objects.create(sprint=sprint, primary=captain, secondary=other)
    cc_user = django_user_model.objects.create_user("cc-dev", password="pw-for-tests-only")
    cc_user.groups.add(cc.group)
    ee_user = django_user_model.objects.create_user("ee-dev", password="pw-for-tests-only")
    ee_user.groups.add(ee.group)
    return {
        "cadence": cadence,
        "platform": platform,
        "cc": cc,
        "ee": ee,
        "captain": captain,
        "captain_user": captain_user,
        "cc_user": cc_user,
        "ee_user": ee_user,
        "release": Release.objects.select_related("sprint__rotation__primary").get(
            sprint__number=6
        ),
    }

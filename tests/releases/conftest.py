"""Fixtures of the releases app. The release train: a cadence with sprints (and so releases),
partner teams with their groups and services, the captain and a member of each team. The
deployments: a partner team with two services, a requester, an approver on call."""

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


@pytest.fixture
def claims(db, platform_team) -> PartnerTeam:
    """A partner team with two services, beside the platform team's svc-bgs-api."""
    team = PartnerTeam.objects.create(name="Claims", slug="claims")
    Service.objects.create(name="svc-claims-api", team=team)
    Service.objects.create(name="svc-claims-ui", team=team)
    return team


@pytest.fixture
def requester(db, django_user_model):
    """One of the team's engineers (engineers and partner teams' members ask for deploys)."""
    user = django_user_model.objects.create_user("requester", password="pw-for-tests-only")
    Engineer.objects.create(name="Riley Requester", user=user)
    return user


@pytest.fixture
def approver(db, django_user_model):
    return django_user_model.objects.create_user("approver", password="pw-for-tests-only")


@pytest.fixture
def on_call(db, approver, at_now):
    """The sprint around NOW with `approver` as its primary; returns the approver."""
    from datetime import date

    from rotations.models import Engineer, Rotation, Sprint

    sprint = Sprint.objects.create(
        number=5, start_date=date(2026, 3, 4), end_date=date(2026, 3, 18)
    )
    primary = Engineer.objects.create(name="Ana Primary", user=approver)
    secondary = Engineer.objects.create(name="Ben Secondary")
    Rotation.objects.create(sprint=sprint, primary=primary, secondary=secondary)
    return approver

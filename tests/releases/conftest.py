"""Teams, services and people for the deployment tests."""

import pytest

from rotations.models import PartnerTeam, Service


@pytest.fixture
def claims(db, platform_team) -> PartnerTeam:
    """A partner team with two services, beside the platform team's svc-bgs-api."""
    team = PartnerTeam.objects.create(name="Claims", slug="claims")
    Service.objects.create(name="svc-claims-api", team=team)
    Service.objects.create(name="svc-claims-ui", team=team)
    return team


@pytest.fixture
def requester(db, django_user_model):
    return django_user_model.objects.create_user("requester", password="pw-for-tests-only")


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

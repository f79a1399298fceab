"""Which role a login has (`oncall_site.permissions.actor_of`), from hand-made rows at NOW."""

import pytest

from oncall_site.permissions import ANONYMOUS, Role, actor_of
from tests.clock import NOW
from tests.permissions_world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, django_user_model, at_now, settings) -> dict:
    return build_world(django_user_model, settings)


def test_each_login_has_its_role(world, django_assert_max_num_queries):
    users = world["users"]
    expected = {
        "viewer": Role.VIEWER,
        "partner": Role.PARTNER,
        "engineer": Role.ENGINEER,
        "on_call": Role.ON_CALL,
        "staff": Role.STAFF,
        "outsider": Role.VIEWER,  # an engineer who left (inactive) changes nothing
    }
    for name, role in expected.items():
        with django_assert_max_num_queries(2):
            assert actor_of(users[name], now=NOW).role == role, name
    assert ANONYMOUS.role == Role.ANONYMOUS


def test_the_pair_is_on_call_only_during_its_sprint(world):
    from datetime import timedelta

    on_call = world["users"]["on_call"]
    assert actor_of(on_call, now=NOW).on_call
    # Sprint 6 has Olive and Eve: Eve is on call then, not now.
    then = NOW + timedelta(days=8)
    assert actor_of(world["users"]["engineer"], now=then).role == Role.ON_CALL
    assert actor_of(world["users"]["engineer"], now=NOW).role == Role.ENGINEER


def test_a_partner_member_belongs_to_its_own_team_only(world):
    actor = actor_of(world["users"]["partner"], now=NOW)
    assert actor.team_ids == frozenset({world["claims"].pk})

"""The past is read-only except to staff: a past sprint's rotation and checklist, verb by verb.

The pages offer no form for a past sprint; these are requests made by hand to the URLs.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from oncall_site.permissions import Actor, is_past, rotation_confirm_refusal
from rotations.models import ChecklistEntry, Engineer, Rotation, Sprint, team_today
from rotations.sprints import local_midnight

NEW_YORK = ZoneInfo("America/New_York")
# A sprint ending at the local midnight of the spring-forward Sunday: 05:00 UTC, not 04:00.
ENDS = local_midnight(date(2026, 3, 8), NEW_YORK)
SECOND = timedelta(seconds=1)


# The rule


ON_CALL = Actor(authenticated=True, engineer_id=1, on_call=True)
STAFF = Actor(authenticated=True, is_staff=True)


def confirm_refusal(actor: Actor, now: datetime) -> str | None:
    return rotation_confirm_refusal(
        actor, number=4, last_day=date(2026, 3, 7), ends_at=ENDS, now=now
    )


def test_a_sprint_is_open_to_its_pair_until_its_last_local_midnight():
    assert datetime(2026, 3, 8, 5, tzinfo=UTC) == ENDS
    assert not is_past(ends_at=ENDS, now=ENDS - SECOND)
    assert is_past(ends_at=ENDS, now=ENDS)
    assert confirm_refusal(ON_CALL, ENDS - SECOND) is None
    assert "only staff may change it" in confirm_refusal(ON_CALL, ENDS)
    assert "only staff may change it" in confirm_refusal(ON_CALL, ENDS + timedelta(days=400))


def test_staff_may_correct_the_past():
    assert confirm_refusal(STAFF, ENDS + timedelta(days=400)) is None


# Verb by verb


@pytest.fixture
def past(demo_team) -> Sprint:
    """The last sprint that ended, with its rotation and checklist as the demo has them."""
    today = team_today()
    return Sprint.objects.filter(end_date__lte=today, rotation__isnull=False).latest("number")


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_user(
        "staff", password="pw-for-tests-only", is_staff=True
    )


def confirm(client, sprint: Sprint):
    chen, eli = Engineer.objects.get(name="Chen Wu"), Engineer.objects.get(name="Eli Brooks")
    return client.post(
        reverse("rotation-confirm", args=[sprint.number]), {"primary": chen.pk, "secondary": eli.pk}
    )


def tick(client, sprint: Sprint, done: str = "1"):
    return client.post(
        reverse("checklist-toggle", args=[sprint.number, "dependabot_prs"]),
        {"done": done, "next": "/"},
    )


@pytest.mark.django_db
def test_a_member_cannot_confirm_a_past_sprints_rotation(client, member, past):
    before = Rotation.objects.filter(sprint=past).values().get()
    client.force_login(member)
    response = confirm(client, past)
    assert response.status_code == 403
    body = response.content.decode()
    assert f"Sprint {past.number} ended on" in body and "only staff may change it" in body
    assert Rotation.objects.filter(sprint=past).values().get() == before


@pytest.mark.django_db
@pytest.mark.parametrize("done", ["1", "0"])
def test_a_member_cannot_tick_or_untick_a_past_sprints_checklist(client, member, past, done):
    entry = ChecklistEntry.objects.get(rotation__sprint=past, item="dependabot_prs")
    before = (entry.done, entry.done_by_id, entry.done_at)
    client.force_login(member)
    response = tick(client, past, done)
    assert response.status_code == 403
    assert "only staff may change it" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.done, entry.done_by_id, entry.done_at) == before


@pytest.mark.django_db
def test_staff_may_confirm_and_tick_a_past_sprint(client, staff, past):
    client.force_login(staff)
    assert confirm(client, past).status_code == 302
    rotation = Rotation.objects.get(sprint=past)
    assert rotation.primary.name == "Chen Wu" and rotation.confirmed_by == staff
    assert tick(client, past).status_code == 302
    entry = ChecklistEntry.objects.get(rotation__sprint=past, item="dependabot_prs")
    assert entry.done and entry.done_by == staff


@pytest.mark.django_db
def test_the_on_call_pair_still_changes_the_current_sprint(client, member, demo_team):
    current = Sprint.objects.containing(team_today()).get()
    Engineer.objects.filter(pk=current.rotation.secondary_id).update(user=member)
    client.force_login(member)
    assert tick(client, current).status_code == 302
    assert confirm(client, current).status_code == 302
    assert Rotation.objects.get(sprint=current).primary.name == "Chen Wu"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "staff"])
def test_other_verbs_change_nothing(client, member, staff, past, who):
    client.force_login(member if who == "member" else staff)
    before = Rotation.objects.filter(sprint=past).values().get()
    for verb in ("get", "put", "patch", "delete"):
        for url in (
            reverse("rotation-confirm", args=[past.number]),
            reverse("checklist-toggle", args=[past.number, "dependabot_prs"]),
        ):
            assert getattr(client, verb)(url).status_code == 405, (verb, url)
    assert Rotation.objects.filter(sprint=past).values().get() == before


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client, past):
    response = tick(client, past)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert timezone.now() >= past.ends_at

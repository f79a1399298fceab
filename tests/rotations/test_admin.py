"""The back office: every model's pages, actions, and errors a person can act on."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from rotations.models import Engineer, Rotation, Sprint, SprintCadence, team_today

pytestmark = pytest.mark.django_db


def test_it_is_staff_only(client, member):
    client.force_login(member)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_lists_and_opens_every_model(client, lead, demo_team):
    client.force_login(lead)
    for model, model_admin in site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if model_admin.search_fields:
            assert client.get(changelist, {"q": "a"}).status_code == 200, changelist
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change


def test_it_shows_a_same_person_error_in_the_rotation_form(client, lead, demo_team):
    client.force_login(lead)
    rotation = Rotation.objects.get(sprint=Sprint.objects.containing(team_today()).get())
    url = reverse("admin:rotations_rotation_change", args=[rotation.pk])
    data = {
        "sprint": rotation.sprint_id,
        "primary": rotation.primary_id,
        "secondary": rotation.primary_id,
        "confirmed": "on",
        "notes": "",
        "checklist-TOTAL_FORMS": "0",
        "checklist-INITIAL_FORMS": "0",
        "checklist-MIN_NUM_FORMS": "0",
        "checklist-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "The primary and the secondary must be different engineers." in response.content.decode()
    rotation.refresh_from_db()
    assert rotation.primary_id != rotation.secondary_id


def test_it_proposes_then_confirms_with_actions(client, lead, demo_team):
    client.force_login(lead)
    future = list(Sprint.objects.filter(start_date__gt=team_today()).order_by("number")[:2])
    response = client.post(
        reverse("admin:rotations_sprint_changelist"),
        {"action": "propose_rotation", "_selected_action": [s.pk for s in future]},
        follow=True,
    )
    assert response.status_code == 200
    rotations = list(Rotation.objects.filter(sprint__in=future).order_by("sprint__number"))
    assert len(rotations) == 2 and not any(r.confirmed for r in rotations)
    assert rotations[1].primary_id == rotations[0].secondary_id
    client.post(
        reverse("admin:rotations_rotation_changelist"),
        {"action": "confirm", "_selected_action": [r.pk for r in rotations]},
    )
    assert (
        Rotation.objects.filter(sprint__in=future, confirmed=True, confirmed_by=lead).count() == 2
    )


def test_it_warns_when_nobody_can_be_proposed(client, lead, demo_team):
    client.force_login(lead)
    Engineer.objects.exclude(name="Alex Rivera").update(active=False)
    sprint = Sprint.objects.filter(start_date__gt=team_today()).order_by("number").first()
    response = client.post(
        reverse("admin:rotations_sprint_changelist"),
        {"action": "propose_rotation", "_selected_action": [sprint.pk]},
        follow=True,
    )
    assert "a rotation needs two different engineers" in response.content.decode()
    assert not Rotation.objects.filter(sprint=sprint).exists()


def test_it_refuses_a_second_cadence_and_a_bad_length(client, lead, demo_team):
    client.force_login(lead)
    cadence = SprintCadence.objects.get()
    response = client.post(
        reverse("admin:rotations_sprintcadence_change", args=[cadence.pk]),
        {
            "anchor_number": cadence.anchor_number,
            "anchor_start": cadence.anchor_start,
            "length_days": 0,
            "sprints_ahead": 6,
        },
    )
    assert "A sprint lasts at least 1 day." in response.content.decode()
    cadence.refresh_from_db()
    assert cadence.length_days == 14
    assert client.get(reverse("admin:rotations_sprintcadence_add")).status_code == 403


def test_it_generates_sprints_when_the_cadence_is_saved(client, lead, db):
    client.force_login(lead)
    start = team_today() - timedelta(days=3)
    response = client.post(
        reverse("admin:rotations_sprintcadence_add"),
        {
            "anchor_number": 7,
            "anchor_start": start.isoformat(),
            "length_days": 14,
            "sprints_ahead": 3,
            "release_time": "10:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert list(Sprint.objects.values_list("number", flat=True)) == [7, 8, 9, 10]
    assert "Generated sprints 7–10." in response.content.decode()

"""The back office: a cadence saved as a user would makes each sprint's release at its
release time; a release moved there re-arms its reminder; answers are checked there too."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from releases.models import Release
from rotations.models import team_zone
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def test_a_cadence_saved_in_the_admin_gives_every_sprint_its_release(client, lead, at_now):
    client.force_login(lead)
    response = client.post(
        reverse("admin:rotations_sprintcadence_add"),
        {
            "anchor_number": 1,
            "anchor_start": "2026-02-27",  # a Friday
            "length_days": 10,
            "sprints_ahead": 3,
            "release_time": "16:15",
        },
        follow=True,
    )
    assert response.status_code == 200
    local = [
        timezone.localtime(r.scheduled_at, team_zone())
        for r in Release.objects.order_by("sprint__number")
    ]
    assert [(d.date(), d.time()) for d in local] == [
        (date(2026, 3, 4), time(16, 15)),  # from a Friday, EST
        (date(2026, 3, 11), time(16, 15)),  # from a Monday, EDT: the same wall-clock hour
        (date(2026, 3, 25), time(16, 15)),  # from a Thursday
        (date(2026, 4, 1), time(16, 15)),  # from a Sunday
        (date(2026, 4, 8), time(16, 15)),  # from a Wednesday: that day
    ]


def test_moving_a_release_in_the_admin_rearms_its_reminder(client, lead, train, at_now):
    release = train["release"]
    Release.objects.filter(pk=release.pk).update(reminder_sent_at=NOW)
    client.force_login(lead)
    later = timezone.localtime(release.scheduled_at + timedelta(days=1), team_zone())
    response = client.post(
        reverse("admin:releases_release_change", args=[release.pk]),
        {
            "scheduled_at_0": later.strftime("%Y-%m-%d"),
            "scheduled_at_1": later.strftime("%H:%M:%S"),
            "decision": "",
            "decision_note": "",
            "answers-TOTAL_FORMS": "0",
            "answers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    release.refresh_from_db()
    assert release.reminder_sent_at is None and release.moved_by == lead


def test_the_admin_refuses_a_bad_hash(client, lead, train):
    client.force_login(lead)
    response = client.post(
        reverse("admin:releases_releaseanswer_add"),
        {
            "release": train["release"].pk,
            "team": train["cc"].pk,
            "opted_in": "on",
            "hashes": '{"cc-app": "nothex!"}',
            "answered_at_0": "2026-03-11",
            "answered_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "is not a commit hash" in response.content.decode()

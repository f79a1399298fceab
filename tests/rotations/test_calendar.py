"""The iCalendar feed, parsed back with a real iCalendar library."""

from datetime import date

import pytest
from django.urls import reverse
from icalendar import Calendar

from rotations.models import CalendarFeed, Engineer, Rotation

pytestmark = pytest.mark.django_db


def feed_url(client, user) -> str:
    client.force_login(user)
    client.get(reverse("calendar-settings"))
    return reverse("calendar-feed", args=[CalendarFeed.objects.get(user=user).token])


def test_it_serves_every_rotation_as_an_all_day_event(client, member, demo_team):
    url = feed_url(client, member)
    client.logout()
    response = client.get(url)  # calendar apps have no session
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == Rotation.objects.count()
    by_uid = {str(e["UID"]): e for e in events}
    rotation = (
        Rotation.objects.select_related("sprint", "primary", "secondary")
        .order_by("sprint__number")
        .last()
    )
    event = by_uid[f"rotation-sprint-{rotation.sprint.number}@oncall-dashboard"]
    assert event.decoded("DTSTART") == rotation.sprint.start_date
    assert event.decoded("DTEND") == rotation.sprint.end_date
    assert isinstance(event.decoded("DTSTART"), date)
    assert rotation.primary.name in str(event["SUMMARY"]) and rotation.secondary.name in str(
        event["SUMMARY"]
    )


def test_it_filters_to_my_own_duty(client, django_user_model, demo_team):
    user = django_user_model.objects.get(username="demo")
    url = feed_url(client, user)
    alex = Engineer.objects.get(user=user)
    cal = Calendar.from_ical(client.get(url + "?mine=1").content)
    events = list(cal.walk("VEVENT"))
    mine = (
        Rotation.objects.filter(primary=alex).count()
        + Rotation.objects.filter(secondary=alex).count()
    )
    assert len(events) == mine > 0
    assert all("On call (" in str(e["SUMMARY"]) for e in events)


def test_it_rejects_unknown_and_reset_tokens(client, member, demo_team):
    url = feed_url(client, member)
    client.post(reverse("calendar-settings"))
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar-feed", args=["not-a-token"])).status_code == 404
    new = reverse("calendar-feed", args=[CalendarFeed.objects.get(user=member).token])
    assert client.get(new).status_code == 200

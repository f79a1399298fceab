"""The iCalendar feed, parsed back with a real iCalendar library."""

import hashlib
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse
from icalendar import Calendar

from rotations.models import CalendarFeed, Engineer, Rotation

pytestmark = pytest.mark.django_db


def feed_url(client, user) -> str:
    """The address made on the calendar page, as its path (shown once, in the answer)."""
    client.force_login(user)
    response = client.post(reverse("calendar-settings"))
    assert response.status_code == 200
    return urlsplit(response.context["feed_url"]).path


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
    assert CalendarFeed.objects.count() == 1


def test_it_stores_only_the_hash_and_shows_the_address_once(client, member, demo_team):
    url = feed_url(client, member)
    secret = url.removeprefix("/rotations/calendar/").removesuffix(".ics")
    feed = CalendarFeed.objects.get(user=member)
    assert feed.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(CalendarFeed.objects.filter(pk=feed.pk).values().get())
    page = client.get(reverse("calendar-settings")).content.decode()
    assert secret not in page and f"{feed.prefix}…" in page and "Reset the address" in page
    assert client.get(url).status_code == 200


def test_a_deactivated_users_feed_stops_serving(client, member, demo_team):
    url = feed_url(client, member)
    client.logout()
    member.is_active = False
    member.save()
    assert client.get(url).status_code == 404
    member.is_active = True
    member.save()
    assert client.get(url).status_code == 200


def test_the_feed_carries_no_control_characters_and_folds_lines(client, member, demo_team):
    rotation = Rotation.objects.filter(sprint__number__gt=0).order_by("sprint__number").last()
    # PostgreSQL refuses to store a NUL at all; SQLite stores one, and the feed drops it.
    nul = "\x00" if connection.vendor == "sqlite" else ""
    rotation.notes = f"Alex{nul} covers Friday;\x1b[2J\x07 call, if paged\r\n" + "é" * 200
    rotation.save()
    engineer = rotation.primary
    engineer.name = "Alex\x0b Rivera"
    engineer.save()
    body = client.get(feed_url(client, member)).content
    assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", body)  # RFC 5545 3.1, 3.3.11
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    for line in lines:
        line.decode("utf-8")  # never folded inside a character
    event = next(
        e
        for e in Calendar.from_ical(body).walk("VEVENT")
        if str(e["UID"]) == f"rotation-sprint-{rotation.sprint.number}@oncall-dashboard"
    )
    assert str(event["DESCRIPTION"]).endswith("Alex covers Friday;[2J call, if paged\n" + "é" * 200)
    assert "Alex Rivera (primary)" in str(event["SUMMARY"])

"""Hashing the stored calendar secrets keeps every address already in a calendar app working."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from rotations.models import CalendarFeed

BEFORE = [("rotations", "0004_release_time_and_team_group")]
CLEAR = "an-address-subscribed-before-the-upgrade-0123456789"


@pytest.mark.django_db(transaction=True)
def test_an_address_made_before_the_upgrade_still_serves_and_is_no_longer_stored(
    client, django_user_model
):
    user = django_user_model.objects.create_user("member", password="pw-for-tests-only")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        old.get_model("rotations", "CalendarFeed").objects.create(user_id=user.pk, token=CLEAR)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    feed = CalendarFeed.objects.get(user=user)
    assert CLEAR not in str(CalendarFeed.objects.filter(pk=feed.pk).values().get())
    assert feed.prefix == CLEAR[:6]
    response = client.get(reverse("calendar-feed", args=[CLEAR]))
    assert response.status_code == 200 and response.content.startswith(b"BEGIN:VCALENDAR")
    assert client.get(reverse("calendar-feed", args=[feed.digest])).status_code == 404

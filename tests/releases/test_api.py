"""`GET /api/v1/releases` and `manage.py releases --format json`: one document, in order of
`scheduled_at`, 100 a page, in a bounded number of queries at thousands of rows."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command

from oncall_site.models import ApiToken
from releases.models import Release, ReleaseAnswer
from releases.services import releases_ensure
from rotations.models import Sprint
from tests.clock import NOW

pytestmark = pytest.mark.django_db
URL = "/api/v1/releases"


def test_it_needs_a_session_or_a_token(client, train):
    assert client.get(URL).status_code == 401
    token = ApiToken(user=train["cc_user"], name="release sheet")
    secret = token.set_new_secret()
    token.save()
    response = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_each_release_says_when_who_what_and_the_reminder(client, train, at_now):
    ReleaseAnswer.objects.create(
        release=train["release"],
        team=train["cc"],
        opted_in=True,
        description="Faster",
        hashes={"cc-app": "abc1234"},
        answered_at=NOW,
    )
    Release.objects.filter(sprint__number=6).update(
        reminder_sent_at=NOW, reminder_late=True, reminder_error=""
    )
    client.force_login(train["cc_user"])
    body = client.get(URL, {"since": "2026-03-18", "until": "2026-03-19"}).json()
    assert body["next"] is None
    (release,) = body["releases"]
    assert release["sprint"] == 6
    assert release["scheduled_at"] == "2026-03-18T10:00:00-04:00"
    assert release["reminder_at"] == "2026-03-17T10:00:00-04:00"
    assert release["reminder_sent_at"] == "2026-03-11T14:30:00-04:00"
    assert (release["reminder_late"], release["reminder_error"]) == (True, None)
    assert release["captain"] == "Dana Kowalski"
    assert release["answers"][0] == {
        "team": "cc",
        "answer": "in",
        "description": "Faster",
        "hashes": {"cc-app": "abc1234"},
        "answered_at": "2026-03-11T14:30:00-04:00",
    }
    assert release["answers"][1]["answer"] == "none"
    assert release["manifest"] == {"cc-app": "abc1234", "db-init": None, "svc-bgs-api": None}


def test_a_bad_since_is_a_400_in_words(client, train):
    client.force_login(train["cc_user"])
    response = client.get(URL, {"since": "last tuesday"})
    assert response.status_code == 400 and "since" in response.json()["error"]


@pytest.fixture
def history(train):
    """1,200 more sprints before the calendar, their releases and 2,400 answers."""
    start = Sprint.objects.order_by("number").first().start_date
    Sprint.objects.bulk_create(
        Sprint(
            number=n + 10_000,
            start_date=start - timedelta(days=14 * n),
            end_date=start - timedelta(days=14 * (n - 1)),
        )
        for n in range(1, 1201)
    )
    releases_ensure()
    ReleaseAnswer.objects.bulk_create(
        ReleaseAnswer(
            release=release,
            team=team,
            opted_in=team == train["cc"],
            hashes={"cc-app": "abc1234"} if team == train["cc"] else {},
            answered_at=release.scheduled_at,
        )
        for release in Release.objects.all()
        for team in (train["cc"], train["ee"])
    )
    return train


def test_it_pages_100_at_a_time_in_order_in_bounded_queries(
    client, history, django_assert_max_num_queries
):
    client.force_login(history["cc_user"])
    seen: list[str] = []
    url: str | None = URL
    pages = 0
    while url:
        # Session, user, count, the page, its answers, teams, services.
        with django_assert_max_num_queries(7):
            body = client.get(url).json()
        seen += [r["scheduled_at"] for r in body["releases"]]
        url = body["next"]
        pages += 1
    assert pages == 13 and len(seen) == Release.objects.count() == 1211
    instants = [datetime.fromisoformat(s) for s in seen]
    assert instants == sorted(instants) and len(set(instants)) == len(instants)


def test_the_command_prints_the_same_document_for_all_releases(
    client, history, django_assert_max_num_queries
):
    out = io.StringIO()
    with django_assert_max_num_queries(12):  # teams, services, count, 3 x (page, answers)
        call_command("releases", "--format", "json", stdout=out)
    document = json.loads(out.getvalue())
    assert document["next"] is None and len(document["releases"]) == 1211
    client.force_login(history["cc_user"])
    first = client.get(URL).json()["releases"]
    assert document["releases"][:100] == first

"""The release pages: what each person may do, the errors they see, and bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from releases.models import Release, ReleaseAnswer
from rotations.models import Rotation, Sprint
from tests.clock import NOW

pytestmark = pytest.mark.django_db

ANSWER = "release-answer"


def answer_url(number: int, team: str) -> str:
    return reverse(ANSWER, args=[number, team])


def test_it_requires_login(client, train):
    assert client.get(reverse("releases")).status_code == 302
    assert client.get(reverse("release-detail", args=[6])).status_code == 302


def test_the_page_shows_the_next_release_and_the_past_ones(client, train, at_now):
    client.force_login(train["cc_user"])
    ReleaseAnswer.objects.create(
        release=Release.objects.get(sprint__number=5),
        team=train["cc"],
        opted_in=True,
        description="went",
        hashes={"cc-app": "abc1234"},
        answered_at=NOW - timedelta(days=8),
    )
    Release.objects.filter(sprint__number=5).update(
        decision="go", shipped={"cc-app": "abc1234", "db-init": None}
    )
    html = client.get(reverse("releases")).content.decode()
    assert "Next release: sprint 6" in html
    assert "Wednesday Mar 18, 2026 10:00 EDT" in html
    assert "Dana Kowalski" in html and "0 of 2 answered" in html
    assert html.count("no answer yet") == 2
    assert "Answer for Contention Classification" in html
    assert "Answer for Employee Experience" not in html  # not their team
    assert "Record go / no-go" not in html  # not the captain
    assert "cc-app</code>@<code>abc1234" in html  # what went out in sprint 5


def test_the_captain_sees_the_forms_and_every_teams_answer_link(client, train, at_now):
    client.force_login(train["captain_user"])
    html = client.get(reverse("release-detail", args=[6])).content.decode()
    assert "Record go / no-go" in html and "Move the release" in html
    assert "Answer for Employee Experience" in html and "Answer for Contention" in html


def test_a_member_answers_for_their_team(client, train, at_now):
    client.force_login(train["cc_user"])
    response = client.post(
        answer_url(6, "cc"),
        {"opted_in": "in", "description": "Faster lookups", "hashes": "cc-app 3F2A9C1"},
    )
    assert response.status_code == 302
    answer = ReleaseAnswer.objects.get()
    assert answer.hashes == {"cc-app": "3f2a9c1"} and answer.answered_by == train["cc_user"]
    html = client.get(reverse("release-detail", args=[6])).content.decode()
    assert "<code>cc-app</code></td><td>cc</td><td><code>3f2a9c1</code>" in html


def test_anyone_else_gets_a_clear_403(client, train, member, at_now):
    client.force_login(train["ee_user"])
    response = client.get(answer_url(6, "cc"))
    assert response.status_code == 403
    assert "Only members of Contention Classification" in response.content.decode()
    client.force_login(member)
    response = client.post(answer_url(6, "cc"), {"opted_in": "out"})
    assert response.status_code == 403 and not ReleaseAnswer.objects.exists()
    assert client.post(reverse("release-move", args=[6]), {}).status_code == 403
    assert client.post(reverse("release-decide", args=[6]), {}).status_code == 403
    assert client.post(reverse("release-remind", args=[6]), {}).status_code == 403


@pytest.mark.parametrize(
    ("hashes", "message"),
    [
        ("cc-ap abc1234", "“cc-ap” is not a service we know."),
        ("cc-app not-hex", "is not a commit hash: 7 to 40 hexadecimal characters"),
        ("cc-app abc12", "is not a commit hash"),
        ("ee-max-cfi-app abc1234", "belongs to another team"),
        ("cc-app", "needs a service and a hash"),
    ],
)
def test_bad_answers_are_refused_in_words(client, train, at_now, hashes, message):
    client.force_login(train["cc_user"])
    response = client.post(
        answer_url(6, "cc"), {"opted_in": "in", "description": "x", "hashes": hashes}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReleaseAnswer.objects.exists()


def test_an_answer_after_the_cut_off_is_refused(client, train, at_now):
    Release.objects.filter(sprint__number=6).update(answers_close_at=NOW - timedelta(hours=1))
    client.force_login(train["cc_user"])
    response = client.post(answer_url(6, "cc"), {"opted_in": "out"})
    assert response.status_code == 400
    assert "Answers closed at Wed Mar 11 13:30" in response.content.decode()
    # The captain answers on the team's behalf after the cut-off.
    client.force_login(train["captain_user"])
    assert client.post(answer_url(6, "cc"), {"opted_in": "out"}).status_code == 302


def test_the_captain_moves_the_release_and_records_go(client, train, at_now):
    client.force_login(train["captain_user"])
    response = client.post(
        reverse("release-move", args=[6]),
        {"scheduled_at": "2026-03-19T13:00", "answers_close_at": "2026-03-18T17:00"},
    )
    assert response.status_code == 302
    release = Release.objects.get(sprint__number=6)
    local = timezone.localtime(release.scheduled_at)
    assert (local.day, local.hour) == (19, 13) and release.moved_at is not None
    client.post(reverse("release-decide", args=[6]), {"decision": "go", "note": "green"})
    release.refresh_from_db()
    assert release.decision == "go" and release.decided_by == train["captain_user"]
    assert release.shipped == {"db-init": None, "svc-bgs-api": None}


def test_moving_into_the_past_is_refused_with_a_message(client, train, at_now):
    client.force_login(train["captain_user"])
    response = client.post(
        reverse("release-move", args=[6]), {"scheduled_at": "2026-03-01T10:00"}, follow=True
    )
    assert "A release can only move to a time still ahead." in response.content.decode()


def test_the_page_answers_in_a_bounded_number_of_queries_at_thousands_of_rows(
    client, train, at_now, django_assert_max_num_queries
):
    """Thousands of answers over hundreds of past releases: the count does not grow."""
    client.force_login(train["captain_user"])
    last = Sprint.objects.order_by("-number").first()
    start = Sprint.objects.order_by("number").first().start_date
    sprints = [
        Sprint(
            number=n + 10_000,
            start_date=start - timedelta(days=14 * n),
            end_date=start - timedelta(days=14 * (n - 1)),
        )
        for n in range(1, 1201)
    ]
    assert last is not None
    Sprint.objects.bulk_create(sprints)  # no signal: the releases come from ensure
    from releases.services import releases_ensure

    releases_ensure()
    answers = [
        ReleaseAnswer(
            release=release,
            team=team,
            opted_in=True,
            description="x",
            hashes={"cc-app": "abc1234"},
            answered_at=release.scheduled_at,
        )
        for release in Release.objects.all()
        for team in (train["cc"], train["ee"])
    ]
    ReleaseAnswer.objects.bulk_create(answers)
    assert ReleaseAnswer.objects.count() > 2000
    Rotation.objects.filter(sprint__number=6).delete()  # a release without a rotation
    # Session, user, the release(s), answers, teams, services, groups, the header's sprint,
    # the captain's choices; the dashboard's own (what needs you, its cards, capacity:
    # tests/rotations/test_views.py counts them) and its panel's 4.
    bounds = {
        reverse("releases"): 12,
        reverse("releases") + "?page=40": 12,
        reverse("release-detail", args=[6]): 9,
        "/": 49,
    }
    for url, bound in bounds.items():
        client.get(url)
        with django_assert_max_num_queries(bound):
            assert client.get(url).status_code == 200

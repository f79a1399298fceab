"""One release per sprint however sprints are made; answers and moves as the services keep them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from releases import services
from releases.models import Release, ReleaseAnswer
from rotations import services as rotation_services
from rotations.models import Sprint, SprintCadence, team_zone
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def test_every_generated_sprint_has_exactly_one_release_on_its_first_wednesday(train):
    assert Release.objects.count() == Sprint.objects.count() == 11
    release = train["release"]
    assert release.scheduled_at == datetime(2026, 3, 18, 14, 0, tzinfo=UTC)  # 10:00 EDT
    before = Release.objects.get(sprint__number=5)
    assert before.scheduled_at == datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # 10:00 EST
    # Generating again, and ensuring again, changes nothing.
    rotation_services.sprints_generate(cadence=train["cadence"], today=NOW.date())
    assert services.releases_ensure() == []
    assert Release.objects.count() == 11


def test_a_cadence_starting_on_a_thursday_releases_the_next_wednesday(db):
    cadence = SprintCadence.objects.create(
        anchor_number=1, anchor_start=date(2026, 12, 24), length_days=14, release_time=time(15, 30)
    )
    rotation_services.sprints_generate(cadence=cadence, today=date(2026, 12, 24))
    first = Release.objects.get(sprint__number=1).scheduled_at.astimezone(team_zone())
    second = Release.objects.get(sprint__number=2).scheduled_at.astimezone(team_zone())
    assert (first.date(), first.time()) == (date(2026, 12, 30), time(15, 30))
    assert second.date() == date(2027, 1, 13)  # across the year end


def test_a_sprint_stored_without_a_release_gets_one_from_ensure(train):
    Release.objects.filter(sprint__number=11).delete()
    made = services.releases_ensure()
    assert [r.sprint.number for r in made] == [11]


def test_the_captain_is_the_sprints_primary_unless_changed(train):
    release = train["release"]
    assert release.captain_engineer() == train["captain"]
    assert services.is_captain(release, train["captain_user"])
    assert not services.is_captain(release, train["cc_user"])


def test_a_member_answers_for_their_team_only(train):
    release, cc = train["release"], train["cc"]
    answer = services.answer_save(
        release=release,
        team=cc,
        opted_in=True,
        description="Faster lookups",
        hashes={"cc-app": "ABC1234"},
        user=train["cc_user"],
        now=NOW,
    )
    assert answer.hashes == {"cc-app": "abc1234"} and answer.answered_by == train["cc_user"]
    with pytest.raises(PermissionDenied, match="Only members of Employee Experience"):
        services.answer_save(
            release=release,
            team=train["ee"],
            opted_in=False,
            description="",
            hashes={},
            user=train["cc_user"],
            now=NOW,
        )


def test_a_bad_answer_is_refused_in_words(train):
    def save(hashes, **kw):
        return services.answer_save(
            release=train["release"],
            team=train["cc"],
            opted_in=True,
            description="x",
            hashes=hashes,
            user=train["cc_user"],
            now=kw.get("now", NOW),
        )

    with pytest.raises(ValidationError, match="not a service we know"):
        save({"cc-ap": "abc1234"})
    with pytest.raises(ValidationError, match="belongs to another team"):
        save({"ee-max-cfi-app": "abc1234"})
    with pytest.raises(ValidationError, match="not a commit hash"):
        save({"cc-app": "xyz1234"})
    with pytest.raises(ValidationError, match="at least one service"):
        save({})
    assert not ReleaseAnswer.objects.exists()


def test_answers_close_at_the_cut_off_except_for_the_captain(train):
    release = train["release"]
    release.answers_close_at = NOW - timedelta(minutes=1)
    release.save()
    with pytest.raises(ValidationError, match="Answers closed at Wed Mar 11 14:29"):
        services.answer_save(
            release=release,
            team=train["cc"],
            opted_in=False,
            description="",
            hashes={},
            user=train["cc_user"],
            now=NOW,
        )
    services.answer_save(
        release=release,
        team=train["cc"],
        opted_in=False,
        description="",
        hashes={},
        user=train["captain_user"],
        now=NOW,
    )
    assert ReleaseAnswer.objects.get().answered_by == train["captain_user"]


def test_moving_a_release_rearms_its_reminder(train):
    release = train["release"]
    Release.objects.filter(pk=release.pk).update(reminder_sent_at=NOW - timedelta(hours=5))
    release.refresh_from_db()
    later = release.scheduled_at + timedelta(days=1)
    moved = services.release_move(
        release=release,
        scheduled_at=later,
        answers_close_at=None,
        captain=None,
        user=train["captain_user"],
        now=NOW,
    )
    assert (moved.scheduled_at, moved.moved_at, moved.reminder_sent_at) == (later, NOW, None)
    with pytest.raises(PermissionDenied):
        services.release_move(
            release=release,
            scheduled_at=later,
            answers_close_at=None,
            captain=None,
            user=train["cc_user"],
            now=NOW,
        )


def test_the_demo_has_past_releases_with_what_went_out(demo_team):
    past = Release.objects.filter(scheduled_at__lte=NOW).exclude(decision="")
    assert past.count() >= 10
    assert any(r.shipped and len(r.shipped) > 7 for r in past)  # partner services went out
    assert ReleaseAnswer.objects.exists()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert Release.objects.count() == Sprint.objects.count()


def test_the_migration_gives_sprints_stored_before_it_their_releases(train):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("releases.migrations.0001_initial")
    Release.objects.filter(sprint__number__in=[3, 4]).delete()
    migration.release_every_stored_sprint(apps, None)
    assert Release.objects.count() == Sprint.objects.count()
    third = Release.objects.get(sprint__number=3).scheduled_at.astimezone(team_zone())
    assert (third.date(), third.time()) == (date(2026, 2, 4), time(10, 0))


def test_the_scheduled_task_runs_the_command(train, settings):
    from releases.tasks import release_reminders

    settings.SLACK_WEBHOOK_URL = ""
    assert release_reminders() == "Slack is not configured (SLACK_WEBHOOK_URL)."

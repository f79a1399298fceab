"""The release reminder, against the sandbox's Slack that records what it receives: posted
once when due, late when the worker was down, never after the release, retried after a
failure, and exactly once with several runs at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from releases import reminders, selectors
from releases.models import Release, ReleaseAnswer
from sandbox import SERVE, Reply
from tests.clock import NOW
from tests.processes import child_environment

RELEASE = NOW + timedelta(days=7) - timedelta(hours=4, minutes=30)  # sprint 6: Wed Mar 18 14:00 UTC
DUE = RELEASE - timedelta(hours=24)


def texts(sandbox) -> list[str]:
    return [m.payload["text"] for m in sandbox.slack_messages]


@pytest.fixture
def answered(train):
    ReleaseAnswer.objects.create(
        release=train["release"],
        team=train["cc"],
        opted_in=True,
        description="x",
        hashes={"cc-app": "abc1234"},
        answered_at=NOW,
    )
    return train


@pytest.mark.django_db
def test_the_message_names_the_sprint_time_captain_answers_and_the_link(answered):
    row = selectors.release_of_sprint(6, now=DUE)
    text = reminders.message_text(row, late=False)
    assert text.startswith(
        "*Release of sprint 6*: Wed Mar 18 at 10:00 EDT. Captain: Dana Kowalski."
    )
    assert "Answered: Contention Classification (in)." in text
    assert "Not answered yet: Employee Experience." in text
    assert "<http://127.0.0.1:8000/releases/6/|answer here>" in text


@pytest.mark.django_db
def test_it_is_posted_once_when_due_and_never_before(answered, upstreams):
    assert answered["release"].scheduled_at == RELEASE
    assert reminders.send_due(now=DUE - timedelta(minutes=1)) == []
    (outcome,) = reminders.send_due(now=DUE + timedelta(minutes=2))
    assert outcome.sent and outcome.message == "sent."
    assert reminders.send_due(now=DUE + timedelta(minutes=7)) == []
    assert len(texts(upstreams)) == 1 and "Late" not in texts(upstreams)[0]
    release = Release.objects.get(sprint__number=6)
    assert release.reminder_sent_at is not None and not release.reminder_late
    assert (release.reminder_claim, release.reminder_error) == ("", "")


@pytest.mark.django_db
def test_a_stopped_worker_posts_late_on_restart_and_says_so(answered, upstreams):
    assert reminders.send_due(now=DUE - timedelta(minutes=3)) == []  # then the worker stops
    with time_machine.travel(DUE + timedelta(hours=3), tick=False):
        call_command("release_reminders", stdout=open(os.devnull, "w"))  # noqa: SIM115
    (text,) = texts(upstreams)
    assert "(Late: this reminder was due Tue Mar 17 at 10:00 EDT" in text
    assert Release.objects.get(sprint__number=6).reminder_late


@pytest.mark.django_db
def test_never_after_the_release(answered, upstreams):
    assert reminders.send_due(now=RELEASE) == []
    assert reminders.send_due(now=RELEASE + timedelta(hours=1)) == []
    assert texts(upstreams) == []


@pytest.mark.django_db
def test_a_moved_release_moves_its_reminder_and_under_24_hours_goes_at_once(answered, upstreams):
    from releases.services import release_move

    release = answered["release"]
    moved_at = DUE - timedelta(hours=30)
    release_move(
        release=release,
        scheduled_at=moved_at + timedelta(hours=5),
        answers_close_at=None,
        captain=None,
        user=answered["captain_user"],
        now=moved_at,
    )
    (outcome,) = reminders.send_due(now=moved_at + timedelta(minutes=4))
    assert outcome.message == "sent."  # at once, and not late: nobody was down
    assert (
        "Wed Mar 18" not in texts(upstreams)[0] and "Mon Mar 16 at 09:00 EDT" in texts(upstreams)[0]
    )


@pytest.mark.django_db
def test_a_500_is_recorded_not_marked_sent_and_retried_next_run(answered, upstreams):
    upstreams.script(
        "slack.webhook", Reply(500, "internal_error", content_type="text/plain"), SERVE
    )
    (outcome,) = reminders.send_due(now=DUE)
    assert not outcome.sent and "500" in outcome.message
    release = Release.objects.get(sprint__number=6)
    assert release.reminder_sent_at is None and "500" in release.reminder_error
    assert release.reminder_claim == "" and release.reminder_claimed_until is None
    (outcome,) = reminders.send_due(now=DUE + timedelta(minutes=5))
    assert outcome.sent
    release.refresh_from_db()
    assert (release.reminder_error, release.reminder_attempts) == ("", 2)
    assert len(texts(upstreams)) == 1


@pytest.mark.django_db
def test_a_timeout_is_recorded_in_words_and_tried_again_next_run(answered, upstreams):
    with upstreams.fault("slack.webhook", "slow", delay=1.5, times=1):
        (outcome,) = reminders.send_due(now=DUE)
    assert not outcome.sent
    release = Release.objects.get(sprint__number=6)
    assert release.reminder_sent_at is None
    assert release.reminder_error.startswith(reminders.MAYBE_POSTED)
    assert "did not answer within 1 s" in release.reminder_error
    (outcome,) = reminders.send_due(now=DUE + timedelta(minutes=5))
    assert outcome.sent
    # The first post may have reached the channel after all: the second says so.
    assert "(Posted again: Slack did not answer the last try" in texts(upstreams)[-1]


@pytest.mark.django_db
def test_a_rate_limited_slack_is_retried_a_bounded_number_of_times(answered, upstreams):
    upstreams.requests.reset()
    with upstreams.fault("slack.webhook", "rate_limit", retry_after=0):
        (outcome,) = reminders.send_due(now=DUE)
    assert not outcome.sent
    assert upstreams.requests.count("slack.webhook") == 3  # the first try and 2 retries
    assert Release.objects.get(sprint__number=6).reminder_sent_at is None


@pytest.mark.django_db
def test_a_held_claim_keeps_other_runs_out_until_its_lease_runs_out(answered, upstreams):
    release = answered["release"]
    config = reminders.slack.config_from_settings()
    token = reminders.claim(release, now=DUE, lease=reminders.lease_for(config))
    assert token is not None  # a run that then died mid-post
    assert reminders.send_due(now=DUE + timedelta(minutes=1))[0].message.startswith("already")
    lease = reminders.lease_for(config)
    assert reminders.send_due(now=DUE + lease + timedelta(seconds=1))[0].sent
    assert len(texts(upstreams)) == 1


@pytest.mark.django_db
def test_a_run_that_listed_the_reminder_before_another_sent_it_does_not_post(answered, upstreams):
    """The claim itself checks the reminder is unsent: a slow run's list may be stale."""
    release = answered["release"]
    config = reminders.slack.config_from_settings()
    assert reminders.post_reminder(release, now=DUE, config=config).sent
    late_run = reminders.post_reminder(release, now=DUE + timedelta(seconds=1), config=config)
    assert not late_run.sent and late_run.message.startswith("already sent")
    assert len(texts(upstreams)) == 1


@pytest.mark.django_db
def test_the_captain_can_send_it_again_by_hand(answered, upstreams, client):
    reminders.send_due(now=DUE)
    client.force_login(answered["captain_user"])
    with time_machine.travel(DUE + timedelta(hours=1), tick=False):
        client.post("/releases/6/remind/")
    assert len(texts(upstreams)) == 2 and "(Sent again by hand.)" in texts(upstreams)[1]


@pytest.mark.django_db(transaction=True)
def test_several_runs_at_once_against_a_slow_slack_post_once(answered, upstreams, monkeypatch):
    """Eight runs start together; Slack takes half a second to answer each post (slow,
    within the timeout), so the other runs try while the first is still posting."""
    start = threading.Barrier(8)
    outcomes: list = []
    post = reminders.slack.post_message

    def slow_post(*args, **kwargs):
        time.sleep(0.5)  # the sandbox's own `slow` fault waits on a clock faketime stops
        return post(*args, **kwargs)

    monkeypatch.setattr(reminders.slack, "post_message", slow_post)

    def run() -> None:
        try:
            start.wait()
            outcomes.extend(reminders.send_due(now=DUE + timedelta(minutes=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 8
    assert sum(o.sent for o in outcomes) == 1, [o.message for o in outcomes]
    assert len(texts(upstreams)) == 1


@pytest.mark.django_db(transaction=True)
def test_several_processes_at_once_post_each_reminder_once(train, sandbox):
    """Three `manage.py release_reminders` processes on the same database, on the real
    clock: two reminders due (one of them moved), one not yet."""
    now = timezone.now()
    for number, hours in ((7, 23), (8, 2), (9, 30)):
        Release.objects.filter(sprint__number=number).update(
            scheduled_at=now + timedelta(hours=hours), moved_at=now
        )
    env = child_environment(SLACK_WEBHOOK_URL=sandbox.env()["SLACK_WEBHOOK_URL"])
    if "FAKETIME" in os.environ:  # under faketime each process starts its own clock: ours,
        # written on the wall clock of the TZ the child inherits (Django sets it to the team's)
        wall = now.astimezone(ZoneInfo(os.environ.get("TZ") or "UTC"))
        env["FAKETIME"] = "@" + wall.strftime("%Y-%m-%d %H:%M:%S")
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    runs = [
        subprocess.Popen(
            [sys.executable, str(manage), "release_reminders"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    posted = sorted(t.split("*")[1] for t in texts(sandbox))
    assert posted == ["Release of sprint 7", "Release of sprint 8"], outputs
    assert set(
        Release.objects.filter(reminder_sent_at__isnull=False).values_list(
            "sprint__number", flat=True
        )
    ) == {7, 8}


def test_the_schedule_runs_it_every_5_minutes():
    from oncall_site.management.commands.setup_schedules import periodic_tasks

    (task,) = [t for t in periodic_tasks() if t.name == "release-reminders"]
    assert (task.func, task.minutes) == ("releases.tasks.release_reminders", 5)


@pytest.mark.django_db
def test_without_slack_the_command_says_so(train, settings, capsys):
    settings.SLACK_WEBHOOK_URL = ""
    call_command("release_reminders")
    assert "Slack is not configured" in capsys.readouterr().out

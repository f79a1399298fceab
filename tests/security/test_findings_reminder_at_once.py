"""The daily findings message (the SLA digest) from several workers at once, on whichever
database the suite runs: posted once that day, however many runs try together, the first
of them creating the policy row the day is claimed on."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from security import reminders
from security.models import SlaPolicy
from tests.clock import NOW
from tests.processes import at_once
from tests.security.test_findings_reminder import MORNING, make

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_runs_at_once_post_the_days_message_once(upstreams, monkeypatch):
    make(1, "breaches in two days", first_seen_at=NOW - timedelta(days=28))
    SlaPolicy.objects.all().delete()  # the first run of all creates it
    post = reminders.slack.post_message

    def slow_post(*args, **kwargs):
        time.sleep(0.5)  # within the timeout: the other runs try while this one posts
        return post(*args, **kwargs)

    monkeypatch.setattr(reminders.slack, "post_message", slow_post)
    outcomes = at_once(4, lambda: reminders.send_daily(now=MORNING))
    assert sorted(o.sent for o in outcomes) == [False, False, False, True], outcomes
    assert len(upstreams.slack_messages) == 1
    assert SlaPolicy.objects.get().reminder_sent_on is not None
    assert reminders.send_daily(now=MORNING + timedelta(days=1)).sent  # the next day's

"""The sprint-end notice from several workers at once, on whichever database the suite runs:
posted once, however many runs try together while Slack is slow to answer."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from reports import notice
from reports.models import HandoffNotice
from tests.processes import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_four_runs_at_once_post_the_notice_once(sprint7, upstreams, monkeypatch):
    post = notice.slack.post_message

    def slow_post(*args, **kwargs):
        time.sleep(0.5)  # within the timeout: the other runs try while this one posts
        return post(*args, **kwargs)

    monkeypatch.setattr(notice.slack, "post_message", slow_post)
    due = sprint7.ends_at + timedelta(minutes=1)
    outcomes = at_once(4, lambda: notice.post_notice(now=due))
    assert sorted(o.sent for o in outcomes) == [False, False, False, True]
    assert len(upstreams.slack_messages) == 1
    row = HandoffNotice.objects.get(sprint=sprint7)
    assert row.sent_at is not None and row.claim == ""
    assert HandoffNotice.objects.count() == 1

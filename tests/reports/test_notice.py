"""The sprint-end notice, against the sandbox's Slack: not before the sprint ends, once
however many runs, a failure retried by a later run, the link absolute."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reports import notice
from reports.models import HandoffNotice

pytestmark = pytest.mark.django_db


def texts(sandbox) -> list[str]:
    return [m.payload["text"] for m in sandbox.slack_messages]


def test_the_headline_reads_what_the_document_has_and_skips_what_it_lacks() -> None:
    document = {
        "metrics": {
            "incidents": {"incident_count": 4, "open_count": 1, "mttr_seconds": 5400},
            "security": {"secrel": {"state": "failing"}},
        },
        "releases": {"release": {"decision": "go"}},
    }
    assert notice.headline(document) == [
        "Incidents: 4, 1 still open",
        "MTTR: 1 h 30 min",
        "SecRel: failing",
        "Release: go",
    ]
    assert notice.headline({"metrics": {}}) == []


def test_it_posts_once_after_the_sprint_ends_and_never_before(sprint7, upstreams, settings):
    settings.SITE_URL = "https://oncall.example.org"
    end = sprint7.ends_at
    assert notice.post_notice(now=end - timedelta(minutes=1)) is None  # sprint 6's is stale
    first = notice.post_notice(now=end + timedelta(minutes=1))
    second = notice.post_notice(now=end + timedelta(minutes=16))
    assert (first.sprint, first.sent) == (7, True)
    assert (second.sent, second.message) == (False, "already sent or being sent.")
    (text,) = texts(upstreams)
    assert text.startswith("*Sprint 7 is over: its handoff report is ready.*")
    assert "On call: Priya Shah (primary), Sam Okafor (secondary)." in text
    assert "• Incidents: 5, 5 still open" in text and "• MTTR: none resolved" in text
    assert "<https://oncall.example.org/reports/sprint/7/|Read the report>" in text
    assert notice.post_notice(now=end + notice.POST_WITHIN) is None  # too late to say


def test_a_failed_post_is_recorded_and_a_later_run_delivers_it(sprint7, upstreams):
    end = sprint7.ends_at
    with upstreams.fault("slack.webhook", "rate_limit", retry_after=0):
        failed = notice.post_notice(now=end + timedelta(minutes=1))
    assert not failed.sent and failed.message.startswith("not sent:")
    row = HandoffNotice.objects.get(sprint=sprint7)
    assert row.sent_at is None and row.error and row.claim == ""
    delivered = notice.post_notice(now=end + timedelta(minutes=16))
    assert delivered.sent
    row.refresh_from_db()
    assert (row.attempts, row.error) == (2, "") and row.sent_at is not None
    assert len(texts(upstreams)) == 1


def test_a_held_claim_keeps_a_second_run_out(sprint7, upstreams):
    end = sprint7.ends_at
    assert notice.claim(sprint7, now=end, lease=timedelta(minutes=5)) is not None
    assert not notice.post_notice(now=end + timedelta(minutes=1)).sent
    assert notice.post_notice(now=end + timedelta(minutes=6)).sent  # the lease ran out

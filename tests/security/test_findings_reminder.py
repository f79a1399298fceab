"""The daily findings message (once per day, to the sandbox's Slack) and the findings'
metrics document read from stored rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from sandbox import Reply
from security import findings
from security.models import Finding, SlaPolicy
from security.reminders import message_text, send_daily
from security.selectors_findings import findings_document, reminder
from tests.clock import NOW

pytestmark = pytest.mark.django_db
MORNING = NOW  # 14:30 in New York


def make(number: int, title: str, **fields) -> Finding:
    fields.setdefault("severity", "high")
    fields.setdefault("first_seen_at", NOW - timedelta(days=5))
    fields.setdefault("tool", "snyk")
    due = findings.sla_due(
        fields["first_seen_at"],
        fields["severity"],
        SlaPolicy.current().rules(),
        exception_expires=fields.get("exception_expires_at"),
    )
    return Finding.objects.create(
        source="code_scanning",
        number=number,
        title=title,
        upstream_severity=fields["severity"],
        sla_due_at=due,
        **fields,
    )


@pytest.fixture
def story(db):
    rules = SlaPolicy.current().rules()
    make(
        1,
        "jinja2 <xmlattr> XSS",
        package="jinja2",
        first_seen_at=findings.add_days(NOW + timedelta(days=2), -30, rules.zone),
    )
    make(
        2,
        "due in a week",
        first_seen_at=findings.add_days(NOW + timedelta(days=7), -30, rules.zone),
    )
    make(3, "already overdue", first_seen_at=NOW - timedelta(days=40))
    make(
        4,
        "libexpat excepted",
        severity="critical",
        first_seen_at=NOW - timedelta(days=40),
        exception_granted_at=NOW - timedelta(days=20),
        exception_expires_at=NOW + timedelta(days=8),
    )
    make(5, "fixed", closed_at=NOW - timedelta(days=1), closed_reason="fixed")


def test_the_message_names_what_breaches_within_3_days_and_exceptions_ending_within_10(story):
    found = reminder(now=NOW)
    assert [f.number for f, _ in found.breaching] == [1]
    assert [f.number for f, _ in found.expiring] == [4]
    text = message_text(found, zone=SlaPolicy.current().rules().zone)
    assert "CS-1 jinja2 &lt;xmlattr&gt; XSS (jinja2) [high] due Fri Mar 13" in text
    assert "CS-4 libexpat excepted ends Thu Mar 19" in text
    assert "overdue" not in text and "due in a week" not in text


def test_nothing_to_say_is_no_message():
    assert message_text(reminder(now=NOW), zone=SlaPolicy.current().rules().zone) is None


def test_it_is_sent_once_per_day(story, upstreams):
    assert send_daily(now=MORNING).sent
    assert not send_daily(now=MORNING + timedelta(hours=2)).sent
    assert len(upstreams.slack_messages) == 1
    assert "Security findings" in upstreams.slack_messages[0].payload["text"]
    assert send_daily(now=MORNING + timedelta(days=1)).sent
    assert len(upstreams.slack_messages) == 2


def test_it_waits_for_the_morning(story, upstreams):
    early = NOW.replace(hour=12)  # 08:00 in New York
    assert "not before 09:00" in send_daily(now=early).message
    assert send_daily(now=early, force=True).sent


def test_a_failed_post_gives_the_day_back(story, upstreams):
    upstreams.script("slack.webhook", Reply(500, "oops", content_type="text/plain"))
    outcome = send_daily(now=MORNING)
    assert not outcome.sent and "not sent" in outcome.message
    assert SlaPolicy.current().reminder_sent_on is None
    upstreams.script("slack.webhook", Reply(200, "ok", content_type="text/plain"))
    assert send_daily(now=MORNING).sent


def test_without_slack_nothing_is_claimed(story, settings):
    settings.SLACK_WEBHOOK_URL = ""
    assert "not configured" in send_daily(now=MORNING).message
    assert SlaPolicy.current().reminder_sent_on is None


def test_the_command_says_what_it_did(story, settings, at_now, capsys):
    settings.SLACK_WEBHOOK_URL = ""
    call_command("findings_reminder", "--now")
    assert "not configured" in capsys.readouterr().out


def test_the_schedule_runs_it_hourly():
    from oncall_site.management.commands.setup_schedules import periodic_tasks

    (task,) = [t for t in periodic_tasks() if t.name == "findings-reminder"]
    assert (task.func, task.minutes) == ("security.tasks.findings_reminder", 60)


# The metrics document


def test_the_document_counts_from_stored_findings(story):
    make(
        6,
        "opened and fixed in the window",
        first_seen_at=NOW - timedelta(days=6),
        closed_at=NOW - timedelta(days=2),
        closed_reason="fixed",
        tool="aqua",
    )
    make(7, "nobody rated", severity="unrated", tool="other")
    document = findings_document(since=NOW - timedelta(days=14), until=NOW, as_of=NOW)
    assert document["open"] == 5
    assert document["open_by_severity"] == {
        "critical": 1,
        "high": 3,
        "medium": 0,
        "low": 0,
        "unrated": 1,
    }
    assert document["open_by_tool"]["other"] == 1 and document["open_by_tool"]["snyk"] == 4
    assert (document["overdue"], document["under_exception"]) == (1, 1)
    assert (document["opened"], document["fixed"]) == (3, 2)
    assert document["mean_days_to_remediate"] == 4.0  # (4 + 4) / 2


def test_the_document_measures_nothing_in_an_empty_window():
    document = findings_document(since=NOW - timedelta(days=14), until=NOW, as_of=NOW)
    assert document["open"] == 0 and document["mean_days_to_remediate"] is None

"""SecRel in the metrics document: the selector over stored runs, the API and the command."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from security.models import SecrelRun
from security.selectors import secrel_document, security_document
from tests.clock import NOW

from .secrel_rows import cron, make_run, march_story

pytestmark = pytest.mark.django_db

SINCE = datetime(2026, 3, 2, 5, tzinfo=UTC)  # Monday March 2, 00:00 EST
UNTIL = datetime(2026, 3, 16, 4, tzinfo=UTC)  # Monday March 16, 00:00 EDT
DST_REASON = (
    "started 06:05 EST, 55 min early: a cron at 11:00 UTC is 07:00 EDT but 06:00 EST"
    " (daylight saving time)"
)
KEYS = {
    "state",
    "failing_since_run_number",
    "failing_since",
    "red_runs",
    "failed_job",
    "failed_step",
    "images_published",
    "missed_scheduled_runs",
    "off_schedule_runs",
    "pass_rate",
    "hours_red",
}
EXPECTED = {
    "state": "failing",
    "failing_since_run_number": 104,
    "failing_since": "2026-03-05T11:05:00Z",
    "red_runs": 3,
    # The latest red run's: what is broken now (the streak began with a Snyk failure).
    "failed_job": "SecRel Pipeline",
    "failed_step": "Aqua gate check",
    "images_published": False,
    "missed_scheduled_runs": ["2026-03-04", "2026-03-11"],
    "off_schedule_runs": [
        {"run_number": n, "started_at": f"2026-03-0{day}T11:05:00Z", "reason": DST_REASON}
        for n, day in ((101, 2), (102, 3), (104, 5), (105, 6))
    ],
    "pass_rate": 0.4,  # 2 of 5: the cancelled, the running and the feature branch's aside
    "hours_red": pytest.approx(150 + 55 / 60),  # Thursday 11:35 UTC to NOW, 18:30 UTC
}


def test_the_document_of_a_window_across_the_march_change():
    march_story()
    document = secrel_document(since=SINCE, until=UNTIL, as_of=NOW)
    assert set(document) == KEYS
    assert document == EXPECTED


def test_as_of_an_earlier_instant_knows_only_what_was_decided_by_then():
    march_story()
    as_of = cron(5) + timedelta(minutes=10)  # Thursday's run still going
    document = secrel_document(since=SINCE, until=UNTIL, as_of=as_of)
    assert document["state"] == "passing"
    assert (document["failing_since_run_number"], document["red_runs"]) == (None, 0)
    assert (document["failed_job"], document["failed_step"]) == (None, None)
    assert document["images_published"] is True
    assert document["missed_scheduled_runs"] == ["2026-03-04"]
    assert [o["run_number"] for o in document["off_schedule_runs"]] == [101, 102, 104]
    assert (document["pass_rate"], document["hours_red"]) == (1.0, 0.0)


def test_a_window_inside_a_red_streak_is_red_from_its_start():
    march_story()
    since = datetime(2026, 3, 9, 4, tzinfo=UTC)  # Monday March 9, 00:00 EDT
    document = secrel_document(since=since, until=UNTIL, as_of=NOW)
    assert document["hours_red"] == pytest.approx(62.5)  # to NOW, 2 days 14.5 hours later
    assert document["pass_rate"] == 0.0
    assert document["missed_scheduled_runs"] == ["2026-03-11"]
    assert document["off_schedule_runs"] == []


def test_runs_just_outside_the_window_count_where_the_rules_say():
    since = datetime(2026, 3, 9, 4, tzinfo=UTC)  # Monday March 9, 00:00 EDT
    until = datetime(2026, 3, 11, 13, tzinfo=UTC)  # Wednesday, 09:00 EDT
    make_run(datetime(2026, 3, 8, 12, tzinfo=UTC), event="push")  # green when it begins
    # Started before the window, failed inside it: red from 00:20 EDT on Monday.
    make_run(since - timedelta(minutes=20), "failure", event="push", took=timedelta(minutes=40))
    # Wednesday's scheduled run came at 09:30, after the window: Wednesday was not missed.
    make_run(datetime(2026, 3, 11, 13, 30, tzinfo=UTC), "failure")
    document = secrel_document(since=since, until=until, as_of=NOW)
    assert document["hours_red"] == pytest.approx(56 + 40 / 60)  # to the window's end
    assert document["missed_scheduled_runs"] == ["2026-03-09", "2026-03-10"]
    assert document["pass_rate"] is None  # nothing started in the window


def test_null_where_nothing_is_measured():
    nothing = secrel_document(since=SINCE, until=UNTIL, as_of=NOW)
    assert nothing == {key: "unknown" if key == "state" else None for key in KEYS}
    # Before the history we hold, the schedule is not judged (not "every day missed").
    march_story()
    before = secrel_document(
        since=datetime(2026, 2, 1, 5, tzinfo=UTC),
        until=datetime(2026, 2, 15, 5, tzinfo=UTC),
        as_of=NOW,
    )
    assert before["state"] == "failing"
    assert [before[k] for k in ("missed_scheduled_runs", "off_schedule_runs")] == [None, None]
    assert [before[k] for k in ("pass_rate", "hours_red")] == [None, None]


def test_the_security_part_has_one_key_per_subject():
    document = security_document(since=SINCE, until=UNTIL, as_of=NOW)
    assert set(document) == {"secrel", "findings", "dependabot"}


def test_it_reads_the_document_in_five_queries_whatever_the_history(django_assert_num_queries):
    march_story()
    for size in (10, 5_000):
        add_runs(size - SecrelRun.objects.count())
        with django_assert_num_queries(5):
            document = secrel_document(since=SINCE - timedelta(days=120), until=UNTIL, as_of=NOW)
    assert document["state"] == "failing" and document["pass_rate"] is not None


def add_runs(count: int) -> None:
    """`count` runs over the 120 days before the story, on develop and other branches."""
    start = cron(2) - timedelta(days=120)
    first = SecrelRun.objects.count()
    SecrelRun.objects.bulk_create(
        SecrelRun(
            run_id=1_000_000 + n,
            run_number=1_000 + n,
            event=("schedule", "push", "pull_request", "workflow_dispatch")[n % 4],
            branch="develop" if n % 3 else f"dependabot/npm/pkg-{n % 40}",
            status="completed",
            conclusion=("success", "failure", "cancelled")[n % 3],
            head_sha="b" * 40,
            created_at=start + timedelta(minutes=30 * (n % 5_000)),
            updated_at=start + timedelta(minutes=30 * (n % 5_000) + 20),
            html_url="https://github.com/org/repo/actions/runs/1",
        )
        for n in range(first, first + count)
    )


# --- The API and the command carry it ---------------------------------------------------


def test_the_api_and_the_command_put_it_under_security(client, member):
    march_story()
    client.force_login(member)
    params = {"since": "2026-03-02", "until": "2026-03-16", "as_of": "2026-03-11T18:30:00Z"}
    body = client.get(reverse("api-metrics"), params).json()
    assert set(body) == {"since", "until", "as_of", "incidents", "security", "releases"}
    assert body["security"]["secrel"] == EXPECTED
    out = io.StringIO()
    call_command(
        "metrics",
        "--since",
        params["since"],
        "--until",
        params["until"],
        "--as-of",
        params["as_of"],
        stdout=out,
    )
    assert json.loads(out.getvalue())["security"]["secrel"] == EXPECTED


def test_the_command_says_it_in_words():
    march_story()
    out = io.StringIO()
    call_command(
        "metrics",
        "--since",
        "2026-03-02",
        "--until",
        "2026-03-16",
        "--as-of",
        "2026-03-11T18:30:00Z",
        "--format",
        "text",
        stdout=out,
    )
    text = out.getvalue()
    assert "SecRel          failing since run #104 (2026-03-05T11:05:00Z), 3 red runs" in text
    assert "Pass rate       40% (red 150.9 h of the window)" in text
    assert "Schedule        2 missed (2026-03-04, 2026-03-11), 4 off schedule" in text


def test_a_run_on_another_branch_never_counts(settings):
    settings.SECREL_BRANCH = "main"
    make_run(cron(9), "failure", branch="develop")
    make_run(cron(10), "success", branch="main", event="push")
    document = secrel_document(since=SINCE, until=UNTIL, as_of=NOW)
    assert (document["state"], document["pass_rate"]) == ("passing", 1.0)
    assert document["missed_scheduled_runs"] == ["2026-03-10", "2026-03-11"]

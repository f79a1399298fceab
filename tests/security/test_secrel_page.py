"""The SecRel page: status at a glance, the weekday schedule, the filterable run history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from oncall_site.models import SyncJobState
from security import selectors
from security.models import SecrelRun
from security.views_secrel import _duration
from tests.clock import NOW

from .secrel_rows import cron, make_run, march_story
from .test_secrel_metrics import add_runs

pytestmark = pytest.mark.django_db
URL = reverse("security-secrel")


@pytest.fixture
def logged_in(client, member, at_now):
    client.force_login(member)
    return client


def text(response) -> str:
    """The page's words, tags stripped and spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def numbers(response) -> list[int]:
    return [row.run.run_number for row in response.context["rows"]]


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_says_failing_since_which_run_with_the_failed_job_and_step(logged_in):
    march_story()
    response = logged_in.get(URL)
    words = text(response)
    assert "failing since run #104 ( Thu Mar 5, 06:05 ), 3 red runs" in words
    assert "Failed step Aqua gate check" in words
    assert "Images published no: signed images are not in the registry" in words
    # "3 red runs" links to exactly those runs.
    href = re.search(r'href="([^"]+)">3 red runs', response.content.decode()).group(1)
    red = logged_in.get(href.replace("&amp;", "&"))
    assert numbers(red) == [106, 105, 104]


def test_it_says_passing(logged_in):
    make_run(cron(10), "failure", run_number=7)
    make_run(cron(11), "success", run_number=8, images_published=True)
    words = text(logged_in.get(URL))
    assert (
        "passing run #8 ( Wed Mar 11, 07:05 ) passed." in words and "Images published yes" in words
    )


def test_the_schedule_lists_missed_days_and_off_schedule_runs_with_the_reason(logged_in):
    march_story()
    words = text(logged_in.get(URL))
    # Two weeks back from NOW (Wednesday March 11, 14:30 EDT), from the first run stored.
    assert "Judged from Thu Feb 26, 06:05, the oldest run stored." in words
    assert "Missed 3 missed Friday Feb 27 missed Wednesday Mar 4 missed Wednesday Mar 11" in words
    assert (
        "#105 Fri Mar 6 : started 06:05 EST, 55 min early: a cron at 11:00 UTC is 07:00 EDT"
        " but 06:00 EST (daylight saving time)"
    ) in words


def test_with_no_run_it_judges_nothing(logged_in):
    words = text(logged_in.get(URL))
    assert "Nothing to judge yet: no SecRel run is stored." in words
    assert "No SecRel run synced yet." in words
    assert "has passed or failed yet" in words


def test_the_history_shows_trigger_branch_conclusion_duration_and_link(logged_in):
    march_story()
    response = logged_in.get(URL)
    assert numbers(response) == [109, 108, 107, 106, 105, 104, 102, 101, 100]
    row = next(r for r in response.context["rows"] if r.run.run_number == 104)
    assert (row.trigger, row.outcome, row.tone, row.duration) == (
        "Schedule",
        "Failure",
        "bad",
        "30 min",
    )
    going = response.context["rows"][0]
    assert (going.outcome, going.tone, going.duration) == ("in progress", "warn", "")
    link = f'<a href="{row.run.html_url}" rel="noopener noreferrer external">#104</a>'
    assert link in response.content.decode()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(42, "42 s"), (17 * 60 + 59, "18 min"), (3900, "1 h 5 min"), (7200, "2 h"), (None, "")],
)
def test_durations_read_to_the_minute(seconds, words):
    assert _duration(None if seconds is None else timedelta(seconds=seconds)) == words


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"branch": "feature/bip-retries"}, [107]),
        ({"event": "push"}, [109, 107]),
        ({"conclusion": "cancelled"}, [108]),
        ({"conclusion": "running"}, [109]),
        ({"conclusion": "red", "branch": "develop", "event": "schedule"}, [106, 105, 104]),
    ],
)
def test_it_filters_by_branch_event_and_conclusion(logged_in, params, expected):
    march_story()
    assert numbers(logged_in.get(URL, params)) == expected


def test_red_means_any_failure_and_its_link_lists_the_streak(logged_in):
    make_run(cron(9), "success", run_number=1)
    make_run(cron(10), "timed_out", run_number=2)
    make_run(cron(10) + timedelta(hours=1), "cancelled", run_number=3)
    make_run(cron(11), "startup_failure", run_number=4, event="push")
    response = logged_in.get(URL)
    assert "failing since run #2 ( Tue Mar 10, 07:05 ), 2 red runs" in text(response)
    assert numbers(logged_in.get(response.context["red_runs_href"])) == [4, 2]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"branch": "nope"}, "No SecRel run on branch &#x27;nope&#x27;: that filter is ignored."),
        ({"event": "cron"}, "Unknown event &#x27;cron&#x27; (one of schedule, push,"),
        ({"conclusion": "green"}, "Unknown conclusion &#x27;green&#x27;"),
        ({"since": "last week"}, "since is not an ISO 8601 instant"),
        ({"page": "x9"}, "9 runs"),
    ],
)
def test_a_bad_filter_is_a_message_not_an_error(logged_in, params, message):
    march_story()
    response = logged_in.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert len(response.context["rows"]) == 9  # the bad filter is ignored


def test_a_branch_or_trigger_only_older_runs_used_is_still_a_filter(logged_in, monkeypatch):
    march_story()
    make_run(cron(2) - timedelta(days=30), event="merge_group", branch="gh-readonly-queue/x")
    monkeypatch.setattr(selectors, "RECENT_RUNS", 2)  # the menus offer the two latest runs'
    response = logged_in.get(URL, {"branch": "gh-readonly-queue/x", "event": "merge_group"})
    assert response.context["filters"].errors == []
    assert (
        len(response.context["rows"]) == 1 and response.context["rows"][0].trigger == "Merge group"
    )
    choices = response.context["choices"]
    assert choices.branches == ["develop", "gh-readonly-queue/x"]
    assert list(choices.events)[-1] == "merge_group"


def test_pages_keep_the_filters(logged_in):
    for n in range(60):
        make_run(NOW - timedelta(hours=n + 1), "failure", event="push")
    make_run(NOW - timedelta(hours=1), "success", event="push", branch="main")
    response = logged_in.get(URL, {"branch": "develop"})
    assert response.context["page"].paginator.count == 60
    assert 'href="?branch=develop&amp;page=2#history-heading"' in response.content.decode()
    assert (
        len(logged_in.get(URL, {"branch": "develop", "page": 3}).context["rows"]) == 10
    )  # 25 a page


def test_external_text_is_escaped(logged_in):
    make_run(cron(10), "failure", failed_job="<script>alert(1)</script>", failed_step="<b>x</b>")
    html = logged_in.get(URL).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>x</b>" not in html


def test_it_shows_from_when_the_data_dates_when_the_sync_fails(logged_in, settings):
    settings.GITHUB_TOKEN, settings.GITHUB_REPOSITORY = "t", "org/repo"
    SyncJobState.objects.create(
        job="github.secrel_runs",
        vendor="github",
        last_attempt_at=NOW - timedelta(minutes=2),
        last_success_at=NOW - timedelta(hours=3),
        last_error="GitHub answered 502 Bad Gateway",
    )
    words = text(logged_in.get(URL))
    assert "sync failing Data shown is from Mar 11 11:30. GitHub answered 502 Bad Gateway" in words


def test_the_nav_and_the_dashboard_link_here(logged_in):
    make_run(cron(10), "success")
    html = logged_in.get(reverse("dashboard")).content.decode()
    assert f'<a href="{URL}">Run history and weekday schedule</a>' in html
    assert f'<a href="{URL}">Security</a>' in html
    assert (
        f'<a href="{URL}" aria-current="page">Security</a>' in logged_in.get(URL).content.decode()
    )


def test_it_answers_in_the_same_number_of_queries_at_5000_runs(
    logged_in, django_assert_num_queries
):
    march_story()
    # Session and user (2), branches and events (1), the page's count and rows (2), status
    # (2), schedule (2), freshness (1), the header's sprint (1).
    for size in (10, 5_000):
        add_runs(size - SecrelRun.objects.count())
        for params in ({}, {"branch": "develop", "conclusion": "red", "page": "3"}):
            with django_assert_num_queries(11):
                response = logged_in.get(URL, params)
            assert response.status_code == 200
    assert response.context["page"].paginator.count > 1_000

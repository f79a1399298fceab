"""The Dependabot queue page, the merged and closed list, the dashboard's card and the
metrics document, on stored rows (the clock at `NOW`, the demo team's sprints)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rotations.models import Sprint, team_today
from security.dependabot import GROUPS, queue_group
from security.models import DependabotPR
from security.selectors import open_dependabot_prs
from security.selectors_dependabot import dependabot_document, queue_ids
from security.views_dependabot import PAGE_SIZE
from tests.clock import NOW

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)
QUEUE = reverse("dependabot-queue")
CLOSED = reverse("dependabot-closed")


@pytest.fixture
def logged_in(client, member, demo_team):
    client.force_login(member)
    return client


_numbers = itertools.count(1)


def make_pr(*, opened=NOW - 24 * HOUR, ci="success", mergeable=True, **fields) -> DependabotPR:
    number = fields.pop("number", None) or next(_numbers)
    merged, closed = fields.get("merged_at"), fields.get("closed_at")
    return DependabotPR(
        number=number,
        title=fields.pop("title", f"Bump requests from 2.31.{number} to 2.32.0 in /app"),
        head_sha="a" * 40,
        head_ref=fields.pop("head_ref", f"dependabot/pip/app/requests-{number}"),
        base_ref="develop",
        opened_at=opened,
        html_url=f"https://github.com/org/repo/pull/{number}",
        ci_status=ci,
        mergeable=mergeable,
        open=merged is None and closed is None,
        last_seen_at=NOW,
        **fields,
    )


def store(*prs: DependabotPR) -> None:
    DependabotPR.objects.bulk_create(prs, batch_size=1000)


def current() -> Sprint:
    return Sprint.objects.containing(team_today(NOW)).get()


def test_it_requires_login(client):
    for url in (QUEUE, CLOSED):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_shows_the_three_groups_with_what_each_pr_updates(logged_in):
    store(
        make_pr(number=11, title="Bump requests from 2.31.0 to 2.32.3 in /app"),
        make_pr(
            number=12,
            ci="failure",
            title="Bump the actions group with 3 updates",
            head_ref="dependabot/github_actions/actions-1",
        ),
        make_pr(
            number=13,
            ci="pending",
            mergeable=None,
            title="Bump eclipse-temurin from 17.0.9_9-jre to 21.0.1_12-jre in /docker",
            head_ref="dependabot/docker/docker/eclipse-temurin-21",
        ),
        make_pr(number=14, title="Refactor <script>alert(1)</script>", mergeable=False),
        make_pr(number=15, merged_at=NOW - HOUR, closed_at=NOW - HOUR),
    )
    body = logged_in.get(QUEUE).content.decode()
    ready = body[body.index('id="ready"') : body.index('id="attention"')]
    attention = body[body.index('id="attention"') : body.index('id="waiting"')]
    waiting = body[body.index('id="waiting"') : body.index('class="card reminder"')]
    assert "#11" in ready and "requests" in ready
    assert '"version">2.31.0 →</span> <span class="version">2.32.3<' in ready
    assert ">minor<" in ready and "pip" in ready and "/app" in ready
    assert "#12" in attention and "the actions group" in attention and "3 updates" in attention
    assert "#14" in attention and "&lt;script&gt;" in attention and "<script>" not in body
    assert "#13" in waiting and "Docker" in waiting and ">unknown<" in waiting
    assert "#15" not in body  # merged: no longer in the queue
    assert "4 open" in body
    assert "Unit and integration tests must pass before merging" in body


def test_a_long_group_is_paginated_and_every_pr_is_reachable(logged_in):
    store(*(make_pr(opened=NOW - (200 - n) * HOUR) for n in range(120)))
    store(make_pr(ci="failure"))
    first = logged_in.get(QUEUE, {"attention": "1"}).content.decode()
    pages = -(-120 // PAGE_SIZE)
    assert f"Page 1 of {pages}" in first and "?attention=1&amp;ready=2#ready" in first
    seen = set()
    for page in range(1, pages + 1):
        response = logged_in.get(QUEUE, {"ready": str(page)})
        seen |= {r.pr.number for g in response.context["groups"] for r in g["rows"]}
    assert seen == set(DependabotPR.objects.values_list("number", flat=True))


def test_merged_and_closed_prs_are_counted_per_sprint_and_linked_to_their_list(logged_in):
    sprint = current()
    start = sprint.starts_at
    store(
        make_pr(number=21, opened=start, merged_at=start + 2 * HOUR, closed_at=start + 2 * HOUR),
        make_pr(number=22, opened=start, merged_at=start + 6 * HOUR, closed_at=start + 6 * HOUR),
        make_pr(number=23, opened=start, closed_at=start + HOUR),
        make_pr(
            number=24, opened=start - 30 * 24 * HOUR, merged_at=start - HOUR, closed_at=start - HOUR
        ),
    )
    response = logged_in.get(QUEUE)
    rows = {h["sprint"].number: h for h in response.context["history"]}
    this, last = rows[sprint.number], rows[sprint.number - 1]
    assert (this["merged"], this["closed"], last["merged"], last["closed"]) == (2, 1, 1, 0)
    assert this["merged_url"] == f"{CLOSED}?sprint={sprint.number}&outcome=merged"
    assert len(rows) == 6

    listed = logged_in.get(this["merged_url"])
    assert [r.pr.number for r in listed.context["rows"]] == [22, 21]
    closed = logged_in.get(this["closed_url"])
    assert [r.pr.number for r in closed.context["rows"]] == [23]
    everything = logged_in.get(CLOSED)  # this sprint, both kinds
    assert [r.pr.number for r in everything.context["rows"]] == [22, 21, 23]


def test_an_unknown_sprint_says_so(logged_in):
    response = logged_in.get(CLOSED, {"sprint": "999"})
    assert response.status_code == 404 and "There is no sprint 999" in response.content.decode()
    assert logged_in.get(CLOSED, {"sprint": "x", "outcome": "<b>"}).status_code == 404


def test_the_page_says_how_fresh_the_queue_is(logged_in, settings):
    settings.GITHUB_TOKEN = ""
    body = logged_in.get(QUEUE).content.decode()
    assert "GitHub is not configured" in body and "None." in body


def test_the_dashboard_card_counts_each_group_and_links_to_the_queue(logged_in):
    store(*(make_pr(opened=NOW - n * HOUR) for n in range(1, 9)))
    store(make_pr(ci="failure", opened=NOW - HOUR / 2))
    body = logged_in.get(reverse("dashboard")).content.decode()
    card = body[body.index('id="dependabot-heading"') : body.index('id="sources-heading"')]
    assert "9 open" in card and "8 ready to merge" in card and "1 needs attention" in card
    assert "4 more: the whole queue" in card and f'href="{QUEUE}"' in card
    total, summary = open_dependabot_prs()
    assert total == 9 and summary.first[0].group == "attention"  # the most pressing first


def test_the_sql_read_groups_as_the_rule_does():
    combos = list(
        itertools.product(["success", "failure", "pending", ""], [True, False, None], [True, False])
    )
    store(*(make_pr(ci=ci, mergeable=m, draft=d) for ci, m, d in combos))
    groups = queue_ids()
    rows = DependabotPR.objects.in_bulk()
    for group in GROUPS:
        for pk in groups[group]:
            pr = rows[pk]
            assert (
                queue_group(ci_status=pr.ci_status, mergeable=pr.mergeable, draft=pr.draft) == group
            )
    assert sum(len(ids) for ids in groups.values()) == len(combos)


def test_the_document_reads_the_window_from_stored_rows(demo_team):
    sprint = current()
    since, until = sprint.window()
    store(
        make_pr(opened=since - 24 * HOUR),
        make_pr(opened=since, ci="failure"),
        make_pr(opened=since, merged_at=since + 3 * HOUR, closed_at=since + 3 * HOUR),
        make_pr(opened=since, merged_at=since + 5 * HOUR, closed_at=since + 5 * HOUR),
        make_pr(opened=since, closed_at=since + HOUR),
        make_pr(opened=NOW + HOUR),  # after as_of
    )
    legacy = make_pr(opened=since)  # closed before closing times were recorded
    legacy.open = False
    store(legacy)
    doc = dependabot_document(since=since, until=until, as_of=NOW)
    assert doc == {
        "open": 2,
        "ready_to_merge": 1,
        "failing": 1,
        "waiting": 0,
        "merged": 2,
        "median_hours_to_merge": 4.0,
    }
    earlier = sprint.number - 1
    past = Sprint.objects.get(number=earlier).window()
    before = dependabot_document(since=past[0], until=past[1], as_of=NOW)
    # At the previous sprint's end all but the legacy one and the one not yet opened were
    # open; their CI states then are not known.
    assert (before["open"], before["merged"], before["ready_to_merge"]) == (5, 0, None)


def add_prs(count: int) -> None:
    """`count` PRs, a fifth still open in every group, the rest merged or closed over the
    last six months."""
    prs = []
    for n in range(count):
        opened = NOW - timedelta(hours=4 * n + 10)
        if n % 5 == 0:
            prs.append(make_pr(opened=opened, ci=("success", "failure", "pending")[n % 3]))
        else:
            done = opened + timedelta(hours=n % 40 + 1)
            merged = done if n % 4 else None
            prs.append(
                make_pr(
                    opened=opened,
                    closed_at=done,
                    merged_at=merged,
                    title=f"Bump the pip group with {n % 7 + 2} updates",
                )
            )
    store(*prs)


def test_the_pages_answer_in_the_same_number_of_queries_at_2000_prs(
    logged_in, django_assert_num_queries
):
    sprint = current().number
    pages = {
        "queue": (QUEUE, {}),
        "queue, later pages": (QUEUE, {"ready": "2", "attention": "3", "waiting": "2"}),
        "closed list": (CLOSED, {"sprint": str(sprint), "outcome": "merged"}),
        "dashboard": (reverse("dashboard"), {}),
    }
    # Session, user and the header's sprint, then: the queue's ids, its shown rows, the
    # last sprints, their counts of merged and closed PRs, the job's freshness. The closed list: its sprint, the
    # count, the page. The dashboard's other cards are not this test's: its count is
    # whatever it is at 10 PRs, and must not grow.
    queries = {"queue": 8, "queue, later pages": 8, "closed list": 6}
    add_prs(10)
    with CaptureQueriesContext(connection) as captured:
        assert logged_in.get(reverse("dashboard")).status_code == 200
    queries["dashboard"] = len(captured.captured_queries)
    add_prs(1990)
    assert DependabotPR.objects.count() == 2000
    for name, (url, params) in pages.items():
        with django_assert_num_queries(queries[name]):
            response = logged_in.get(url, params)
        assert response.status_code == 200, name
        if name == "queue, later pages":
            assert [g["page"].number for g in response.context["groups"]] == [2, 3, 2]
    since, until = Sprint.objects.get(number=sprint).window()
    with django_assert_num_queries(1):
        assert dependabot_document(since=since, until=until, as_of=NOW)["open"] == 400


def test_the_sprint_history_is_kept_until_a_write(logged_in, settings, at_now):
    from django.core.cache import cache

    from oncall_site import data_version

    settings.PAGE_CACHE_SECONDS = 120
    cache.clear()
    start = current().starts_at
    store(make_pr(number=31, opened=start, merged_at=start + HOUR, closed_at=start + HOUR))

    def merged_now() -> int:
        history = logged_in.get(QUEUE).context["history"]
        return next(h["merged"] for h in history if h["sprint"] == current())

    assert merged_now() == 1
    store(make_pr(number=32, opened=start, merged_at=start + HOUR, closed_at=start + HOUR))
    assert merged_now() == 1  # kept: a test's rows never commit, so nothing raised the version
    data_version.bump()
    assert merged_now() == 2

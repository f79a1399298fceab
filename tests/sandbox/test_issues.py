"""The issue list as GitHub serves it, and the web pages behind the links the sandbox hands out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import requests
from sandbox_helpers import NOW, REPO, gh_headers, pd_headers
from sandbox_specs import assert_valid

from sandbox import Incident, Items, PullRequest, Sandbox, SandboxClock
from sandbox.models import Issue


def world(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    page = Incident(id="QPAGE0000001", created_at=NOW - timedelta(hours=5), title="BIP down")
    sandbox.load_items(
        Items(
            incidents=[page],
            issues=[
                Issue(
                    number=3001,
                    title="PagerDuty #{number}: BIP down",
                    body="**PagerDuty:** {link}",
                    incident_id=page.id,
                    created_at=NOW - timedelta(hours=4),
                    closed_at=NOW - timedelta(hours=1),
                ),
                Issue(number=3002, title="Runbook", created_at=NOW - timedelta(hours=3)),
                Issue(number=3003, title="Not yet", created_at=NOW + timedelta(hours=1)),
            ],
            pulls=[
                PullRequest(
                    number=1801, title="Bump x", head_ref="x", created_at=NOW - timedelta(hours=2)
                )
            ],
        )
    )
    return sandbox


def issues(sandbox: Sandbox, **params: object) -> requests.Response:
    return requests.get(
        f"{sandbox.github_url}{REPO}/issues", params=params, headers=gh_headers(sandbox), timeout=5
    )


def test_it_lists_issues_and_pull_requests_as_github_does(make_sandbox):
    sandbox = world(make_sandbox)
    listed = issues(sandbox).json()  # default: open ones, newest first
    assert [(i["number"], "pull_request" in i) for i in listed] == [(1801, True), (3002, False)]
    assert_valid("github", "/repos/{owner}/{repo}/issues", "GET", 200, listed)
    every = issues(sandbox, state="all", direction="asc").json()
    assert [i["number"] for i in every] == [3001, 3002, 1801]
    closed = issues(sandbox, state="closed").json()
    assert closed[0]["title"] == "PagerDuty #1: BIP down"
    assert closed[0]["body"] == f"**PagerDuty:** {sandbox.pagerduty_url}/incidents/QPAGE0000001"
    assert closed[0]["state_reason"] == "completed"
    assert_valid("github", "/repos/{owner}/{repo}/issues", "GET", 200, closed)


def test_it_filters_by_update_sorts_and_pages(make_sandbox):
    sandbox = world(make_sandbox)
    since = (NOW - timedelta(hours=2, minutes=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = issues(sandbox, state="all", since=since, sort="updated", direction="asc").json()
    # 3001 was updated when it closed, an hour ago; 3002 three hours ago.
    assert [i["number"] for i in recent] == [1801, 3001]
    first = issues(sandbox, state="all", per_page=2)
    assert len(first.json()) == 2 and 'rel="next"' in first.headers["Link"]
    rest = requests.get(first.links["next"]["url"], headers=gh_headers(sandbox), timeout=5)
    assert [i["number"] for i in rest.json()] == [3001] and "next" not in rest.links
    assert issues(sandbox, state="nope").status_code == 422
    assert issues(sandbox, sort="nope").status_code == 422
    assert issues(sandbox, since="yesterday").status_code == 400


def test_the_links_it_hands_out_answer_with_a_page(make_sandbox):
    sandbox = world(make_sandbox)
    listed = issues(sandbox, state="all").json()
    incident = requests.get(
        f"{sandbox.pagerduty_url}/incidents/QPAGE0000001", headers=pd_headers(sandbox), timeout=5
    ).json()["incident"]
    links = [
        listed[0]["html_url"],  # a pull request
        listed[1]["html_url"],  # an issue
        incident["html_url"],
    ]
    assert incident["html_url"].startswith(sandbox.pagerduty_url)
    for url in links:
        resp = requests.get(url, timeout=5)
        assert resp.status_code == 200, url
        assert resp.headers["Content-Type"].startswith("text/html")
    page = requests.get(incident["html_url"], timeout=5).text
    assert "Incident #1: BIP down" in page and "resolved" not in page
    # With credentials the same path is the API's.
    api = requests.get(incident["html_url"], headers=pd_headers(sandbox), timeout=5)
    assert api.headers["Content-Type"].startswith("application/json")
    assert (
        requests.get(
            f"{sandbox.github_url}/example-org/benefits-platform/issues/1", timeout=5
        ).status_code
        == 404
    )


def test_a_page_escapes_what_it_shows(make_sandbox):
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    sandbox.load_items(
        Items(issues=[Issue(number=3001, title="<script>x</script>", created_at=NOW)])
    )
    text = requests.get(
        f"{sandbox.github_url}/example-org/benefits-platform/issues/3001", timeout=5
    ).text
    assert "<script>x" not in text and "&lt;script&gt;x" in text

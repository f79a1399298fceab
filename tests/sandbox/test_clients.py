"""The real client libraries page through the sandbox, and the filters they send are applied."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests
from sandbox_helpers import NOW, REPO, dd_headers, edge_world, gh_headers, pd_headers

from sandbox import CheckRun, PullRequest, Sandbox, SandboxClock
from sandbox.dataset import pull_sha, run_sha


def test_it_pages_pygithub_through_workflow_runs_with_link_headers(
    sandbox: Sandbox, gh: Any
) -> None:
    now = sandbox.now()
    expected = [r for r in sandbox.dataset.runs.upto(now) if r.head_branch == "develop"]
    workflow = gh.get_repo("example-org/benefits-platform").get_workflow("secrel.yml")
    seen = [r.id for r in workflow.get_runs(branch="develop")]
    assert len(seen) == len(expected) > 25  # more than one page of 25
    assert seen == [r.id for r in reversed(expected)]  # newest first, nothing lost or repeated
    assert sandbox.requests.count("github.workflow_runs") == -(-len(expected) // 25)
    link = sandbox.requests.records("github.workflow_runs")[-1]
    assert "page=" in link.query


def test_it_sends_link_headers_on_its_own_host_and_port(sandbox: Sandbox) -> None:
    url = f"{sandbox.github_url}{REPO}/actions/workflows/secrel.yml/runs"
    resp = requests.get(
        url,
        params={"per_page": 10, "page": 2, "event": "push"},
        headers=gh_headers(sandbox),
        timeout=5,
    )
    links = resp.links
    assert set(links) == {"next", "last", "prev", "first"}
    assert links["next"]["url"].startswith(url) and "page=3" in links["next"]["url"]
    assert "event=push" in links["next"]["url"] and "per_page=10" in links["next"]["url"]
    # A client that addressed the sandbox as "localhost" gets links on "localhost".
    other = url.replace("127.0.0.1", "localhost")
    assert (
        requests.get(other, params={"per_page": 10}, headers=gh_headers(sandbox), timeout=5)
        .links["next"]["url"]
        .startswith(other)
    )


def test_it_filters_workflow_runs_like_github(sandbox: Sandbox, gh: Any) -> None:
    now = sandbox.now()
    all_runs = sandbox.dataset.runs.upto(now)
    workflow = gh.get_repo("example-org/benefits-platform").get_workflow("secrel.yml")
    scheduled = list(workflow.get_runs(event="schedule"))
    assert scheduled and all(
        r.event == "schedule" and r.head_branch == "develop" for r in scheduled
    )
    assert len(scheduled) == sum(1 for r in all_runs if r.event == "schedule")
    failed = list(workflow.get_runs(branch="develop", status="failure"))
    assert failed and all(r.conclusion == "failure" for r in failed)
    since = now - timedelta(days=7)
    recent = list(workflow.get_runs(created=f">={since.strftime('%Y-%m-%dT%H:%M:%SZ')}"))
    assert len(recent) == sum(1 for r in all_runs if r.created_at >= since)
    day = (now - timedelta(days=3)).date()
    on_day = list(workflow.get_runs(created=day.isoformat()))
    assert len(on_day) == sum(1 for r in all_runs if r.created_at.date() == day)
    lo, hi = (now - timedelta(days=10)).date(), (now - timedelta(days=5)).date()
    ranged = list(workflow.get_runs(created=f"{lo}..{hi}"))  # both days included, as on GitHub
    assert len(ranged) == sum(1 for r in all_runs if lo <= r.created_at.date() <= hi) > 0


def test_it_serves_jobs_and_steps_through_pygithub(make_sandbox: Callable[..., Sandbox]) -> None:
    from github import Auth, Github

    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    edge_world(sandbox)
    gh = Github(
        auth=Auth.Token(sandbox.tokens.github),
        base_url=sandbox.github_url,
        seconds_between_requests=0,
    )
    run = gh.get_repo("example-org/benefits-platform").get_workflow_run(9002)
    jobs = list(run.jobs())
    assert [j.name for j in jobs] == ["Check SecRel gate", "SecRel Pipeline", "Publish to GHCR"]
    pipeline, publish = jobs[1], jobs[2]
    assert pipeline.conclusion == "failure"
    failed = [s.name for s in pipeline.steps if s.conclusion == "failure"]
    assert failed == ["Aqua gate check"]
    conclusions = {s.name: s.conclusion for s in pipeline.steps}
    assert conclusions["Sign images"] == "skipped"
    assert conclusions["Upload SARIF results"] == "success"  # `if: always()`
    assert publish.conclusion == "skipped"  # a failed scan publishes no signed images
    dispatch = list(gh.get_repo("example-org/benefits-platform").get_workflow_run(9003).jobs())
    assert dispatch[2].conclusion == "skipped"  # publish_images off
    gh.close()


def test_it_filters_pull_requests_and_reports_their_ci(sandbox: Sandbox, gh: Any) -> None:
    now = sandbox.now()
    repo = gh.get_repo("example-org/benefits-platform")
    open_prs = list(repo.get_pulls(state="open", base="develop"))
    expected = [
        p
        for p in sandbox.dataset.pulls.upto(now)
        if p.state(now) == "open" and p.base_ref == "develop"
    ]
    assert {p.number for p in open_prs} == {p.number for p in expected}
    assert any(p.user.login == "dependabot[bot]" for p in open_prs)
    closed = list(repo.get_pulls(state="closed"))
    assert closed and all(p.state == "closed" for p in closed) and any(p.merged_at for p in closed)
    pr = next(p for p in open_prs if p.user.login == "dependabot[bot]")
    assert (
        list(repo.get_pulls(state="open", head=f"example-org:{pr.head.ref}"))[0].number == pr.number
    )
    commit = repo.get_commit(pr.head.sha)
    checks = list(commit.get_check_runs())
    assert {c.name for c in checks} == {
        "Lint",
        "Unit tests",
        "Check SecRel gate",
        "SecRel Pipeline",
    }
    assert commit.get_combined_status().state in {"success", "failure", "pending"}
    assert list(commit.get_check_runs(check_name="Lint"))[0].name == "Lint"


def test_it_filters_code_scanning_and_pages_dependabot_alerts_by_cursor(
    sandbox: Sandbox, gh: Any
) -> None:
    now = sandbox.now()
    repo = gh.get_repo("example-org/benefits-platform")
    ds = sandbox.dataset
    aqua_open = list(repo.get_codescan_alerts(state="open", tool_name="Aqua"))
    assert len(aqua_open) == sum(
        1 for a in ds.code_scanning.upto(now) if a.tool == "Aqua" and a.state(now) == "open"
    )
    assert all(a.tool.name == "Aqua" and a.state == "open" for a in aqua_open)
    all_alerts = list(repo.get_dependabot_alerts())
    assert len(all_alerts) == len(ds.dependabot.upto(now)) > 25  # crossed a cursor page
    assert len({a.number for a in all_alerts}) == len(all_alerts)
    first_page = requests.get(
        f"{sandbox.github_url}{REPO}/dependabot/alerts", headers=gh_headers(sandbox), timeout=5
    )
    assert (
        "after=" in first_page.links["next"]["url"]
        and "page=" not in first_page.links["next"]["url"]
    )
    fixed = list(repo.get_dependabot_alerts(state="fixed"))
    assert fixed and all(a.state == "fixed" and a.fixed_at for a in fixed)
    high = requests.get(
        f"{sandbox.github_url}{REPO}/dependabot/alerts",
        params={"severity": "high,critical"},
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()
    expected = sum(1 for a in ds.dependabot.upto(now) if a.severity in {"high", "critical"})
    assert len(high) == min(expected, 30) and all(
        a["security_advisory"]["severity"] in {"high", "critical"} for a in high
    )


def test_it_records_issues_created_with_pygithub(sandbox: Sandbox, gh: Any) -> None:
    issue = gh.get_repo("example-org/benefits-platform").create_issue(
        title="Incident Reported: BGS timeouts",
        body="Partner apps cannot fetch claims",
        labels=["incident"],
    )
    assert issue.number == 9001
    assert sandbox.created_issues[0].title == "Incident Reported: BGS timeouts"
    assert sandbox.created_issues[0].labels == ("incident",)
    assert gh.get_rate_limit().resources.core.limit == 5000


def test_it_pages_pdpyras_through_incidents_with_filters(sandbox: Sandbox, pd: Any) -> None:
    now = sandbox.now()
    since, until = now - timedelta(days=90), now
    params = {"since": since.isoformat(), "until": until.isoformat()}
    everything = list(pd.iter_all("incidents", params=params, page_size=20))
    expected = [i for i in sandbox.dataset.incidents.upto(now) if since <= i.created_at < until]
    assert [i["id"] for i in everything] == [i.id for i in expected] and len(expected) > 20
    resolved_high = list(
        pd.iter_all("incidents", params={**params, "statuses": ["resolved"], "urgencies": ["high"]})
    )
    assert resolved_high and all(
        i["status"] == "resolved" and i["urgency"] == "high" for i in resolved_high
    )
    assert all(i["acknowledgements"] == [] for i in resolved_high)  # never kept once resolved
    services = list(
        pd.iter_all("incidents", params={**params, "service_ids": ["PBIPAPI", "PCCAPP1"]})
    )
    assert services and {i["service"]["id"] for i in services} <= {"PBIPAPI", "PCCAPP1"}
    assert any(i["priority"] is None for i in everything) and any(i["priority"] for i in everything)
    newest = pd.rget("incidents", params={**params, "sort_by": "created_at:desc", "limit": 1})
    assert newest[0]["id"] == expected[-1].id
    assert len(list(pd.iter_all("incidents", params={"date_range": "all"}))) == len(
        sandbox.dataset.incidents.upto(now)
    )


def test_it_defaults_the_incident_window_to_a_month_and_caps_it_at_six(
    sandbox: Sandbox, pd: Any
) -> None:
    now = sandbox.now()
    default = list(pd.iter_all("incidents"))
    assert default and all(
        i["created_at"] >= (now - timedelta(days=31)).strftime("%Y-%m-%d") for i in default
    )
    resp = requests.get(
        f"{sandbox.pagerduty_url}/incidents",
        headers=pd_headers(sandbox),
        timeout=5,
        params={"since": (now - timedelta(days=200)).isoformat(), "until": now.isoformat()},
    )
    assert resp.status_code == 400
    resp = requests.get(
        f"{sandbox.pagerduty_url}/incidents",
        headers=pd_headers(sandbox),
        timeout=5,
        params={"offset": 9950, "limit": 100},
    )
    assert resp.status_code == 400  # offset + limit past 10,000, as PagerDuty refuses


def test_it_serves_acknowledge_times_only_in_log_entries(sandbox: Sandbox, pd: Any) -> None:
    now = sandbox.now()
    since = now - timedelta(days=60)
    entries = list(
        pd.iter_all("log_entries", params={"since": since.isoformat(), "until": now.isoformat()})
    )
    ds = sandbox.dataset
    assert len(entries) == len(ds.log_window(since, now + timedelta(seconds=1), now))
    assert {"trigger_log_entry", "acknowledge_log_entry", "resolve_log_entry"} <= {
        e["type"] for e in entries
    }
    assert entries[0]["created_at"] >= entries[-1]["created_at"]  # newest first
    assert entries[0]["created_at"].endswith(("-04:00", "-05:00"))  # the account's zone by default
    acked = next(
        i
        for i in ds.incidents.upto(now)
        if i.acknowledged_at and i.resolved_at and i.resolved_at <= now
    )
    own = pd.rget(f"incidents/{acked.id}/log_entries", params={"time_zone": "UTC"})
    ack = [e for e in own if e["type"] == "acknowledge_log_entry"]
    assert ack[0]["created_at"] == acked.acknowledged_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert pd.rget(f"incidents/{acked.id}")["acknowledgements"] == []


def test_it_serves_oncalls_per_schedule_and_level(sandbox: Sandbox, pd: Any) -> None:
    oncalls = pd.rget("oncalls", params={"schedule_ids": ["PSCHPRI", "PSCHSEC"]})
    assert sorted(o["escalation_level"] for o in oncalls) == [1, 2]
    assert oncalls[0]["user"]["id"] != oncalls[1]["user"]["id"]
    primary_only = pd.rget("oncalls", params={"schedule_ids": ["PSCHPRI"]})
    assert [o["schedule"]["id"] for o in primary_only] == ["PSCHPRI"]
    now = sandbox.now()
    sprints = pd.rget(
        "oncalls",
        params={
            "since": (now - timedelta(days=60)).isoformat(),
            "until": now.isoformat(),
            "schedule_ids": ["PSCHPRI"],
        },
    )
    assert len(sprints) >= 4
    assert {s["id"] for s in pd.rget("schedules")} == {"PSCHPRI", "PSCHSEC"}
    assert {s["id"] for s in pd.rget("services")} == {
        "PBGSAPI",
        "PBIPAPI",
        "PBIEKFK",
        "PDBINIT",
        "PCCAPP1",
        "PEEMAXC",
        "PEEMERG",
    }


def test_it_pages_datadog_monitor_search_and_applies_the_query(sandbox: Sandbox, dd: Any) -> None:
    seen: list[Any] = []
    page = 0
    while True:
        result = dd.search_monitors(query="tag:team:vro", page=page, per_page=4)
        seen += result.monitors
        page += 1
        if page >= result.metadata.page_count:
            break
    assert len(seen) == result.metadata.total_count == 11  # twelve monitors, one not ours
    assert all("team:vro" in m.tags for m in seen)
    assert len({m.id for m in seen}) == len(seen)


def test_it_applies_datadog_status_terms(
    make_sandbox: Callable[..., Sandbox], dd: Any = None
) -> None:
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    edge_world(sandbox)

    def names(query: str) -> set[str]:
        body = requests.get(
            f"{sandbox.datadog_url}/api/v1/monitor/search",
            params={"query": query},
            headers=dd_headers(sandbox),
            timeout=5,
        ).json()
        return {m["name"] for m in body["monitors"]}

    assert names("status:alert") == {"BIP elevated average latency"}
    assert names('status:"no data"') == {"Synthetic health check: cc-app API"}
    assert names("tag:team:vro status:(alert OR warn)") == {"BIP elevated average latency"}
    assert names("status:(alert OR warn)") == {
        "BIP elevated average latency",
        "Payments checkout p99 latency",
    }
    assert names("-tag:team:vro") == {"Payments checkout p99 latency"}
    assert names("synthetic") == {"Synthetic health check: cc-app API"}
    body = requests.get(
        f"{sandbox.datadog_url}/api/v1/monitor/search", headers=dd_headers(sandbox), timeout=5
    ).json()
    triggered = {m["name"]: m["last_triggered_ts"] for m in body["monitors"]}
    assert triggered["BGS downstream errors above 0"] is None
    assert triggered["BIP elevated average latency"] == int(
        (NOW - timedelta(minutes=20)).timestamp()
    )


def test_it_records_slack_webhook_posts(sandbox: Sandbox) -> None:
    env = sandbox.env()
    assert (
        requests.post(
            env["SLACK_WEBHOOK_URL"], json={"text": "Release tomorrow 10:00"}, timeout=5
        ).text
        == "ok"
    )
    assert requests.post(env["SLACK_WEBHOOK_URL"], data="not json", timeout=5).status_code == 400
    assert (
        requests.post(env["SLACK_WEBHOOK_URL"], json={"username": "x"}, timeout=5).text == "no_text"
    )
    assert (
        requests.post(
            sandbox.slack_url + "/services/T/B/wrong", json={"text": "x"}, timeout=5
        ).status_code
        == 404
    )
    assert [m.payload for m in sandbox.slack_messages] == [{"text": "Release tomorrow 10:00"}]


def test_it_publishes_the_configuration_the_site_reads(sandbox: Sandbox) -> None:
    env = sandbox.env()
    assert set(env) >= {
        "GITHUB_API_URL",
        "GITHUB_TOKEN",
        "GITHUB_REPOSITORY",
        "PAGERDUTY_API_URL",
        "PAGERDUTY_API_TOKEN",
        "PAGERDUTY_SERVICE_IDS",
        "PAGERDUTY_SCHEDULE_IDS",
        "DATADOG_API_URL",
        "DATADOG_API_KEY",
        "DATADOG_APP_KEY",
        "DATADOG_MONITOR_QUERY",
        "SLACK_WEBHOOK_URL",
    }
    assert env["PAGERDUTY_SERVICE_IDS"].split(",") == [
        "PBGSAPI",
        "PBIPAPI",
        "PBIEKFK",
        "PDBINIT",
        "PCCAPP1",
        "PEEMAXC",
        "PEEMERG",
    ]
    assert env["PAGERDUTY_SCHEDULE_IDS"] == "PSCHPRI,PSCHSEC"
    assert (
        env["GITHUB_TOKEN"] == "sandbox-github-token"
        and env["GITHUB_REPOSITORY"] == "example-org/benefits-platform"
    )
    # The project's own settings parser accepts every value.
    from oncall_site.env import envlist, envrepo, envurl

    for key in ("GITHUB_API_URL", "PAGERDUTY_API_URL", "DATADOG_API_URL", "SLACK_WEBHOOK_URL"):
        assert envurl(key, "https://example.invalid", environ=env) == env[key]
    assert envrepo("GITHUB_REPOSITORY", environ=env) == "example-org/benefits-platform"
    assert len(envlist("PAGERDUTY_SERVICE_IDS", environ=env)) == 7


def test_it_knows_shas_of_runs_and_pulls(sandbox: Sandbox) -> None:
    now = sandbox.now()
    ds = sandbox.dataset
    run = ds.runs.upto(now)[-1]
    resp = requests.get(
        f"{sandbox.github_url}{REPO}/commits/{run_sha(run)}", headers=gh_headers(sandbox), timeout=5
    )
    assert resp.json()["sha"] == run_sha(run)
    develop = requests.get(
        f"{sandbox.github_url}{REPO}/commits/develop", headers=gh_headers(sandbox), timeout=5
    )
    assert develop.status_code == 200
    pr = ds.pulls.upto(now)[-1]
    by_branch = requests.get(
        f"{sandbox.github_url}{REPO}/commits/{pr.head_ref}/check-runs",
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()
    assert all(c["head_sha"] == pull_sha(pr) for c in by_branch["check_runs"])


def test_it_resolves_a_branch_to_its_newest_pull_request(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    """Dependabot reuses a branch name: the branch is the head of the newest PR on it."""
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    branch = "dependabot/pip/requests-2.32.4"
    older, newer = "e" * 40, "f" * 40
    sandbox.load(
        pulls=[
            PullRequest(
                number=1910,
                title="Bump requests from 2.32.3 to 2.32.4",
                head_ref=branch,
                head_sha=older,
                created_at=NOW - timedelta(days=20),
                closed_at=NOW - timedelta(days=15),
            ),
            PullRequest(
                number=1920,
                title="Bump requests from 2.32.3 to 2.32.4",
                head_ref=branch,
                head_sha=newer,
                created_at=NOW - timedelta(days=2),
            ),
            PullRequest(
                number=1930,
                title="Bump requests from 2.32.3 to 2.32.4",
                head_ref=branch,
                head_sha="9" * 40,
                created_at=NOW + timedelta(days=1),  # not opened yet
            ),
        ],
        check_runs=[
            CheckRun(
                id=701, head_sha=older, name="Unit tests", started_at=NOW - timedelta(days=19)
            ),
            CheckRun(id=702, head_sha=newer, name="Unit tests", started_at=NOW - timedelta(days=1)),
        ],
    )
    for ref in (branch, f"refs/heads/{branch}"):
        commit = requests.get(
            f"{sandbox.github_url}{REPO}/commits/{ref}", headers=gh_headers(sandbox), timeout=5
        )
        assert commit.status_code == 200 and commit.json()["sha"] == newer
    checks = requests.get(
        f"{sandbox.github_url}{REPO}/commits/{branch}/check-runs",
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()
    assert [c["id"] for c in checks["check_runs"]] == [702]

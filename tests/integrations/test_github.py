"""GitHub through the real PyGithub client against a fake upstream on loopback."""

import copy
import time
import types
from dataclasses import replace
from datetime import date
from urllib.parse import urlencode

import pytest

from oncall_site.integrations import github
from oncall_site.integrations.errors import (
    AuthError,
    BadPayload,
    RateLimited,
    Unavailable,
    UpstreamError,
)
from oncall_site.integrations.github import (
    Config,
    build_client,
    create_issue,
    fetch_run_jobs,
    iter_code_scanning_findings,
    iter_dependabot_alerts,
    iter_dependabot_prs,
    iter_workflow_runs,
)

from .fakes import FAST, Reply, Seen, Timer, load

REPO = "/repos/octo-org/octo-repo"
RUNS = f"{REPO}/actions/workflows/secrel.yml/runs"


def make_config(upstream, **overrides) -> Config:
    base = Config(
        token="ghp-test-token",
        repository="octo-org/octo-repo",
        api_url=upstream.url,
        limits=FAST,
        seconds_between_requests=0,
    )
    return replace(base, **overrides)


def workflow_runs(upstream, n: int) -> list[dict]:
    """n runs shaped like the spec example, newest first, every third one failed."""
    example = load("github/workflow_runs.json", upstream.url)["workflow_runs"][0]
    for big in ("actor", "triggering_actor", "head_commit", "repository", "head_repository"):
        example.pop(big, None)
    runs = []
    for i in range(n):
        run = copy.deepcopy(example)
        run_id = 900000 + i
        run.update(
            id=run_id,
            run_number=n - i,
            status="completed",
            conclusion="failure" if i % 3 == 0 else "success",
            head_branch="develop",
            event="schedule",
            url=f"{upstream.url}{REPO}/actions/runs/{run_id}",
            jobs_url=f"{upstream.url}{REPO}/actions/runs/{run_id}/jobs",
        )
        runs.append(run)
    return runs


def github_pages(upstream, items: list, key: str | None = None):
    """A handler paginating like GitHub: page/per_page, and a Link header to the next page
    written with the fake's own host."""

    def handler(seen: Seen) -> Reply:
        per_page, page = int(seen.param("per_page") or 30), int(seen.param("page") or 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            query = {k: v[0] for k, v in seen.query.items()} | {"page": str(page + 1)}
            headers["Link"] = f'<{upstream.url}{seen.path}?{urlencode(query)}>; rel="next"'
        body = {"total_count": len(items), key: chunk} if key else chunk
        return Reply(200, body, headers)

    return handler


def test_it_streams_secrel_runs_across_pages(upstream):
    runs = workflow_runs(upstream, 250)
    upstream.route("GET", RUNS, github_pages(upstream, runs, "workflow_runs"))
    config = make_config(upstream)

    stream = iter_workflow_runs(
        build_client(config),
        config,
        branch="develop",
        event="schedule",
        created_since=date(2026, 3, 1),
        with_failures=False,
    )

    assert isinstance(stream, types.GeneratorType)
    fetched = list(stream)
    assert [r.id for r in fetched] == [r["id"] for r in runs]
    pages = upstream.hits(RUNS)
    assert [p.param("page") for p in pages] == [None, "2", "3"]
    first = pages[0]
    assert first.param("branch") == "develop"
    assert first.param("event") == "schedule"
    assert first.param("created") == ">=2026-03-01"
    assert first.param("per_page") == "100"
    assert "ghp-test-token" in first.headers["authorization"]
    assert len(upstream.requests) == 3  # no request per run: raw JSON, no lazy completion


def test_it_keeps_one_page_in_memory_at_a_time(upstream):
    upstream.route(
        "GET", RUNS, github_pages(upstream, workflow_runs(upstream, 250), "workflow_runs")
    )
    config = make_config(upstream)
    runs = build_client(config).get_repo("octo-org/octo-repo").get_workflow("secrel.yml").get_runs()

    cached = [len(runs._PaginatedListBase__elements) for _ in github._streamed(runs)]

    assert len(cached) == 250
    assert max(cached) <= 100  # PaginatedList alone would end holding all 250


def test_it_names_the_failed_job_and_step_of_failed_runs_only(upstream):
    runs = workflow_runs(upstream, 4)  # runs 0 and 3 failed
    upstream.route("GET", RUNS, github_pages(upstream, runs, "workflow_runs"))
    for run in runs:
        upstream.route(
            "GET",
            f"{REPO}/actions/runs/{run['id']}/jobs",
            Reply(200, load("github/jobs_failed.json", upstream.url)),
        )
    config = make_config(upstream)

    fetched = list(iter_workflow_runs(build_client(config), config))

    assert [(r.conclusion, r.failed_job, r.failed_step) for r in fetched] == [
        ("failure", "publish-images", "Aqua scan"),
        ("success", None, None),
        ("success", None, None),
        ("failure", "publish-images", "Aqua scan"),
    ]
    assert len(upstream.hits(f"{REPO}/actions/runs/900001/jobs")) == 0
    assert len(upstream.hits(f"{REPO}/actions/runs/900003/jobs")) == 1


def test_it_fetches_the_jobs_of_one_run(upstream):
    upstream.route(
        "GET",
        f"{REPO}/actions/runs/29679449/jobs",
        Reply(200, load("github/jobs.json", upstream.url)),
    )
    config = make_config(upstream)

    (job,) = fetch_run_jobs(build_client(config), config, 29679449)

    assert job.name == "build" and job.conclusion == "success"
    assert [s.number for s in job.steps][-2:] == [16, 17]


def dependabot_pulls(upstream) -> tuple[list[dict], dict]:
    mine = load("github/pulls.json", upstream.url)[0]
    mine["user"]["login"] = "dependabot[bot]"
    someone = copy.deepcopy(mine)
    someone.update(number=1348, url=f"{upstream.url}{REPO}/pulls/1348")
    someone["user"]["login"] = "octocat"
    mine["url"] = f"{upstream.url}{REPO}/pulls/1347"
    single = load("github/pull.json", upstream.url)
    single.update(url=mine["url"], user=mine["user"])
    return [mine, someone], single


def test_it_lists_dependabot_prs_with_their_ci_status(upstream):
    pulls, single = dependabot_pulls(upstream)
    sha = single["head"]["sha"]
    upstream.route("GET", f"{REPO}/pulls", github_pages(upstream, pulls))
    upstream.route("GET", f"{REPO}/pulls/1347", Reply(200, single))
    upstream.route(
        "GET",
        f"{REPO}/commits/{sha}/check-runs",
        Reply(200, load("github/check_runs.json", upstream.url)),
    )
    upstream.route(
        "GET",
        f"{REPO}/commits/{sha}/status",
        Reply(200, load("github/combined_status.json", upstream.url)),
    )
    config = make_config(upstream, branch="develop")

    (pr,) = iter_dependabot_prs(build_client(config), config)

    assert (pr.number, pr.author, pr.ci_status, pr.mergeable) == (
        1347,
        "dependabot[bot]",
        "success",
        True,
    )
    assert pr.ready_to_merge
    listing = upstream.hits(f"{REPO}/pulls")[0]
    assert (listing.param("state"), listing.param("base")) == ("open", "develop")
    assert upstream.hits(f"{REPO}/pulls/1348") == []


def test_it_reports_failing_ci_on_a_dependabot_pr(upstream):
    pulls, single = dependabot_pulls(upstream)
    sha = single["head"]["sha"]
    checks = load("github/check_runs.json", upstream.url)
    checks["check_runs"][0]["conclusion"] = "failure"
    upstream.route("GET", f"{REPO}/pulls", github_pages(upstream, pulls[:1]))
    upstream.route("GET", f"{REPO}/commits/{sha}/check-runs", Reply(200, checks))
    upstream.route(
        "GET",
        f"{REPO}/commits/{sha}/status",
        Reply(200, {"state": "pending", "statuses": [], "sha": sha}),
    )
    config = make_config(upstream)

    (pr,) = iter_dependabot_prs(build_client(config), config, with_mergeable=False)

    assert (pr.ci_status, pr.mergeable, pr.ready_to_merge) == ("failure", None, False)


def test_it_leaves_mergeable_unknown_when_the_single_pr_is_not_served(upstream):
    pulls, single = dependabot_pulls(upstream)
    sha = single["head"]["sha"]
    upstream.route("GET", f"{REPO}/pulls", github_pages(upstream, pulls[:1]))
    upstream.route(
        "GET", f"{REPO}/commits/{sha}/check-runs", Reply(200, load("github/check_runs.json"))
    )
    upstream.route(
        "GET", f"{REPO}/commits/{sha}/status", Reply(200, load("github/combined_status.json"))
    )
    config = make_config(upstream)

    (pr,) = iter_dependabot_prs(build_client(config), config)

    assert (pr.ci_status, pr.mergeable, pr.ready_to_merge) == ("success", None, False)


def test_it_lists_code_scanning_findings_and_dependabot_alerts(upstream):
    alerts = load("github/code_scanning_alerts.json", upstream.url) + load(
        "github/code_scanning_alerts_edge_cases.json", upstream.url
    )
    upstream.route("GET", f"{REPO}/code-scanning/alerts", github_pages(upstream, alerts))
    upstream.route(
        "GET",
        f"{REPO}/dependabot/alerts",
        github_pages(upstream, load("github/dependabot_alerts.json", upstream.url)),
    )
    config = make_config(upstream)
    client = build_client(config)

    findings = list(iter_code_scanning_findings(client, config, state="open"))
    dependabot = list(iter_dependabot_alerts(client, config, state="open"))

    assert [f.tool for f in findings] == ["other", "other", "snyk", "aqua", "aqua"]
    assert upstream.hits(f"{REPO}/code-scanning/alerts")[0].param("state") == "open"
    assert [a.package for a in dependabot] == ["django", "ansible"]


def test_it_creates_an_issue(upstream):
    issue = load("github/issue.json", upstream.url)
    upstream.route("POST", f"{REPO}/issues", Reply(201, issue))
    config = make_config(upstream)

    created = create_issue(
        build_client(config),
        config,
        title="SEV2: claims API 5xx",
        body="Timeline...",
        labels=["incident"],
    )

    assert (created.number, created.html_url) == (
        1347,
        "https://github.com/octocat/Hello-World/issues/1347",
    )
    (request,) = upstream.requests
    assert request.json() == {
        "title": "SEV2: claims API 5xx",
        "body": "Timeline...",
        "labels": ["incident"],
    }


# Faults


def fetch(upstream, config=None):
    config = config or make_config(upstream)
    return list(iter_workflow_runs(build_client(config), config))


def test_it_reports_a_rejected_token(upstream):
    upstream.route("GET", RUNS, Reply(401, {"message": "Bad credentials"}))

    with pytest.raises(AuthError) as caught:
        fetch(upstream)

    assert str(caught.value) == "GitHub rejected the API token (401)"
    assert caught.value.permanent
    assert len(upstream.requests) == 1


def test_it_reports_a_token_without_the_scope(upstream):
    upstream.route("GET", RUNS, Reply(403, {"message": "Resource not accessible by integration"}))

    with pytest.raises(
        AuthError, match=r"GitHub refused access .*\(403\).*Resource not accessible"
    ):
        fetch(upstream)
    assert len(upstream.requests) == 1


def test_it_reports_a_missing_workflow(upstream):
    with pytest.raises(UpstreamError, match=r"GitHub could not find .*\(404\)"):
        fetch(upstream)


def test_it_retries_a_server_error_a_bounded_number_of_times(upstream):
    upstream.route("GET", RUNS, Reply(502, {"message": "Server Error"}))

    with pytest.raises(Unavailable, match=r"GitHub is having trouble \(HTTP 502\)"):
        fetch(upstream)

    assert len(upstream.requests) == FAST.max_retries + 1


def test_it_recovers_when_a_retry_succeeds(upstream):
    upstream.route("GET", RUNS, Reply(500), Reply(200, {"total_count": 0, "workflow_runs": []}))

    assert fetch(upstream) == []
    assert len(upstream.requests) == 2


def test_it_honours_retry_after_then_reports_rate_limited(upstream):
    upstream.route("GET", RUNS, Reply(429, {"message": "Too many requests"}, {"Retry-After": "1"}))
    config = make_config(upstream, limits=replace(FAST, max_retries=1))

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        fetch(upstream, config)

    assert str(caught.value) == "GitHub is rate limiting us; retry after 1 s"
    assert len(upstream.requests) == 2
    assert 0.9 < timer.elapsed < 3


def test_a_permanent_429_asking_for_an_hour_ends_at_once(upstream):
    upstream.route(
        "GET", RUNS, Reply(429, {"message": "Too many requests"}, {"Retry-After": "3600"})
    )

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        fetch(upstream)

    assert caught.value.retry_after == 3600
    assert len(upstream.requests) == 1
    assert timer.elapsed < 1


def test_a_primary_rate_limit_does_not_sleep_until_the_reset(upstream):
    # GithubRetry's default is to sleep until X-RateLimit-Reset: an hour here.
    reset = str(int(time.time()) + 3600)
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
    upstream.route(
        "GET", RUNS, Reply(403, {"message": "API rate limit exceeded for user ID 1."}, headers)
    )

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        fetch(upstream)

    assert 3500 < caught.value.retry_after < 3700
    assert "GitHub is rate limiting us; retry after" in str(caught.value)
    assert len(upstream.requests) == 1
    assert timer.elapsed < 1


def test_a_secondary_rate_limit_waits_at_most_max_wait_per_retry(upstream):
    body = {
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    }
    upstream.route("GET", RUNS, Reply(403, body))
    config = make_config(upstream, limits=replace(FAST, max_retries=1))

    with Timer() as timer, pytest.raises(RateLimited, match="retry later"):
        fetch(upstream, config)

    assert len(upstream.requests) == 2
    assert timer.elapsed < 2  # GithubRetry's default would wait 60 s


@pytest.mark.parametrize(
    "body",
    ['{"workflow_runs": [', '{"total_count": 1}', "[1, 2"],
    ids=["truncated", "no-list", "bad"],
)
def test_it_reports_a_malformed_payload(upstream, body):
    upstream.route("GET", RUNS, Reply(200, body))

    with pytest.raises(BadPayload, match="GitHub sent a response we could not read"):
        fetch(upstream)


def test_it_refuses_a_link_to_another_host(upstream):
    runs = workflow_runs(upstream, 2)[1:]  # a successful run: no jobs to fetch
    link = {
        "Link": '<https://api.github.com/repos/octo-org/octo-repo/actions/workflows/secrel.yml/runs?page=2>; rel="next"'
    }
    upstream.route("GET", RUNS, Reply(200, {"total_count": 2, "workflow_runs": runs}, link))

    with pytest.raises(BadPayload, match=r"linked to another host \(api.github.com\)"):
        fetch(upstream, make_config(upstream))


def test_it_reports_a_slow_upstream_as_unavailable(upstream):
    # PyGithub takes whole seconds only.
    upstream.route("GET", RUNS, Reply(200, {"total_count": 0, "workflow_runs": []}, delay=3))
    config = make_config(upstream, limits=replace(FAST, timeout_seconds=1, max_retries=1))

    with Timer() as timer, pytest.raises(Unavailable) as caught:
        fetch(upstream, config)

    assert str(caught.value) == "GitHub did not answer within 1 s"
    assert len(upstream.requests) == 2
    assert timer.elapsed < 3


def test_it_reports_a_refused_connection_as_unavailable(upstream, closed_port_url):
    with pytest.raises(Unavailable, match="GitHub could not be reached"):
        fetch(upstream, make_config(upstream, api_url=closed_port_url))


def test_it_never_retries_creating_an_issue(upstream):
    upstream.route("POST", f"{REPO}/issues", Reply(502, {"message": "Server Error"}))
    config = make_config(upstream)

    with pytest.raises(Unavailable):
        create_issue(build_client(config), config, title="t", body="b")

    assert len(upstream.requests) == 1  # a retried POST could open the issue twice


def test_it_is_not_configured_without_a_token_or_repository(settings):
    settings.GITHUB_TOKEN, settings.GITHUB_REPOSITORY = "token", ""
    assert github.config_from_settings() is None
    settings.GITHUB_TOKEN, settings.GITHUB_REPOSITORY = "", "octo-org/octo-repo"
    assert github.config_from_settings() is None


def test_it_builds_its_config_from_settings(settings):
    settings.GITHUB_TOKEN, settings.GITHUB_REPOSITORY = "token", "octo-org/octo-repo"
    settings.GITHUB_API_URL = "http://127.0.0.1:9/api/v3"
    settings.SECREL_WORKFLOW, settings.SECREL_BRANCH = "secrel.yml", "main"
    settings.UPSTREAM_MAX_RETRIES = 4

    config = github.config_from_settings()

    assert config is not None
    assert (config.api_url, config.workflow, config.branch) == (
        "http://127.0.0.1:9/api/v3",
        "secrel.yml",
        "main",
    )
    assert config.limits.max_retries == 4
    retry = github.build_retry(config.limits)
    assert retry.total == 4
    assert retry.max_rate_limit_wait == config.limits.max_wait_seconds

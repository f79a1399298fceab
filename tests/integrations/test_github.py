"""GitHub through the real PyGithub client against the sandbox's scripted replies."""

import copy
import types
from dataclasses import replace
from datetime import date

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
from oncall_site.integrations.github.resources import streamed
from sandbox import SERVE, Reply
from tests.clock import NOW

from .payloads import FAST, load

REPO = "/repos/octo-org/octo-repo"
RUNS = "github.workflow_runs"


def make_config(sandbox, **overrides) -> Config:
    base = Config(
        token=sandbox.tokens.github,
        repository="octo-org/octo-repo",
        api_url=sandbox.github_url,
        limits=FAST,
        seconds_between_requests=0,
    )
    return replace(base, **overrides)


def workflow_runs(base_url: str, n: int) -> list[dict]:
    """n runs shaped like the spec example, newest first, every third one failed."""
    example = load("github/workflow_runs.json", base_url)["workflow_runs"][0]
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
            url=f"{base_url}{REPO}/actions/runs/{run_id}",
            jobs_url=f"{base_url}{REPO}/actions/runs/{run_id}/jobs",
        )
        runs.append(run)
    return runs


def github_pages(items: list, key: str | None = None):
    """A reply paginating like GitHub: page/per_page, and a Link header to the next page
    on the host the client asked."""

    def reply(req) -> Reply:
        per_page, page = int(req.arg("per_page") or 30), int(req.arg("page") or 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(items):
            query = [(k, v[0]) for k, v in req.query.items() if k != "page"]
            next_page = req.url(req.path, [*query, ("page", str(page + 1))])
            headers["Link"] = f'<{next_page}>; rel="next"'
        body = {"total_count": len(items), key: chunk} if key else chunk
        return Reply(200, body, headers)

    return reply


def paths(sandbox, endpoint: str) -> list[str]:
    return [r.path for r in sandbox.requests.records(endpoint)]


def test_it_streams_secrel_runs_across_pages(sandbox):
    runs = workflow_runs(sandbox.github_url, 250)
    sandbox.script(RUNS, github_pages(runs, "workflow_runs"))
    config = make_config(sandbox)

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
    pages = sandbox.requests.records(RUNS)
    assert [p.param("page") for p in pages] == [None, "2", "3"]
    first = pages[0]
    assert first.path == f"{REPO}/actions/workflows/secrel.yml/runs"
    assert first.param("branch") == "develop"
    assert first.param("event") == "schedule"
    assert first.param("created") == ">=2026-03-01"
    assert first.param("per_page") == "100"
    assert first.headers["authorization"] == f"token {sandbox.tokens.github}"
    assert sandbox.requests.count() == 3  # no request per run: raw JSON, no lazy completion


def test_it_keeps_one_page_in_memory_at_a_time(sandbox):
    sandbox.script(RUNS, github_pages(workflow_runs(sandbox.github_url, 250), "workflow_runs"))
    config = make_config(sandbox)
    runs = build_client(config).get_repo("octo-org/octo-repo").get_workflow("secrel.yml").get_runs()

    cached = [len(runs._PaginatedListBase__elements) for _ in streamed(runs)]

    assert len(cached) == 250
    assert max(cached) <= 100  # PaginatedList alone would end holding all 250


def test_it_names_the_failed_job_and_step_of_failed_runs_only(sandbox):
    runs = workflow_runs(sandbox.github_url, 4)  # runs 0 and 3 failed
    sandbox.script(RUNS, github_pages(runs, "workflow_runs"))
    sandbox.script("github.jobs", Reply(200, load("github/jobs_failed.json", sandbox.github_url)))
    config = make_config(sandbox)

    fetched = list(iter_workflow_runs(build_client(config), config))

    assert [(r.conclusion, r.failed_job, r.failed_step) for r in fetched] == [
        ("failure", "publish-images", "Aqua scan"),
        ("success", None, None),
        ("success", None, None),
        ("failure", "publish-images", "Aqua scan"),
    ]
    assert paths(sandbox, "github.jobs") == [
        f"{REPO}/actions/runs/900000/jobs",
        f"{REPO}/actions/runs/900003/jobs",
    ]


def test_it_fetches_the_jobs_of_one_run(sandbox):
    sandbox.script("github.jobs", Reply(200, load("github/jobs.json", sandbox.github_url)))
    config = make_config(sandbox)

    (job,) = fetch_run_jobs(build_client(config), config, 29679449)

    assert job.name == "build" and job.conclusion == "success"
    assert [s.number for s in job.steps][-2:] == [16, 17]
    assert paths(sandbox, "github.jobs") == [f"{REPO}/actions/runs/29679449/jobs"]


def dependabot_pulls(base_url: str) -> tuple[list[dict], dict]:
    mine = load("github/pulls.json", base_url)[0]
    mine["user"]["login"] = "dependabot[bot]"
    someone = copy.deepcopy(mine)
    someone.update(number=1348, url=f"{base_url}{REPO}/pulls/1348")
    someone["user"]["login"] = "octocat"
    mine["url"] = f"{base_url}{REPO}/pulls/1347"
    single = load("github/pull.json", base_url)
    single.update(url=mine["url"], user=mine["user"])
    return [mine, someone], single


def test_it_lists_dependabot_prs_with_their_ci_status(sandbox):
    base = sandbox.github_url
    pulls, single = dependabot_pulls(base)
    sandbox.script("github.pulls", github_pages(pulls))
    sandbox.script("github.pull", Reply(200, single))
    sandbox.script("github.check_runs", Reply(200, load("github/check_runs.json", base)))
    sandbox.script("github.status", Reply(200, load("github/combined_status.json", base)))
    config = make_config(sandbox, branch="develop")

    (pr,) = iter_dependabot_prs(build_client(config), config)

    assert (pr.number, pr.author, pr.ci_status, pr.mergeable) == (
        1347,
        "dependabot[bot]",
        "success",
        True,
    )
    assert pr.ready_to_merge
    (listing,) = sandbox.requests.records("github.pulls")
    assert (listing.param("state"), listing.param("base")) == ("open", "develop")
    assert paths(sandbox, "github.pull") == [f"{REPO}/pulls/1347"]  # not octocat's 1348
    sha = single["head"]["sha"]
    assert paths(sandbox, "github.check_runs") == [f"{REPO}/commits/{sha}/check-runs"]


def test_it_reports_failing_ci_on_a_dependabot_pr(sandbox):
    pulls, single = dependabot_pulls(sandbox.github_url)
    sha = single["head"]["sha"]
    checks = load("github/check_runs.json", sandbox.github_url)
    checks["check_runs"][0]["conclusion"] = "failure"
    sandbox.script("github.pulls", github_pages(pulls[:1]))
    sandbox.script("github.check_runs", Reply(200, checks))
    sandbox.script("github.status", Reply(200, {"state": "pending", "statuses": [], "sha": sha}))
    config = make_config(sandbox)

    (pr,) = iter_dependabot_prs(build_client(config), config, with_mergeable=False)

    assert (pr.ci_status, pr.mergeable, pr.ready_to_merge) == ("failure", None, False)
    assert sandbox.requests.count("github.pull") == 0


def test_it_leaves_mergeable_unknown_when_the_single_pr_is_not_served(sandbox):
    pulls, _ = dependabot_pulls(sandbox.github_url)
    sandbox.script("github.pulls", github_pages(pulls[:1]))
    sandbox.script("github.check_runs", Reply(200, load("github/check_runs.json")))
    sandbox.script("github.status", Reply(200, load("github/combined_status.json")))
    config = make_config(sandbox)  # the sandbox does not know this repository: a 404

    (pr,) = iter_dependabot_prs(build_client(config), config)

    assert (pr.ci_status, pr.mergeable, pr.ready_to_merge) == ("success", None, False)
    assert [r.status for r in sandbox.requests.records("github.pull")] == [404]


def test_it_lists_code_scanning_findings_and_dependabot_alerts(sandbox):
    base = sandbox.github_url
    alerts = load("github/code_scanning_alerts.json", base) + load(
        "github/code_scanning_alerts_edge_cases.json", base
    )
    sandbox.script("github.code_scanning_alerts", github_pages(alerts))
    sandbox.script(
        "github.dependabot_alerts", github_pages(load("github/dependabot_alerts.json", base))
    )
    config = make_config(sandbox)
    client = build_client(config)

    findings = list(iter_code_scanning_findings(client, config, state="open"))
    dependabot = list(iter_dependabot_alerts(client, config, state="open"))

    assert [f.tool for f in findings] == ["other", "other", "snyk", "aqua", "aqua"]
    (listing,) = sandbox.requests.records("github.code_scanning_alerts")
    assert listing.param("state") == "open"
    assert [a.package for a in dependabot] == ["django", "ansible"]


def test_it_creates_an_issue(sandbox):
    sandbox.script("github.create_issue", Reply(201, load("github/issue.json", sandbox.github_url)))
    config = make_config(sandbox)

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
    (request,) = sandbox.requests.records()
    assert (request.method, request.path) == ("POST", f"{REPO}/issues")
    assert request.json() == {
        "title": "SEV2: claims API 5xx",
        "body": "Timeline...",
        "labels": ["incident"],
    }


# Faults


def fetch(sandbox, config=None):
    config = config or make_config(sandbox)
    return list(iter_workflow_runs(build_client(config), config))


def test_it_reports_a_rejected_token(sandbox):
    with pytest.raises(AuthError) as caught:
        fetch(sandbox, make_config(sandbox, token="ghp-revoked"))

    assert str(caught.value) == "GitHub rejected the API token (401)"
    assert caught.value.permanent
    assert sandbox.requests.count() == 1


def test_it_reports_a_token_without_the_scope(sandbox):
    sandbox.script(RUNS, Reply(403, {"message": "Resource not accessible by integration"}))

    with pytest.raises(
        AuthError, match=r"GitHub refused access .*\(403\).*Resource not accessible"
    ):
        fetch(sandbox)
    assert sandbox.requests.count() == 1


def test_it_reports_a_missing_workflow(sandbox):
    with pytest.raises(UpstreamError, match=r"GitHub could not find .*\(404\)"):
        fetch(sandbox, make_config(sandbox, workflow="missing.yml"))


def test_it_retries_a_server_error_a_bounded_number_of_times(sandbox, waits):
    sandbox.script(RUNS, Reply(502, {"message": "Server Error"}))

    with pytest.raises(Unavailable, match=r"GitHub is having trouble \(HTTP 502\)"):
        fetch(sandbox)

    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [0.01, 0.02]  # backoff_seconds, then doubled


def test_it_recovers_when_a_retry_succeeds(sandbox, waits):
    sandbox.script(RUNS, Reply(500), Reply(200, {"total_count": 0, "workflow_runs": []}))

    assert fetch(sandbox) == []
    assert sandbox.requests.count() == 2
    assert waits == [0.01]


def test_it_honours_retry_after_then_reports_rate_limited(sandbox, waits):
    sandbox.script(RUNS, Reply(429, {"message": "Too many requests"}, {"Retry-After": "1"}))
    config = make_config(sandbox, limits=replace(FAST, max_retries=1))

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox, config)

    assert str(caught.value) == "GitHub is rate limiting us; retry after 1 s"
    assert sandbox.requests.count() == 2
    assert waits == [1]


def test_a_429_asking_for_one_second_is_retried_after_it(sandbox, waits):
    sandbox.script(
        RUNS,
        Reply(429, {"message": "Too many requests"}, {"Retry-After": "1"}),
        Reply(200, {"total_count": 0, "workflow_runs": []}),
    )

    assert fetch(sandbox) == []
    assert waits == [1]
    assert sandbox.requests.count() == 2


def test_a_permanent_429_asking_for_an_hour_ends_at_once(sandbox, waits):
    sandbox.script(RUNS, Reply(429, {"message": "Too many requests"}, {"Retry-After": "3600"}))

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox)

    assert caught.value.retry_after == 3600
    assert sandbox.requests.count() == 1
    assert waits == []


def test_a_primary_rate_limit_does_not_sleep_until_the_reset(sandbox, waits, at_now):
    # GithubRetry's default is to sleep until X-RateLimit-Reset: an hour here.
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW.timestamp()) + 3600)}
    sandbox.script(RUNS, Reply(403, {"message": "API rate limit exceeded for user ID 1."}, headers))

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox)

    assert 3600 <= caught.value.retry_after <= 3602  # the reset, plus GitHub's second
    assert "GitHub is rate limiting us; retry after" in str(caught.value)
    assert sandbox.requests.count() == 1
    assert waits == []


def test_a_secondary_rate_limit_waits_at_most_max_wait_per_retry(sandbox, waits):
    message = (
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    )
    sandbox.script(RUNS, Reply(403, {"message": message}))
    config = make_config(sandbox, limits=replace(FAST, max_retries=1))

    with pytest.raises(RateLimited, match="retry later"):
        fetch(sandbox, config)

    assert sandbox.requests.count() == 2
    assert waits == [FAST.max_wait_seconds]  # GithubRetry's default would wait 60 s


@pytest.mark.parametrize(
    "body",
    ['{"workflow_runs": [', '{"total_count": 1}', "[1, 2"],
    ids=["truncated", "no-list", "bad"],
)
def test_it_reports_a_malformed_payload(sandbox, body):
    sandbox.script(RUNS, Reply(200, body))

    with pytest.raises(BadPayload, match="GitHub sent a response we could not read"):
        fetch(sandbox)


def test_it_refuses_a_link_to_another_host(sandbox):
    runs = workflow_runs(sandbox.github_url, 2)[1:]  # a successful run: no jobs to fetch
    link = {
        "Link": '<https://api.github.com/repos/octo-org/octo-repo/actions/workflows/secrel.yml/runs?page=2>; rel="next"'
    }
    sandbox.script(RUNS, Reply(200, {"total_count": 2, "workflow_runs": runs}, link))

    with pytest.raises(BadPayload, match=r"linked to another host \(api.github.com\)"):
        fetch(sandbox)


def test_it_reports_a_slow_upstream_as_unavailable(sandbox, waits):
    # PyGithub takes whole seconds only.
    sandbox.script(RUNS, Reply(200, {"total_count": 0, "workflow_runs": []}, delay=3))
    config = make_config(sandbox, limits=replace(FAST, timeout_seconds=1, max_retries=1))

    with pytest.raises(Unavailable) as caught:
        fetch(sandbox, config)

    assert str(caught.value) == "GitHub did not answer within 1 s"
    assert sandbox.requests.count() == 2
    assert waits == [0.01]


def test_it_reports_a_refused_connection_as_unavailable(sandbox, closed_port_url, waits):
    with pytest.raises(Unavailable, match="GitHub could not be reached"):
        fetch(sandbox, make_config(sandbox, api_url=closed_port_url))
    assert waits == [0.01, 0.02]  # retried, as the server certainly did not act on it


def test_it_never_retries_creating_an_issue(sandbox, waits):
    sandbox.script("github.create_issue", Reply(502, {"message": "Server Error"}), SERVE)
    config = make_config(sandbox)

    with pytest.raises(Unavailable):
        create_issue(build_client(config), config, title="t", body="b")

    assert sandbox.requests.count() == 1  # a retried POST could open the issue twice
    assert waits == []


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
    assert "POST" not in retry.allowed_methods

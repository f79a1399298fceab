"""Each fault does what it says, through the Python API and the HTTP control endpoint."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import time_machine
from sandbox_helpers import REPO, dd_headers, gh_headers, pd_headers

from sandbox import Sandbox

RUNS = f"{REPO}/actions/workflows/secrel.yml/runs"


def get_runs(sandbox: Sandbox, **params: Any) -> requests.Response:
    return requests.get(
        sandbox.github_url + RUNS, params=params, headers=gh_headers(sandbox), timeout=5
    )


def get_incidents(sandbox: Sandbox, **params: Any) -> requests.Response:
    return requests.get(
        sandbox.pagerduty_url + "/incidents", params=params, headers=pd_headers(sandbox), timeout=5
    )


def search_monitors(sandbox: Sandbox, **params: Any) -> requests.Response:
    return requests.get(
        sandbox.datadog_url + "/api/v1/monitor/search",
        params=params,
        headers=dd_headers(sandbox),
        timeout=5,
    )


def test_it_fails_n_times_then_succeeds(sandbox: Sandbox) -> None:
    fault = sandbox.fail("pagerduty.incidents", "error", times=2)
    assert [get_incidents(sandbox).status_code for _ in range(3)] == [500, 500, 200]
    assert fault.fired == 2 and not fault.active
    assert sandbox.requests.count("pagerduty.incidents") == 3
    assert [r.fault for r in sandbox.requests.records("pagerduty.incidents")] == [
        "error",
        "error",
        None,
    ]


def test_it_fails_permanently_until_cleared(sandbox: Sandbox) -> None:
    sandbox.fail("github.*", "error", status=503)
    assert {get_runs(sandbox).status_code for _ in range(5)} == {503}
    assert (
        requests.get(sandbox.github_url + REPO, headers=gh_headers(sandbox), timeout=5).status_code
        == 503
    )
    sandbox.clear_faults()
    assert get_runs(sandbox).status_code == 200


def test_it_skips_requests_before_failing(sandbox: Sandbox) -> None:
    sandbox.fail("github.workflow_runs", "500", skip=2, times=1)  # page 3 fails once
    codes = [get_runs(sandbox, per_page=5, page=n).status_code for n in (1, 2, 3, 3)]
    assert codes == [200, 200, 500, 200]


def test_it_rate_limits_with_retry_after_and_github_headers(sandbox: Sandbox) -> None:
    sandbox.fail("github.workflow_runs", "rate_limit", times=1, retry_after=7)
    # GitHub's reset is an epoch second on the wall clock (clients sleep until it): freeze
    # that clock at the sandbox's own instant so the header has one right value.
    with time_machine.travel(sandbox.now(), tick=False):
        resp = get_runs(sandbox)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    assert resp.headers["x-ratelimit-remaining"] == "0"
    assert int(resp.headers["x-ratelimit-reset"]) == int(sandbox.now().timestamp()) + 7
    assert resp.json()["message"].startswith("API rate limit exceeded")
    sandbox.fail("github.pulls", "429", status=403)  # GitHub's primary-limit flavour
    assert (
        requests.get(
            sandbox.github_url + REPO + "/pulls", headers=gh_headers(sandbox), timeout=5
        ).status_code
        == 403
    )
    with sandbox.fault("pagerduty.*", "rate_limit", retry_after=3):
        resp = get_incidents(sandbox)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "3"
    with sandbox.fault("datadog.monitor_search", "rate_limit", retry_after=2):
        resp = search_monitors(sandbox)
    assert (
        resp.status_code == 429
        and resp.headers["X-RateLimit-Reset"] == "2"
        and resp.headers["Retry-After"] == "2"
    )


def test_it_rate_limits_pygithub_which_raises_when_retries_are_off(
    sandbox: Sandbox, gh: Any
) -> None:
    from github import GithubException, RateLimitExceededException

    sandbox.fail("github.workflow", "rate_limit")
    with pytest.raises((RateLimitExceededException, GithubException)) as caught:
        gh.get_repo("example-org/benefits-platform").get_workflow("secrel.yml")
    assert caught.value.status == 429


def test_it_answers_slowly_past_a_client_timeout(sandbox: Sandbox) -> None:
    sandbox.fail("pagerduty.incidents", "slow", delay=2.0, times=1)
    # A ReadTimeout, not a late 200: the client gave up before the slow answer came.
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(sandbox.pagerduty_url + "/incidents", headers=pd_headers(sandbox), timeout=0.3)
    assert get_incidents(sandbox).status_code == 200  # the next request is on time
    # The sandbox reports what it was asked to do: one delay of 2 s, then no more.
    faults = requests.get(sandbox.pagerduty_url + "/_sandbox/faults", timeout=5).json()["faults"]
    assert [(f["kind"], f["delay"], f["fired"], f["active"]) for f in faults] == [
        ("slow", 2.0, 1, False)
    ]


def test_it_times_out_the_datadog_client(sandbox: Sandbox) -> None:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v1.api.monitors_api import MonitorsApi
    from urllib3.util.retry import Retry

    fault = sandbox.fail("datadog.monitor_search", "timeout", delay=2.0)
    config = Configuration(
        host=sandbox.datadog_url,
        request_timeout=0.3,
        api_key={
            "apiKeyAuth": sandbox.tokens.datadog_api_key,
            "appKeyAuth": sandbox.tokens.datadog_app_key,
        },
    )
    with ApiClient(config) as client, pytest.raises(Exception) as caught:  # noqa: B017 - urllib3's own type
        MonitorsApi(client).search_monitors(query="tag:team:vro")
    assert "timed out" in str(caught.value).lower()
    # Every attempt met the delay: the first request and urllib3's default retries (the
    # client's own retry policy is off by default).
    assert fault.fired == 1 + Retry.DEFAULT.total


def test_it_serves_malformed_json(sandbox: Sandbox, pd: Any) -> None:
    sandbox.fail("pagerduty.incidents", "malformed", times=1)
    resp = get_incidents(sandbox)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("application/json")
    with pytest.raises(ValueError):
        resp.json()
    sandbox.fail("pagerduty.incidents", "malformed", times=1)
    with pytest.raises(Exception):  # noqa: B017 - pdpyras raises its own decoding error type
        pd.rget("incidents")


def test_it_answers_401_even_with_good_credentials(
    sandbox: Sandbox, gh: Any, pd: Any, dd: Any
) -> None:
    from datadog_api_client.exceptions import UnauthorizedException
    from github import BadCredentialsException

    sandbox.fail("*", "unauthorized")
    with pytest.raises(BadCredentialsException):
        gh.get_repo("example-org/benefits-platform").get_workflow("secrel.yml")
    with pytest.raises(Exception) as caught:  # noqa: B017
        pd.rget("incidents")
    assert (
        getattr(caught.value, "response", None) is not None
        and caught.value.response.status_code == 401
    )
    with pytest.raises(UnauthorizedException):
        dd.search_monitors(query="tag:team:vro")
    assert (
        requests.post(sandbox.slack_webhook_url, json={"text": "x"}, timeout=5).status_code == 401
    )


def test_it_serves_an_empty_page_that_still_claims_more(sandbox: Sandbox) -> None:
    sandbox.fail("github.workflow_runs", "empty_page", skip=1, times=1)
    first, second, retry = (get_runs(sandbox, per_page=5, page=n) for n in (1, 2, 2))
    assert len(first.json()["workflow_runs"]) == 5
    assert second.json()["workflow_runs"] == [] and "next" in second.links
    assert second.json()["total_count"] == first.json()["total_count"]
    assert len(retry.json()["workflow_runs"]) == 5
    sandbox.fail("pagerduty.incidents", "empty_page", times=1)
    body = get_incidents(sandbox, date_range="all").json()
    assert body["incidents"] == [] and body["more"] is True
    sandbox.fail("datadog.monitor_search", "empty_page", times=1)
    body = search_monitors(sandbox, per_page=50).json()
    assert body["monitors"] == [] and body["metadata"]["page_count"] > body["metadata"]["page"] + 1
    sandbox.fail("github.dependabot_alerts", "empty_page", times=1)
    resp = requests.get(
        sandbox.github_url + REPO + "/dependabot/alerts", headers=gh_headers(sandbox), timeout=5
    )
    assert resp.json() == [] and "after=" in resp.links["next"]["url"]


def test_it_takes_faults_over_http_from_another_process(sandbox: Sandbox) -> None:
    control = sandbox.pagerduty_url + "/_sandbox/faults"
    created = requests.post(
        control,
        json={"endpoint": "incidents", "kind": "429", "times": 1, "retry_after": 4},
        timeout=5,
    )
    assert created.status_code == 201 and created.json()["endpoint"] == "pagerduty.incidents"
    resp = get_incidents(sandbox)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "4"
    listed = requests.get(control, timeout=5).json()["faults"]
    assert listed[0]["fired"] == 1 and listed[0]["active"] is False
    requests.post(control, json={"endpoint": "github.*", "kind": "error"}, timeout=5)
    assert get_runs(sandbox).status_code == 500
    assert requests.delete(control, timeout=5).json() == {"faults": []}
    assert get_runs(sandbox).status_code == 200
    assert requests.post(control, json={"kind": "explode"}, timeout=5).status_code == 400
    counts = requests.get(sandbox.github_url + "/_sandbox/requests", timeout=5).json()
    assert counts["counts"] == {"pagerduty.incidents": 1, "github.workflow_runs": 2}
    requests.delete(sandbox.github_url + "/_sandbox/requests", timeout=5)
    assert sandbox.requests.count() == 0


def test_it_requires_credentials(sandbox: Sandbox) -> None:
    assert (
        requests.get(sandbox.github_url + RUNS, timeout=5).json()["message"]
        == "Requires authentication"
    )
    wrong = requests.get(
        sandbox.github_url + RUNS, headers={"Authorization": "token nope"}, timeout=5
    )
    assert wrong.status_code == 401 and wrong.json()["message"] == "Bad credentials"
    bearer = requests.get(
        sandbox.github_url + RUNS,
        timeout=5,
        headers={"Authorization": f"Bearer {sandbox.tokens.github}"},
    )
    assert bearer.status_code == 200
    for headers in (
        {},
        {"Authorization": "Token token=nope"},
        {"Authorization": sandbox.tokens.pagerduty},
    ):
        resp = requests.get(sandbox.pagerduty_url + "/incidents", headers=headers, timeout=5)
        assert (
            resp.status_code == 401 and resp.json()["error"]["message"] == "Authentication failed"
        )
    for headers in (
        {},
        {"DD-API-KEY": sandbox.tokens.datadog_api_key},
        {"DD-API-KEY": "nope", "DD-APPLICATION-KEY": sandbox.tokens.datadog_app_key},
    ):
        resp = requests.get(
            sandbox.datadog_url + "/api/v1/monitor/search", headers=headers, timeout=5
        )
        assert resp.status_code == 403 and resp.json() == {"errors": ["Forbidden"]}
    ok = requests.get(
        sandbox.datadog_url + "/api/v1/validate",
        timeout=5,
        headers={"DD-API-KEY": sandbox.tokens.datadog_api_key},
    )
    assert ok.json() == {"valid": True}
    assert sandbox.requests.count("*") == 10  # refused requests are counted too


def test_it_refuses_the_real_clients_without_credentials(sandbox: Sandbox) -> None:
    import warnings

    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import ForbiddenException
    from datadog_api_client.v1.api.monitors_api import MonitorsApi
    from github import Auth, BadCredentialsException, Github

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import pdpyras

    gh = Github(auth=Auth.Token("wrong"), base_url=sandbox.github_url, seconds_between_requests=0)
    with pytest.raises(BadCredentialsException):
        gh.get_repo("example-org/benefits-platform").get_workflow("secrel.yml")
    session = pdpyras.APISession("wrong")
    session.url = sandbox.pagerduty_url
    with pytest.raises(pdpyras.PDClientError) as caught:
        session.rget("incidents")
    assert caught.value.response.status_code == 401
    config = Configuration(
        host=sandbox.datadog_url, api_key={"apiKeyAuth": "wrong", "appKeyAuth": "wrong"}
    )
    with ApiClient(config) as client, pytest.raises(ForbiddenException):
        MonitorsApi(client).search_monitors()

"""Every sandbox response validates against the official OpenAPI description of its operation.

Two worlds are served: the generated scenario (volume, variety) and a hand-built one that
hits every nullable and variant branch (triggered/acknowledged/resolved incidents, null
priorities, runs in progress, open/merged/closed PRs, dismissed alerts, never-triggered
monitors). List endpoints are validated over several pages, every item.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import requests
from sandbox_helpers import NOW, REPO, dd_headers, edge_world, gh_headers, pd_headers
from sandbox_specs import assert_valid, assert_valid_schema

from sandbox import Sandbox, SandboxClock
from sandbox.dataset import pull_sha

Case = tuple[str, str, str, str, dict[str, Any]]  # vendor, spec path, method, url path, params


def cases(sandbox: Sandbox) -> list[Case]:
    ds, now = sandbox.dataset, sandbox.now()
    runs = ds.runs.upto(now)
    pulls = ds.pulls.upto(now)
    open_pull = next(p for p in reversed(pulls) if p.state(now) == "open")
    with_status = next(
        (sha for sha in ds.statuses if any(pull_sha(p) == sha for p in pulls)), pull_sha(open_pull)
    )
    incident = ds.incidents.upto(now)[-1]
    running = [r for r in runs if r.status(now) != "completed"]
    g = "/repos/{owner}/{repo}"
    out: list[Case] = [
        ("github", g, "GET", REPO, {}),
        (
            "github",
            g + "/actions/workflows/{workflow_id}",
            "GET",
            REPO + "/actions/workflows/secrel.yml",
            {},
        ),
        ("github", g + "/actions/workflows", "GET", REPO + "/actions/workflows", {}),
        (
            "github",
            g + "/actions/workflows/{workflow_id}/runs",
            "GET",
            REPO + "/actions/workflows/secrel.yml/runs",
            {"per_page": 100},
        ),
        ("github", g + "/actions/runs/{run_id}", "GET", f"{REPO}/actions/runs/{runs[-1].id}", {}),
        ("github", g + "/pulls", "GET", REPO + "/pulls", {"state": "all", "per_page": 50}),
        ("github", g + "/pulls/{pull_number}", "GET", f"{REPO}/pulls/{open_pull.number}", {}),
        ("github", g + "/commits/{ref}", "GET", f"{REPO}/commits/{pull_sha(open_pull)}", {}),
        (
            "github",
            g + "/commits/{ref}/check-runs",
            "GET",
            f"{REPO}/commits/{pull_sha(open_pull)}/check-runs",
            {},
        ),
        ("github", g + "/commits/{ref}/status", "GET", f"{REPO}/commits/{with_status}/status", {}),
        (
            "github",
            g + "/commits/{ref}/status",
            "GET",
            f"{REPO}/commits/{pull_sha(open_pull)}/status",
            {},
        ),
        (
            "github",
            g + "/code-scanning/alerts",
            "GET",
            REPO + "/code-scanning/alerts",
            {"per_page": 100},
        ),
        ("github", g + "/dependabot/alerts", "GET", REPO + "/dependabot/alerts", {"per_page": 100}),
        ("github", "/rate_limit", "GET", "/rate_limit", {}),
        ("github", g + "/issues", "GET", REPO + "/issues", {"state": "all", "per_page": 100}),
        (
            "github",
            g + "/issues",
            "GET",
            REPO + "/issues",
            {"state": "closed", "since": "2026-01-01T00:00:00Z", "sort": "updated"},
        ),
        ("pagerduty", "/incidents", "GET", "/incidents", {"date_range": "all", "limit": 100}),
        (
            "pagerduty",
            "/incidents",
            "GET",
            "/incidents",
            {"time_zone": "America/New_York", "limit": 50},
        ),
        ("pagerduty", "/incidents/{id}", "GET", f"/incidents/{incident.id}", {}),
        (
            "pagerduty",
            "/incidents/{id}/log_entries",
            "GET",
            f"/incidents/{incident.id}/log_entries",
            {},
        ),
        ("pagerduty", "/log_entries", "GET", "/log_entries", {"limit": 100}),
        (
            "pagerduty",
            "/oncalls",
            "GET",
            "/oncalls",
            {"since": "2026-01-01", "until": "2026-04-01"},
        ),
        ("pagerduty", "/schedules", "GET", "/schedules", {}),
        ("pagerduty", "/services", "GET", "/services", {}),
        ("datadog", "/api/v1/monitor/search", "GET", "/api/v1/monitor/search", {"per_page": 100}),
        (
            "datadog",
            "/api/v1/monitor/search",
            "GET",
            "/api/v1/monitor/search",
            {"query": "tag:team:vro status:alert"},
        ),
        ("datadog", "/api/v1/validate", "GET", "/api/v1/validate", {}),
        *(
            ("datadog", "/api/v1/query", "GET", "/api/v1/query", query)
            for query in metric_queries(now)
        ),
    ]
    for r in [*runs[-3:], *running[:2]]:
        out.append(
            (
                "github",
                g + "/actions/runs/{run_id}/jobs",
                "GET",
                f"{REPO}/actions/runs/{r.id}/jobs",
                {},
            )
        )
    for i in ds.incidents.upto(now)[-4:]:
        out.append(("pagerduty", "/incidents/{id}", "GET", f"/incidents/{i.id}", {}))
    return out


def base_and_auth(sandbox: Sandbox, vendor: str) -> tuple[str, dict[str, str]]:
    return {
        "github": (sandbox.github_url, gh_headers(sandbox)),
        "pagerduty": (sandbox.pagerduty_url, pd_headers(sandbox)),
        "datadog": (sandbox.datadog_url, dd_headers(sandbox)),
    }[vendor]


def check_all(sandbox: Sandbox, max_pages: int = 3) -> int:
    """Request every case (following up to `max_pages` pages) and validate every body."""
    checked = 0
    for vendor, spec_path, method, path, params in cases(sandbox):
        base, headers = base_and_auth(sandbox, vendor)
        url: str | None = base + path
        query: dict[str, Any] | None = params
        for _ in range(max_pages):
            assert url is not None
            resp = requests.request(method, url, params=query, headers=headers, timeout=10)
            assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
            body = resp.json()
            assert_valid(vendor, spec_path, method, 200, body)
            checked += 1
            url, query = next_page(vendor, resp, body, query or {})
            if url is None:
                break
    return checked


def next_page(
    vendor: str, resp: requests.Response, body: Any, query: dict[str, Any]
) -> tuple[str | None, dict | None]:
    if vendor == "github":
        nxt = resp.links.get("next", {}).get("url")
        return nxt, None
    if vendor == "pagerduty" and isinstance(body, dict) and body.get("more"):
        return resp.url.split("?")[0], {**query, "offset": body["offset"] + body["limit"]}
    return None, None


def test_it_validates_the_generated_scenario_against_the_specs(sandbox: Sandbox) -> None:
    assert check_all(sandbox) >= 30


def test_it_validates_every_edge_case_against_the_specs(
    make_sandbox: Callable[..., Sandbox],
) -> None:
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    edge_world(sandbox)
    assert check_all(sandbox) >= 30
    # Each PR state, with and without statuses, and a commit on develop.
    for number, sha in ((1902, "b" * 40), (1903, "c" * 40), (1904, "d" * 40)):
        for suffix, spec_path in (
            ("", "/commits/{ref}"),
            ("/status", "/commits/{ref}/status"),
            ("/check-runs", "/commits/{ref}/check-runs"),
        ):
            resp = requests.get(
                f"{sandbox.github_url}{REPO}/commits/{sha}{suffix}",
                headers=gh_headers(sandbox),
                timeout=5,
            )
            assert resp.status_code == 200, (number, suffix, resp.text)
            assert_valid("github", "/repos/{owner}/{repo}" + spec_path, "GET", 200, resp.json())


def test_it_covers_the_variants_in_the_edge_world(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    edge_world(sandbox)
    incidents = requests.get(
        f"{sandbox.pagerduty_url}/incidents",
        params={"date_range": "all"},
        headers=pd_headers(sandbox),
        timeout=5,
    ).json()["incidents"]
    by_id = {i["id"]: i for i in incidents}
    assert "QFUTURE0000005" not in by_id  # not created yet
    assert (
        by_id["QTRIGGERED0001"]["status"] == "triggered"
        and by_id["QTRIGGERED0001"]["priority"] is None
    )
    acked = by_id["QACKED00000002"]
    assert (
        acked["status"] == "acknowledged"
        and acked["acknowledgements"][0]["acknowledger"]["id"] == "PBOKAF2"
    )
    assert acked["resolved_at"] is None and acked["priority"]["summary"] == "P1"
    resolved = by_id["QRESOLVED00003"]
    assert (
        resolved["status"] == "resolved"
        and resolved["acknowledgements"] == []
        and resolved["assignments"] == []
    )
    runs = requests.get(
        f"{sandbox.github_url}{REPO}/actions/workflows/secrel.yml/runs",
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()["workflow_runs"]
    assert {(r["id"], r["status"], r["conclusion"]) for r in runs} >= {
        (9003, "in_progress", None),
        (9002, "completed", "failure"),
        (9004, "completed", "cancelled"),
    }
    jobs = requests.get(
        f"{sandbox.github_url}{REPO}/actions/runs/9005/jobs", headers=gh_headers(sandbox), timeout=5
    ).json()["jobs"]
    assert [j["status"] for j in jobs] == ["completed", "in_progress", "queued"]


def metric_queries(now: datetime) -> list[dict[str, Any]]:
    """A partner app's latency and error rate over the last day, and a metric that does not
    exist (no series)."""
    span = {"from": int(now.timestamp()) - 86400, "to": int(now.timestamp())}
    return [
        {**span, "query": "p95:trace.http.request.duration{service:cc-app}"},
        {
            **span,
            "query": "sum:trace.http.request.errors{service:cc-app}.as_count()"
            " / sum:trace.http.request.hits{service:cc-app}.as_count() * 100",
        },
        {**span, "query": "avg:no.such.metric{service:cc-app}"},
    ]


def errors_of(resp: requests.Response) -> Any:
    assert resp.headers["Content-Type"].startswith("application/json"), resp.headers
    return resp.json()


def test_it_answers_errors_in_each_vendors_documented_shape(sandbox: Sandbox) -> None:
    gh, pdu, ddu = sandbox.github_url, sandbox.pagerduty_url, sandbox.datadog_url
    # GitHub: 401 as basic-error, 404 and 422 as documented for the operation.
    resp = requests.get(gh + REPO, timeout=5)
    assert resp.status_code == 401
    assert_valid_schema("github", "/components/schemas/basic-error", errors_of(resp))
    resp = requests.get(gh + "/repos/example-org/other", headers=gh_headers(sandbox), timeout=5)
    assert resp.status_code == 404
    assert_valid("github", "/repos/{owner}/{repo}", "GET", 404, errors_of(resp))
    resp = requests.get(f"{gh}{REPO}/commits/{'f' * 40}", headers=gh_headers(sandbox), timeout=5)
    assert resp.status_code == 422
    assert_valid("github", "/repos/{owner}/{repo}/commits/{ref}", "GET", 422, errors_of(resp))
    resp = requests.post(
        f"{gh}{REPO}/issues", json={"body": "no title"}, headers=gh_headers(sandbox), timeout=5
    )
    assert resp.status_code == 422
    assert_valid("github", "/repos/{owner}/{repo}/issues", "POST", 422, errors_of(resp))
    with sandbox.fault("github.commit", "error"):
        resp = requests.get(f"{gh}{REPO}/commits/develop", headers=gh_headers(sandbox), timeout=5)
    assert resp.status_code == 500
    assert_valid("github", "/repos/{owner}/{repo}/commits/{ref}", "GET", 500, errors_of(resp))
    # PagerDuty: 401, 400, 404, 429.
    resp = requests.get(pdu + "/incidents", timeout=5)
    assert resp.status_code == 401
    assert_valid("pagerduty", "/incidents", "GET", 401, errors_of(resp))
    resp = requests.get(
        pdu + "/incidents", params={"since": "yesterday"}, headers=pd_headers(sandbox), timeout=5
    )
    assert resp.status_code == 400
    assert_valid("pagerduty", "/incidents", "GET", 400, errors_of(resp))
    resp = requests.get(pdu + "/incidents/QNOPE", headers=pd_headers(sandbox), timeout=5)
    assert resp.status_code == 404
    assert_valid("pagerduty", "/incidents/{id}", "GET", 404, errors_of(resp))
    with sandbox.fault("pagerduty.incidents", "rate_limit"):
        resp = requests.get(pdu + "/incidents", headers=pd_headers(sandbox), timeout=5)
    assert resp.status_code == 429
    assert_valid("pagerduty", "/incidents", "GET", 429, errors_of(resp))
    # Datadog: 403 for bad keys, 400 for a bad query, 429.
    resp = requests.get(ddu + "/api/v1/monitor/search", headers={"DD-API-KEY": "wrong"}, timeout=5)
    assert resp.status_code == 403
    assert_valid("datadog", "/api/v1/monitor/search", "GET", 403, errors_of(resp))
    resp = requests.get(ddu + "/api/v1/validate", headers={"DD-API-KEY": "wrong"}, timeout=5)
    assert_valid("datadog", "/api/v1/validate", "GET", 403, errors_of(resp))
    resp = requests.get(
        ddu + "/api/v1/monitor/search",
        params={"query": "status:(alert"},
        headers=dd_headers(sandbox),
        timeout=5,
    )
    assert resp.status_code == 400
    assert_valid("datadog", "/api/v1/monitor/search", "GET", 400, errors_of(resp))
    with sandbox.fault("datadog.*", "429"):
        resp = requests.get(ddu + "/api/v1/monitor/search", headers=dd_headers(sandbox), timeout=5)
    assert resp.status_code == 429
    assert_valid("datadog", "/api/v1/monitor/search", "GET", 429, errors_of(resp))
    resp = requests.get(
        ddu + "/api/v1/query",
        params={"from": 1, "to": 2, "query": "p95:trace.http.request.duration{service:cc-app"},
        headers=dd_headers(sandbox),
        timeout=5,
    )
    assert resp.status_code == 400
    assert errors_of(resp)["errors"][0].startswith("Error parsing query")
    assert_valid("datadog", "/api/v1/query", "GET", 400, errors_of(resp))
    with sandbox.fault("datadog.query", "429"):
        resp = requests.get(
            ddu + "/api/v1/query",
            params={"from": 1, "to": 2, "query": "avg:trace.x{*}"},
            headers=dd_headers(sandbox),
            timeout=5,
        )
    assert resp.status_code == 429
    assert_valid("datadog", "/api/v1/query", "GET", 429, errors_of(resp))


def test_it_creates_issues_in_the_documented_shape(sandbox: Sandbox) -> None:
    resp = requests.post(
        f"{sandbox.github_url}{REPO}/issues",
        headers=gh_headers(sandbox),
        timeout=5,
        json={
            "title": "Incident Reported: BIP down",
            "body": "Claims intake failing",
            "labels": ["incident", {"name": "sev2"}],
            "assignees": ["dkowalski"],
        },
    )
    assert resp.status_code == 201
    body = resp.json()
    assert_valid("github", "/repos/{owner}/{repo}/issues", "POST", 201, body)
    assert resp.headers["Location"] == body["url"]
    assert [label["name"] for label in body["labels"]] == ["incident", "sev2"]


@pytest.mark.parametrize("vendor", ["github", "pagerduty", "datadog"])
def test_it_loads_each_spec_once_per_session(vendor: str) -> None:
    from sandbox_specs import spec

    assert spec(vendor) is spec(vendor)


@pytest.mark.parametrize("vendor", ["pagerduty", "datadog"])
def test_it_keeps_every_ref_target_in_the_trimmed_specs(vendor: str) -> None:
    """sandbox/specs/trim.py kept every component a kept operation reaches."""
    from sandbox_specs import _at, spec

    stack: list[Any] = [spec(vendor)]
    refs: set[str] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert len(refs) > 10
    missing = []
    for ref in sorted(refs):
        try:
            _at(spec(vendor), ref)
        except (KeyError, IndexError):
            missing.append(ref)
    assert missing == []


def test_it_would_notice_a_body_that_breaks_the_spec(sandbox: Sandbox) -> None:
    """The validators are live: removing a required field or bending a type is caught."""
    import copy

    from sandbox_specs import errors, response_pointer

    runs = requests.get(
        f"{sandbox.github_url}{REPO}/actions/workflows/secrel.yml/runs",
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()
    pointer = response_pointer(
        "github", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs", "GET", 200
    )
    assert errors("github", pointer, runs) == []
    broken = copy.deepcopy(runs)
    del broken["workflow_runs"][0]["head_sha"]
    broken["workflow_runs"][1]["id"] = "not a number"
    assert len(errors("github", pointer, broken)) == 2

    incidents = requests.get(
        f"{sandbox.pagerduty_url}/incidents", headers=pd_headers(sandbox), timeout=5
    ).json()
    pointer = response_pointer("pagerduty", "/incidents", "GET", 200)
    broken = copy.deepcopy(incidents)
    broken["incidents"][0]["status"] = "open"
    broken["incidents"][0]["created_at"] = "yesterday"
    assert len(errors("pagerduty", pointer, broken)) >= 2

    monitors = requests.get(
        f"{sandbox.datadog_url}/api/v1/monitor/search", headers=dd_headers(sandbox), timeout=5
    ).json()
    pointer = response_pointer("datadog", "/api/v1/monitor/search", "GET", 200)
    broken = copy.deepcopy(monitors)
    broken["monitors"][0]["status"] = "Red"
    assert errors("datadog", pointer, broken)

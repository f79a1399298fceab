"""Scale mode: 10,000 incidents with their log entries and 2,000 runs, served page by page."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from datetime import timedelta

import requests
from sandbox_helpers import REPO, gh_headers, pd_headers

from sandbox import Sandbox, ScenarioConfig


def test_it_serves_the_benchmark_volume_cheaply(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(scenario=ScenarioConfig.scale())
    built = sandbox.dataset
    session = requests.Session()
    now = sandbox.now()

    incidents, offset = 0, 0
    while True:
        body = session.get(
            f"{sandbox.pagerduty_url}/incidents",
            headers=pd_headers(sandbox),
            timeout=10,
            params={"date_range": "all", "limit": 100, "offset": offset},
        ).json()
        incidents += len(body["incidents"])
        offset += 100
        if not body["more"]:
            break
    assert incidents == 10_000  # exactly PagerDuty's offset ceiling

    entries, since = 0, now - timedelta(days=200)
    while since < now:
        until, offset = min(since + timedelta(days=30), now + timedelta(seconds=1)), 0
        while True:
            body = session.get(
                f"{sandbox.pagerduty_url}/log_entries",
                headers=pd_headers(sandbox),
                timeout=10,
                params={
                    "since": since.isoformat(),
                    "until": until.isoformat(),
                    "limit": 100,
                    "offset": offset,
                },
            ).json()
            entries += len(body["log_entries"])
            offset += 100
            if not body["more"]:
                break
        since = until
    assert entries == len(sandbox.dataset.log_window(None, None, now)) > 25_000

    runs = 0
    url: str | None = f"{sandbox.github_url}{REPO}/actions/workflows/secrel.yml/runs?per_page=100"
    while url:
        resp = session.get(url, headers=gh_headers(sandbox), timeout=10)
        runs += len(resp.json()["workflow_runs"])
        url = resp.links.get("next", {}).get("url")
    assert runs == 2_000
    assert sandbox.requests.count("github.workflow_runs") == 20
    assert sandbox.dataset is built  # built once: every page was cut from the same snapshot

    # Serving a deep page allocates a page's worth, not the whole list.
    tracemalloc.start()
    try:
        for offset in range(9_000, 9_900, 100):
            session.get(
                f"{sandbox.pagerduty_url}/incidents",
                headers=pd_headers(sandbox),
                timeout=10,
                params={"date_range": "all", "limit": 100, "offset": offset},
            )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000

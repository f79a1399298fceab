"""The sandbox's GitHub deployments: valid against GitHub's OpenAPI description, every page
and every status list, with the variety the demo needs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests
from sandbox_helpers import REPO, gh_headers
from sandbox_specs import assert_valid

from sandbox import Sandbox
from sandbox.deployments import ENVIRONMENTS, deployments_of

LIST = "/repos/{owner}/{repo}/deployments"
STATUSES = "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"


def get(sandbox: Sandbox, path: str, **params: Any) -> requests.Response:
    return requests.get(
        sandbox.github_url + path, params=params, headers=gh_headers(sandbox), timeout=10
    )


def test_every_page_of_deployments_and_their_statuses_validates(sandbox: Sandbox) -> None:
    url: str | None = sandbox.github_url + REPO + "/deployments?per_page=100"
    seen: list[dict[str, Any]] = []
    for _ in range(3):
        assert url is not None
        resp = requests.get(url, headers=gh_headers(sandbox), timeout=10)
        assert resp.status_code == 200, resp.text[:300]
        assert_valid("github", LIST, "GET", 200, resp.json())
        seen += resp.json()
        url = resp.links.get("next", {}).get("url")
    created = [d["created_at"] for d in seen]
    assert created == sorted(created, reverse=True)  # newest first
    for deployment in seen[:40]:
        resp = get(sandbox, f"{REPO}/deployments/{deployment['id']}/statuses")
        assert resp.status_code == 200
        assert_valid("github", STATUSES, "GET", 200, resp.json())


def test_it_filters_by_environment_and_answers_404_for_an_unknown_deployment(
    sandbox: Sandbox,
) -> None:
    prod = get(sandbox, REPO + "/deployments", environment="prod", per_page=100).json()
    assert prod and {d["environment"] for d in prod} == {"prod"}
    assert get(sandbox, REPO + "/deployments/12/statuses").status_code == 404


def test_the_history_has_every_environment_rollbacks_and_deployments_before_incidents(
    sandbox: Sandbox,
) -> None:
    ds, now = sandbox.state.snapshot()
    items = deployments_of(ds, now)
    assert {d.environment for d in items} == set(ENVIRONMENTS)
    services = {name for d in items for name, _ in d.services}
    assert services <= {s.name for s in ds.facts.services} and "svc-bgs-api" in services
    states = Counter(tuple(s.state for s in d.statuses)[-1] for d in items)
    rolled_back = [d for d in items if [s.state for s in d.statuses][-2:] == ["success", "failure"]]
    assert rolled_back and states["success"] > len(items) / 2
    assert any(d.ref.startswith("hotfix/") for d in items)
    assert len({d.id for d in items}) == len(items)
    assert all(d.created_at <= now for d in items)
    # The same list on every request.
    assert deployments_of(ds, now) == items


def test_a_world_loaded_by_hand_has_deployments_only_over_its_span() -> None:
    from datetime import UTC, datetime

    from sandbox.dataset import Dataset, Items
    from sandbox.facts import TEAM
    from sandbox.models import Incident

    now = datetime(2026, 3, 11, 18, 30, tzinfo=UTC)
    assert deployments_of(Dataset(TEAM, Items()), now) == []
    one = Items(incidents=[Incident(id="Q1", created_at=datetime(2026, 3, 9, tzinfo=UTC))])
    items = deployments_of(Dataset(TEAM, one), now)
    assert items and min(d.created_at for d in items) >= datetime(2026, 3, 8, tzinfo=UTC)

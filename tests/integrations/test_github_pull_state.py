"""A PR's state, closing and merge times through PyGithub, against the sandbox's scripted
replies shaped like the spec's single-PR example."""

from datetime import UTC, datetime

import pytest

from oncall_site.integrations.errors import BadPayload
from oncall_site.integrations.github import (
    PullState,
    build_client,
    fetch_pull_state,
    normalize_pull_state,
)
from sandbox import Reply

from .payloads import load
from .test_github import REPO, make_config

MERGED = "2026-03-10T14:02:11Z"


def single(base_url: str, **changes) -> dict:
    pull = load("github/pull.json", base_url)
    pull.update(url=f"{base_url}{REPO}/pulls/1347", **changes)
    return pull


def test_it_reads_a_merged_pr_with_its_closing_and_merge_times(sandbox):
    reply = single(sandbox.github_url, state="closed", closed_at=MERGED, merged_at=MERGED)
    sandbox.script("github.pull", Reply(200, reply))
    config = make_config(sandbox)

    state = fetch_pull_state(build_client(config), config, 1347)

    merged = datetime(2026, 3, 10, 14, 2, 11, tzinfo=UTC)
    assert state == PullState(1347, "closed", merged, merged)
    assert not state.is_open
    (request,) = sandbox.requests.records("github.pull")
    assert request.path == f"{REPO}/pulls/1347"


def test_it_reads_a_pr_closed_without_merging(sandbox):
    reply = single(sandbox.github_url, state="closed", closed_at=MERGED, merged_at=None)
    sandbox.script("github.pull", Reply(200, reply))
    config = make_config(sandbox)

    state = fetch_pull_state(build_client(config), config, 1347)

    assert (state.state, state.merged_at) == ("closed", None) and state.closed_at is not None


def test_a_pr_github_does_not_know_is_none(sandbox):
    sandbox.script("github.pull", Reply(404, {"message": "Not Found"}))
    config = make_config(sandbox)

    assert fetch_pull_state(build_client(config), config, 1347) is None


def test_the_spec_example_is_open():
    state = normalize_pull_state(load("github/pull.json"))

    assert (state.number, state.state, state.is_open) == (1347, "open", True)


@pytest.mark.parametrize("state", [None, "merged", ""])
def test_a_pr_without_a_known_state_is_a_bad_payload(state):
    with pytest.raises(BadPayload, match="pull request 1347 has no state"):
        normalize_pull_state({**load("github/pull.json"), "state": state})

"""Fixtures for the sandbox's own tests: the reusable `sandbox` fixture and real clients."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from sandbox import Sandbox

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import pdpyras


@pytest.fixture
def gh(sandbox: Sandbox) -> Iterator[Any]:
    """PyGithub pointed at the sandbox, no throttling, small pages so Link paging happens."""
    from github import Auth, Github, GithubRetry

    client = Github(
        auth=Auth.Token(sandbox.tokens.github),
        base_url=sandbox.github_url,
        per_page=25,
        timeout=5,
        retry=GithubRetry(total=0),
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    yield client
    client.close()


@pytest.fixture
def pd(sandbox: Sandbox) -> pdpyras.APISession:
    session = pdpyras.APISession(sandbox.tokens.pagerduty)
    session.url = sandbox.pagerduty_url
    session.retry = {}
    session.max_http_attempts = 1
    session.timeout = 5
    return session


@pytest.fixture
def dd(sandbox: Sandbox) -> Iterator[Any]:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v1.api.monitors_api import MonitorsApi

    config = Configuration(
        host=sandbox.datadog_url,
        api_key={
            "apiKeyAuth": sandbox.tokens.datadog_api_key,
            "appKeyAuth": sandbox.tokens.datadog_app_key,
        },
    )
    with ApiClient(config) as client:
        yield MonitorsApi(client)

"""Fixtures of the integration tests: the sandbox upstreams answering only what a test
scripts, the waits the retry policy asked for, and a port nothing listens on."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oncall_site.integrations import retries
from sandbox import Items, Sandbox


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """The four fake upstreams with no data: each test scripts the replies it needs
    (`sandbox.script(...)`) and reads what was asked (`sandbox.requests.records(...)`)."""
    return make_sandbox(items=Items())


@pytest.fixture(autouse=True)
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every wait between two attempts that the retry policy asked for, in seconds,
    recorded instead of slept: tests assert what was asked, never how long it took."""
    asked: list[float] = []
    monkeypatch.setattr(retries, "pause", asked.append)
    return asked


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    host, port = server.server_address[:2]
    server.server_close()
    return f"http://{host}:{port}"

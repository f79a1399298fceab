"""Reusable pytest fixtures: `from oncall_site.sandbox.pytest_fixtures import sandbox, make_sandbox`
in a conftest.py (or list the module in `pytest_plugins`).

`sandbox` runs on ephemeral ports with a clock frozen at the current second, so what it
serves stays put until the test moves `sandbox.clock`; it is stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .clock import SandboxClock
from .handle import Sandbox, start_sandbox


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with options (`scenario=`, `clock=`, `start=`); all stopped afterwards."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        options.setdefault("clock", SandboxClock.frozen_at())
        sandbox = start_sandbox(**options)
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """The four fake upstreams with the generated scenario, frozen at the test's start."""
    return make_sandbox()

"""The `sandbox` fixtures: the four fake upstreams on ephemeral ports, frozen at `NOW`.

The sandbox's clock is frozen at the suite's fixed `NOW` (not at today), so what it serves
is the same on any day the suite runs; a test moves `sandbox.clock` to make things happen.
Every sandbox started is stopped after the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from sandbox import Sandbox, SandboxClock, start_sandbox
from tests.clock import NOW


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes with options (`scenario=`, `clock=`, `start=`); all stopped afterwards."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        options.setdefault("clock", SandboxClock.frozen_at(NOW))
        sandbox = start_sandbox(**options)
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """The four fake upstreams with the generated scenario, frozen at `NOW`."""
    return make_sandbox()

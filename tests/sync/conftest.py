"""Jobs made up for the engine's tests: a fake vendor, no upstream, no HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from oncall_site.sync import registry
from oncall_site.sync.registry import Vendor


@dataclass
class FakeVendor:
    """A vendor whose configuration a test can change (None: not configured)."""

    key: str = "fake"
    label: str = "Fake"
    config: Any = "token-1"
    clients: list[Any] = field(default_factory=list)

    def vendor(self) -> Vendor:
        def build(config: Any) -> Any:
            self.clients.append(config)
            return {"config": config}

        return Vendor(self.key, self.label, lambda: self.config, build)


@pytest.fixture
def fake_registry(monkeypatch) -> dict[str, registry.SyncJob]:
    """The real registry (discovered) plus whatever a test declares; restored afterwards."""
    registry.jobs()
    jobs = dict(registry._jobs)
    monkeypatch.setattr(registry, "_jobs", jobs)
    return jobs


@pytest.fixture
def declare(fake_registry) -> Callable[..., registry.SyncJob]:
    """`declare(vendor, "name", function, minutes=5)` registers a job as an app would."""

    def make(
        vendor: Vendor, name: str, function: Callable, *, minutes: int = 5, label: str = "things"
    ):
        registry.job(vendor, name, label=label, minutes=minutes)(function)
        return registry.get_job(f"{vendor.key}.{name}")

    return make

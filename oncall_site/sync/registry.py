"""The registry of sync jobs: each app declares its own in its `sync.py`.

    from oncall_site.sync import SyncContext, job, vendors

    @job(vendors.GITHUB, "secrel_runs", label="SecRel runs", minutes=5)
    def secrel_runs(ctx: SyncContext) -> None: ...

The engine finds the jobs by importing every installed app's `sync` module (Django's
`autodiscover_modules`, as the admin finds `admin.py`), the first time anyone asks. The
schedules (`setup_schedules`), `manage.py sync`, the admin and the dashboard's freshness
panel all read this registry, so adding a job touches the app that owns its data and
nothing here: no choices list, no migration, no engine edit.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

if TYPE_CHECKING:
    from oncall_site.sync.context import SyncContext

JobFunction = Callable[["SyncContext"], None]
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Vendor:
    """An upstream service: how to read its configuration and build its client."""

    key: str
    label: str
    load_config: Callable[[], Any]  # None when the vendor is not configured
    build_client: Callable[[Any], Any]


@dataclass(frozen=True)
class SyncJob:
    """One upstream resource kept in sync by one function of the app owning its data."""

    vendor: Vendor
    name: str
    label: str
    run: JobFunction
    minutes: int  # the default poll interval

    @property
    def key(self) -> str:
        return f"{self.vendor.key}.{self.name}"

    @property
    def title(self) -> str:
        return f"{self.vendor.label} {self.label}"

    @property
    def interval_minutes(self) -> int:
        """`SYNC_<VENDOR>_<JOB>_MINUTES`, else `SYNC_<VENDOR>_MINUTES`, else the default."""
        overrides: dict[str, int] = settings.SYNC_INTERVAL_MINUTES
        return overrides.get(
            f"{self.vendor.key}_{self.name}", overrides.get(self.vendor.key, self.minutes)
        )


_jobs: dict[str, SyncJob] = {}
_discovered = False
_lock = threading.Lock()


def job(
    vendor: Vendor, name: str, *, label: str, minutes: int
) -> Callable[[JobFunction], JobFunction]:
    """Register the decorated function as the job `vendor.name`."""
    if not NAME.match(name):
        raise ImproperlyConfigured(f"sync job name {name!r}: use lower_case letters and digits")
    if minutes < 1:
        raise ImproperlyConfigured(f"sync job {vendor.key}.{name}: minutes must be at least 1")

    def register(function: JobFunction) -> JobFunction:
        declared = SyncJob(vendor, name, label, function, minutes)
        known = _jobs.get(declared.key)
        if known is not None and known.run.__qualname__ != function.__qualname__:
            raise ImproperlyConfigured(
                f"two sync jobs are named {declared.key}: {known.run.__module__} and "
                f"{function.__module__}"
            )
        _jobs[declared.key] = declared
        return function

    return register


VENDOR_ORDER = ("pagerduty", "datadog", "github")


def jobs() -> list[SyncJob]:
    """Every registered job, vendor by vendor, in the order the apps declare them."""
    global _discovered
    if not _discovered:
        with _lock:
            if not _discovered:
                autodiscover_modules("sync")
                _discovered = True
    # Vendors in a fixed order (PagerDuty's incidents before Datadog measures around them),
    # whatever order a process happened to import the apps' modules in; then any other.
    order = {key: n for n, key in enumerate(VENDOR_ORDER)}
    for declared in _jobs.values():
        order.setdefault(declared.vendor.key, len(order))
    return sorted(_jobs.values(), key=lambda j: order[j.vendor.key])


def get_job(key: str) -> SyncJob:
    for declared in jobs():
        if declared.key == key:
            return declared
    raise KeyError(key)


def select(selector: str | None) -> list[SyncJob]:
    """All jobs (None), a vendor's (`github`) or one (`github.secrel_runs`).

    Raises ValueError naming what exists when nothing matches.
    """
    every = jobs()
    if not selector:
        return every
    chosen = [j for j in every if selector in (j.key, j.vendor.key)]
    if not chosen:
        known = sorted({j.vendor.key for j in every} | {j.key for j in every})
        raise ValueError(f"no sync job or vendor {selector!r}; known: {', '.join(known)}")
    return chosen


def vendors() -> list[Vendor]:
    seen: dict[str, Vendor] = {}
    for declared in jobs():
        seen.setdefault(declared.vendor.key, declared.vendor)
    return list(seen.values())

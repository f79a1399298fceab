"""Reads of the site package: the freshness of every sync job, for the dashboard, the admin
and any panel that shows synced data beside the source it came from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from oncall_site.freshness import (
    Freshness,
    RateLimitStatus,
    job_freshness,
    rate_limit_status,
    worst,
)
from oncall_site.models import SyncJobState
from oncall_site.sync import jobs


@dataclass(frozen=True)
class JobRow:
    key: str
    label: str
    interval_minutes: int
    state: SyncJobState | None
    freshness: Freshness
    rate_limit: RateLimitStatus | None = None


@dataclass(frozen=True)
class VendorRow:
    key: str
    label: str
    configured: bool
    jobs: list[JobRow]

    @property
    def status(self) -> str:
        return worst([j.freshness.status for j in self.jobs])


def sync_freshness(*, now: datetime, only: Iterable[str] | None = None) -> list[VendorRow]:
    """Every registered job (or those named in `only`), grouped by vendor; one query."""
    chosen = [j for j in jobs() if only is None or j.key in set(only)]
    stored = SyncJobState.objects.in_bulk([j.key for j in chosen], field_name="job")
    vendors: dict[str, VendorRow] = {}
    configured: dict[str, bool] = {}
    for declared in chosen:
        vendor = declared.vendor
        if vendor.key not in configured:
            configured[vendor.key] = vendor.load_config() is not None
            vendors[vendor.key] = VendorRow(vendor.key, vendor.label, configured[vendor.key], [])
        state = stored.get(declared.key)
        vendors[vendor.key].jobs.append(
            JobRow(
                declared.key,
                declared.label,
                declared.interval_minutes,
                state,
                job_freshness(
                    configured=configured[vendor.key],
                    interval_minutes=declared.interval_minutes,
                    state=state,
                    now=now,
                ),
                rate_limit_status(state, now=now),
            )
        )
    return list(vendors.values())


def freshness_of(keys: Iterable[str], *, now: datetime) -> dict[str, Freshness]:
    """The freshness of the named jobs, for a panel that shows what they sync."""
    return {j.key: j.freshness for v in sync_freshness(now=now, only=keys) for j in v.jobs}


def ensure_job_states() -> None:
    """A state row for every registered job, so the admin lists jobs that never ran."""
    SyncJobState.objects.bulk_create(
        [SyncJobState(job=j.key, vendor=j.vendor.key) for j in jobs()], ignore_conflicts=True
    )

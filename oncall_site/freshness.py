"""How fresh a sync job's data is, as a pure function of its state (no ORM, no clock).

Rules, in order:
- a vendor without credentials is "not configured" (never an error);
- a job that has never been attempted is "waiting" for its first sync;
- a rejected credential is "needs attention" (polling stops until it is fixed);
- a job whose last run failed is "failing": its data is from its last success;
- a job not attempted for `LATE_AFTER` of its interval (three polls, five minutes at the
  least) is "late": the worker may be down, and the data is from its last success;
- otherwise "ok".
`running` says a run holds the job's claim right now, whatever the status.

Beside it, the upstream's rate limit as the job's last run heard it (`rate_limit_status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from oncall_site.integrations.retries import reserve

LATE_AFTER = 3  # poll intervals
LATE_AT_LEAST = timedelta(minutes=5)
WORST_FIRST = ("needs_attention", "failing", "late", "waiting", "ok", "not_configured")


class JobState(Protocol):
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    needs_attention: bool
    run_token: str
    lease_until: datetime | None


@dataclass(frozen=True)
class Freshness:
    status: str  # one of WORST_FIRST
    data_as_of: datetime | None  # the last success: when the data shown was read
    running: bool = False
    error: str = ""

    @property
    def stale(self) -> bool:
        """The data shown is older than it should be (or there is none yet)."""
        return self.status in {"needs_attention", "failing", "late", "waiting"}


def job_freshness(
    *, configured: bool, interval_minutes: int, state: JobState | None, now: datetime
) -> Freshness:
    if not configured:
        return Freshness("not_configured", None)
    if state is None or state.last_attempt_at is None:
        return Freshness("waiting", None)
    running = bool(state.run_token) and state.lease_until is not None and state.lease_until > now
    late_after = max(timedelta(minutes=interval_minutes * LATE_AFTER), LATE_AT_LEAST)
    if state.needs_attention:
        status = "needs_attention"
    elif state.last_error:
        status = "failing"
    elif not running and now - state.last_attempt_at > late_after:
        status = "late"
    else:
        status = "ok"
    return Freshness(status, state.last_success_at, running, state.last_error)


def worst(statuses: list[str]) -> str:
    """The status a group of jobs shows as a whole: the worst of them."""
    return min(statuses, key=WORST_FIRST.index) if statuses else "not_configured"


class RateLimitState(Protocol):
    rate_limit_remaining: int | None
    rate_limit_limit: int | None
    rate_limit_reset_at: datetime | None
    last_error_kind: str


@dataclass(frozen=True)
class RateLimitStatus:
    remaining: int
    limit: int
    reset_at: datetime
    status: str  # ok, slowing, stopped, reset


def rate_limit_status(state: RateLimitState | None, *, now: datetime) -> RateLimitStatus | None:
    """What the upstream's last answer to a job said of its request budget, as of `now`.

    - None when no figures are stored (the upstream does not announce them);
    - "reset": the reset time has passed, so the budget is whole again (the figures are
      from before it);
    - "stopped": the last run stopped for the rate limit (`RateLimited`), until the reset;
    - "slowing": fewer requests left than the reserve (`retries.reserve`): runs space
      their requests out until the reset;
    - otherwise "ok".
    """
    if state is None:
        return None
    remaining, limit = state.rate_limit_remaining, state.rate_limit_limit
    reset_at = state.rate_limit_reset_at
    if remaining is None or limit is None or reset_at is None:
        return None
    if reset_at <= now:
        status = "reset"
    elif state.last_error_kind == "RateLimited":
        status = "stopped"
    elif remaining < reserve(limit):
        status = "slowing"
    else:
        status = "ok"
    return RateLimitStatus(remaining, limit, reset_at, status)

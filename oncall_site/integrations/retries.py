"""The one retry policy every upstream call follows, whatever client library makes it.

The rule, from `Limits` (settings `UPSTREAM_*`):
- every HTTP request has a timeout (`timeout_seconds`);
- at most `max_retries` retries after the first attempt, for 429 and 500/502/503/504,
  refused connections and, where repeating the request is safe, read timeouts;
- before a retry, the wait the upstream asks for (`Retry-After`, or the vendor's rate-limit
  reset) when it says, else `backoff_seconds`, doubling at each retry; never longer than
  `max_wait_seconds`;
- an upstream asking for more than `max_wait_seconds` gets no retry at all: the call fails
  at once with `RateLimited(retry_after=...)` (`Unavailable` for a 503) and the sync tries
  again on its next run. So no call ever sleeps through an hour's rate-limit reset;
- once the retries are spent, the vendor's last answer becomes the typed error.

And before it is refused: an upstream announcing its request budget with every answer
(GitHub's `X-RateLimit-*`) is asked no faster than that budget lasts until it resets
(`pace`): no extra wait while plenty is left; below a reserve, the requests left are
spread over the time to the reset, each wait at most `max_wait_seconds`; when that is not
enough, the run stops early with `RateLimited`, naming the reset, rather than sleep. The
client tells the run in progress where to read the figures it heard (`watch_rate_limit`),
so the sync records them.

Each client library receives the policy as the urllib3 `Retry` it already takes: PyGithub's
`retry` (a `GithubRetry`), datadog-api-client's `retry_policy` (a `ClientRetry`), and an
`HTTPAdapter` on the requests sessions of pdpyras and Slack (`mount`). Every wait between
two attempts goes through `pause`.

Reference: https://urllib3.readthedocs.io/en/stable/reference/urllib3.util.html#urllib3.util.Retry
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import InvalidHeader, MaxRetryError

from oncall_site.integrations.errors import (
    RateLimited,
    Unavailable,
    rate_limited,
    retry_after_seconds,
)
from oncall_site.integrations.payloads import Source

DEFAULT_BACKOFF_SECONDS = 1.0
DEFAULT_MAX_WAIT_SECONDS = 30.0
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
# Methods a retry may repeat: not POST (a retried POST could open the same issue twice).
SAFE_TO_REPEAT = urllib3.Retry.DEFAULT_ALLOWED_METHODS


@dataclass(frozen=True)
class Limits:
    """How long one upstream call may take, in all.

    - `timeout_seconds`: connect and read timeout of each HTTP request.
    - `max_retries`: retries after the first attempt (429, 5xx, network errors).
    - `backoff_seconds`: the wait before the first retry when the upstream names none;
      it doubles at each retry after (tests use ~0.01).
    - `max_wait_seconds`: the longest single wait we accept. A server asking for more
      (`Retry-After`, a rate-limit reset) gets no retry: the call fails at once with
      `RateLimited(retry_after=...)` and the sync tries again on its next run.
    """

    timeout_seconds: float = 15.0
    max_retries: int = 3
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    max_wait_seconds: float = DEFAULT_MAX_WAIT_SECONDS


def limits_from_settings() -> Limits:
    """`UPSTREAM_TIMEOUT_SECONDS`, `UPSTREAM_MAX_RETRIES` (and, if the settings define them,
    `UPSTREAM_BACKOFF_SECONDS`, `UPSTREAM_MAX_WAIT_SECONDS`)."""
    from django.conf import settings

    return Limits(
        timeout_seconds=float(settings.UPSTREAM_TIMEOUT_SECONDS),
        max_retries=max(0, int(settings.UPSTREAM_MAX_RETRIES)),
        backoff_seconds=float(
            getattr(settings, "UPSTREAM_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS)
        ),
        max_wait_seconds=float(
            getattr(settings, "UPSTREAM_MAX_WAIT_SECONDS", DEFAULT_MAX_WAIT_SECONDS)
        ),
    )


def pause(seconds: float) -> None:
    """Wait before a retry. Every retry of every client waits here, and only here."""
    time.sleep(seconds)


def refused_wait(status: int, headers: Mapping[str, object], max_wait: float) -> float | None:
    """The wait a 403, 429 or 503 asks for when it is longer than `max_wait` (then there is
    no retry), else None. A rate-limit reset header counts for a 429 only: on a 403 it is
    GitHub's hourly budget, which GitHub's own retry reads from the body first."""
    if status not in (403, 429, 503):
        return None
    wait = retry_after_seconds(headers, use_reset=status == 429)
    return wait if wait is not None and wait > max_wait else None


class WaitCap:
    """Mix-in for a urllib3 `Retry` class: this module's policy on top of a library's retry.

    - `increment` refuses to retry an answer asking for more than `max_wait`: it raises
      `RateLimited` (403/429) or `Unavailable` (503) at once. The vendor libraries let
      exceptions other than their own pass through untouched.
    - `sleep` waits what the upstream asked for, else the backoff, at most `max_wait`,
      through `pause`. (urllib3 would sleep whatever `Retry-After` says, up to six hours,
      and GitHub's retry until its rate-limit reset.)
    """

    def __init__(
        self,
        *args: Any,
        source: str = "",
        source_name: str = "",
        max_wait: float = DEFAULT_MAX_WAIT_SECONDS,
        **kwargs: Any,
    ) -> None:
        self.source = source
        self.source_name = source_name
        self.max_wait = max_wait
        super().__init__(*args, **kwargs)

    def new(self, **kw: Any) -> Any:
        kw.update(source=self.source, source_name=self.source_name, max_wait=self.max_wait)
        return super().new(**kw)  # type: ignore[misc]

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: Exception | None = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> Any:
        if response is not None:
            wait = refused_wait(response.status, response.headers, self.max_wait)
            if wait is not None:
                response.drain_conn()
                if response.status == 503:
                    raise Unavailable(
                        self.source,
                        f"{self.source_name} is unavailable (HTTP 503); retry after {wait:.0f} s",
                        status=503,
                    )
                raise rate_limited(self.source, self.source_name, wait, status=response.status)
        try:
            return super().increment(method, url, response, error, _pool, _stacktrace)  # type: ignore[misc]
        except MaxRetryError:
            # Out of retries on a rate-limit 403 (only GitHub retries 403s): GithubRetry has
            # read the body to tell, so the client would see an empty one, a plain 403.
            if response is not None and response.status == 403:
                wait = retry_after_seconds(response.headers)
                raise rate_limited(self.source, self.source_name, wait, status=403) from None
            raise

    def get_backoff_time(self) -> float:
        """`backoff_factor` before the first retry, doubling at each retry after it."""
        history = self.history  # type: ignore[attr-defined]
        retries = len(list(takewhile(lambda h: h.redirect_location is None, reversed(history))))
        if retries == 0:
            return 0.0
        return min(self.max_wait, self.backoff_factor * 2 ** (retries - 1))  # type: ignore[attr-defined]

    def sleep(self, response: Any = None) -> None:
        asked: float | None = None
        if response is not None and self.respect_retry_after_header:  # type: ignore[attr-defined]
            try:
                asked = self.get_retry_after(response)  # type: ignore[attr-defined]
            except InvalidHeader:
                asked = None  # an unreadable Retry-After: back off as if none was sent
        wait = self.get_backoff_time() if asked is None else asked
        pause(min(max(float(wait), 0.0), self.max_wait))


R = TypeVar("R", bound=urllib3.Retry)


def retry_for(
    cls: type[R],
    limits: Limits,
    source: Source,
    *,
    statuses: Collection[int] = RETRIED_STATUSES,
    methods: Collection[str] = SAFE_TO_REPEAT,
    repeat_reads: bool = True,
    **options: Any,
) -> R:
    """The policy as an instance of `cls`, a `WaitCap` subclass of a library's `Retry`.

    `statuses` and `methods` say what this vendor can safely be asked again;
    `repeat_reads=False` never repeats a request whose answer was lost (it may have been
    acted on). The last answer is handed back once the retries are spent
    (`raise_on_status=False`), so the library raises its own error with the status and
    headers, which the integration turns into a typed one. `options` go to `cls` as they are.
    """
    if not issubclass(cls, WaitCap):
        raise TypeError(f"{cls.__name__} must mix in WaitCap")
    return cls(
        total=limits.max_retries,
        connect=limits.max_retries,
        read=limits.max_retries if repeat_reads else 0,
        status=limits.max_retries,
        status_forcelist=sorted(statuses),
        allowed_methods=frozenset(methods),
        backoff_factor=limits.backoff_seconds,
        backoff_max=limits.max_wait_seconds,
        retry_after_max=max(1, math.ceil(limits.max_wait_seconds)),
        raise_on_status=False,
        source=source.key,
        source_name=source.name,
        max_wait=limits.max_wait_seconds,
        **options,
    )


def mount(session: requests.Session, retry: urllib3.Retry) -> requests.Session:
    """Every request of `session`, http and https, follows `retry`."""
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# Rate limits: the budget an upstream announces with each answer, and the pace it calls for.

RESERVE_SHARE = 0.10  # of the limit
RESERVE_AT_LEAST = 100  # requests


@dataclass(frozen=True)
class RateLimit:
    """An upstream's request budget as its last answer announced it (GitHub:
    `X-RateLimit-Remaining`, `X-RateLimit-Limit`, `X-RateLimit-Reset`).

    Reference: https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#checking-the-status-of-your-rate-limit
    """

    remaining: int
    limit: int
    reset_at: datetime  # aware: when the budget is whole again

    def seconds_to_reset(self, now: datetime) -> float:
        return (self.reset_at - now).total_seconds()


def reserve(limit: int) -> int:
    """The requests held back before a reset: 10% of the limit, at least 100 (500 of
    GitHub's 5,000 an hour; 100 of an Actions token's 1,000)."""
    return max(math.ceil(limit * RESERVE_SHARE), RESERVE_AT_LEAST)


@dataclass(frozen=True)
class Pace:
    """`wait` seconds before the next request; `stop`: that wait is longer than a run may
    sleep, so the run stops and the next one goes on after the reset."""

    wait: float
    stop: bool = False

    @property
    def slowing(self) -> bool:
        return self.wait > 0


def pace(remaining: int, limit: int, seconds_to_reset: float, *, max_wait: float) -> Pace:
    """How long to wait before the next request so the budget lasts until its reset.

    - the reset has passed (the budget is whole again), or at least `reserve(limit)`
      requests are left: no wait;
    - else the requests left are spread over the time to the reset: wait
      `seconds_to_reset / remaining` (none left waits for the reset itself, as one would:
      the last request goes at the reset);
    - a wait longer than `max_wait` is not waited: `stop`, with the wait it would take.

    E.g. a limit of 5,000 (reserve 500): 499 left, 30 minutes to the reset: 3.6 s apart;
    60 left: 30 s; 59 left: 30.5 s, past a 30 s `max_wait`: stop.
    """
    if seconds_to_reset <= 0 or remaining >= reserve(limit):
        return Pace(0.0)
    wait = seconds_to_reset / max(remaining, 1)
    return Pace(wait, stop=wait > max_wait)


def _clock(instant: datetime) -> str:
    """ "15:00 EDT": on the team's clock (`TIME_ZONE`) once Django is set up, else UTC."""
    from django.conf import settings

    zone = ZoneInfo(settings.TIME_ZONE) if settings.configured and settings.TIME_ZONE else UTC
    local = instant.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


def _in_words(seconds: float) -> str:
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return "in under a minute" if seconds < 60 else "in a minute"
    if minutes < 120:
        return f"in {minutes} minutes"
    return f"in about {round(minutes / 60)} hours"


def budget_spent(source: Source, reading: RateLimit, *, now: datetime) -> RateLimited:
    """The error that stops a run before its upstream would refuse it, in words."""
    left = reading.seconds_to_reset(now)
    message = (
        f"{source.name} rate limit nearly spent: {reading.remaining:,} of {reading.limit:,} "
        f"requests left until it resets at {_clock(reading.reset_at)} ({_in_words(left)}); "
        "stopped early rather than wait, the next run continues"
    )
    return RateLimited(source.key, message, retry_after=max(left, 0.0), status=None)


class RunWatch(Protocol):
    """Whoever runs a series of upstream calls (a sync run): told where to read the rate
    limit its client hears, and told before a long pause so it can renew its claim."""

    def watch_rate_limit(self, read: Callable[[], RateLimit | None]) -> None: ...

    def keepalive(self) -> None: ...


_watch: ContextVar[RunWatch | None] = ContextVar("upstream_run_watch", default=None)


@contextmanager
def watched_by(run: RunWatch) -> Iterator[None]:
    """Clients built and calls made inside this block report to `run`."""
    token = _watch.set(run)
    try:
        yield
    finally:
        _watch.reset(token)


def watch_rate_limit(read: Callable[[], RateLimit | None]) -> None:
    """A client tells the run in progress (if any) where to read its latest figures."""
    run = _watch.get()
    if run is not None:
        run.watch_rate_limit(read)


def slow_down(reading: RateLimit | None, *, source: Source, max_wait: float, now: datetime) -> None:
    """Before a request: wait what `pace` asks (through `pause`, renewing the run's claim
    first), or stop with `RateLimited` naming the reset. No figures yet: no wait."""
    if reading is None:
        return
    step = pace(reading.remaining, reading.limit, reading.seconds_to_reset(now), max_wait=max_wait)
    if step.stop:
        raise budget_spent(source, reading, now=now)
    if step.slowing:
        run = _watch.get()
        if run is not None:
            run.keepalive()
        pause(step.wait)

"""One module per upstream (github, pagerduty, datadog, slack), all the same shape.

Each module has a frozen `Config` built by `config_from_settings()` (None when the source
is not configured), a `build_client(config)` that sets the base URL, token, timeout and
bounded retries on the vendor's own client library, `iter_*` fetch functions that stream
(generators: nothing builds the whole list), and pure `normalize_*` functions turning one
raw payload into a frozen dataclass. Every failure leaves a module as one of the typed
errors in `errors.py`. No ORM here: `<app>/sync.py` stores what these yield.

This package file holds what the modules share: the limits every call obeys (`Limits`),
a urllib3 retry mix-in that refuses to sleep longer than those limits allow (`WaitCap`),
and the field readers the normalizers use (`Source`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from urllib3.exceptions import MaxRetryError

from oncall_site.integrations.errors import (
    BadPayload,
    Unavailable,
    bad_payload,
    rate_limited,
    retry_after_seconds,
)

DEFAULT_BACKOFF_SECONDS = 1.0
DEFAULT_MAX_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Limits:
    """How long one upstream call may take, in all.

    - `timeout_seconds`: connect and read timeout of each HTTP request.
    - `max_retries`: retries after the first attempt (429, 5xx, network errors).
    - `backoff_seconds`: base of the exponential wait between retries (tests use ~0.01).
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


class WaitCap:
    """Mix-in for a urllib3 `Retry` class: never sleep longer than `max_wait` for one retry.

    urllib3 sleeps whatever `Retry-After` says (up to six hours by default); GitHub's retry
    sleeps until the rate-limit reset. When the upstream asks for more than `max_wait`, this
    raises `RateLimited` (429/403) or `Unavailable` (503) at once instead of sleeping. The
    vendor libraries let exceptions other than their own pass through untouched.

    Reference: https://urllib3.readthedocs.io/en/stable/reference/urllib3.util.html#urllib3.util.Retry
    """

    def __init__(
        self,
        *args: Any,
        source: str = "",
        source_name: str = "",
        max_wait: float = 30.0,
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
        if response is not None and response.status in (403, 429, 503):
            wait = retry_after_seconds(response.headers, use_reset=response.status == 429)
            if wait is not None and wait > self.max_wait:
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


@dataclass(frozen=True)
class Source:
    """A source's key and display name, with the field readers its normalizers use.

    Missing required fields and unreadable timestamps become `BadPayload` in the source's
    name, so a normalizer is a plain function of a dict.
    """

    key: str
    name: str

    def bad(self, detail: BaseException | str) -> BadPayload:
        return bad_payload(self.key, self.name, detail)

    def mapping(self, raw: object, what: str) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.bad(f"expected an object for {what}, got {type(raw).__name__}")
        return raw

    def required(self, raw: Mapping[str, Any], key: str, what: str = "") -> Any:
        value = raw.get(key)
        if value is None or value == "":
            raise self.bad(f"{what or 'record'} has no {key!r}")
        return value

    def text(self, raw: Mapping[str, Any] | None, key: str) -> str | None:
        value = (raw or {}).get(key)
        return None if value is None else str(value)

    def nested(self, raw: Mapping[str, Any] | None, *keys: str) -> Any:
        """raw[k1][k2]..., None as soon as a level is missing or null."""
        value: Any = raw
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    def timestamp(self, value: object, field: str) -> datetime | None:
        """An ISO 8601 string (any offset, `Z` too) as an aware UTC datetime; None stays None."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.bad(f"{field} is not a timestamp: {value!r}")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise self.bad(f"{field} is not a timestamp: {value!r}") from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)

    def required_timestamp(self, raw: Mapping[str, Any], key: str, what: str = "") -> datetime:
        value = self.timestamp(self.required(raw, key, what), key)
        assert value is not None
        return value


def isoformat_z(moment: datetime) -> str:
    """An aware datetime as `2026-01-07T05:00:00Z`, the form every API here accepts."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

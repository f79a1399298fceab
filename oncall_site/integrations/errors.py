"""Typed upstream errors: what every integration raises, whatever library it wraps.

The sync decides from the class what to do next: `AuthError` is permanent (the source needs
a person's attention: a new token, a scope), `RateLimited` and `Unavailable` are worth a
later retry, `BadPayload` means the upstream answered something we cannot read. The message
is written for the dashboard, in the words a user understands.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import ClassVar


class UpstreamError(Exception):
    """An upstream call failed. `source` is the source key ("github", "pagerduty", ...)."""

    permanent: ClassVar[bool] = False

    def __init__(self, source: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class AuthError(UpstreamError):
    """401/403 (or a revoked webhook): retrying will not help, the credentials need attention."""

    permanent = True


class RateLimited(UpstreamError):
    """429 (or a rate-limit 403) still there after the bounded retries."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
    ) -> None:
        super().__init__(source, message, status=status)
        self.retry_after = retry_after


class Unavailable(UpstreamError):
    """5xx, connection refused, DNS, TLS or a timeout, after the bounded retries."""


class BadPayload(UpstreamError):
    """The upstream answered, but not with what its API documents (bad JSON, missing fields)."""


# Reading the headers that say how long to wait.


def _lower(headers: Mapping[str, object] | None) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}


def retry_after_seconds(
    headers: Mapping[str, object] | None, *, use_reset: bool = True, now: float | None = None
) -> float | None:
    """Seconds the upstream asks us to wait, or None when it does not say.

    `Retry-After` (seconds or an HTTP date) first; with `use_reset`, a rate-limit reset header
    (`X-RateLimit-Reset`, `RateLimit-Reset`): GitHub sends an epoch timestamp there, Datadog
    and PagerDuty a number of seconds, told apart by size.

    Reference: https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
    """
    values = _lower(headers)
    now = time.time() if now is None else now
    raw = values.get("retry-after", "").strip()
    if raw:
        if raw.replace(".", "", 1).isdigit():
            return max(0.0, float(raw))
        parsed = email.utils.parsedate_tz(raw)
        if parsed is not None:
            return max(0.0, email.utils.mktime_tz(parsed) - now)
    if use_reset:
        for name in ("x-ratelimit-reset", "ratelimit-reset"):
            raw = values.get(name, "").strip()
            if raw.replace(".", "", 1).isdigit():
                value = float(raw)
                # Epoch seconds (GitHub) vs. seconds from now (Datadog, PagerDuty).
                return max(0.0, value - now) if value > 1_000_000_000 else value
    return None


# Messages, one place so every source says the same thing the same way.


def rate_limited(
    source: str, name: str, retry_after: float | None, *, status: int = 429
) -> RateLimited:
    if retry_after is None:
        message = f"{name} is rate limiting us; retry later"
    else:
        message = f"{name} is rate limiting us; retry after {retry_after:.0f} s"
    return RateLimited(source, message, retry_after=retry_after, status=status)


def from_status(
    source: str,
    name: str,
    status: int,
    *,
    headers: Mapping[str, object] | None = None,
    detail: str = "",
    credential: str = "API token",
) -> UpstreamError:
    """The typed error for an HTTP error status, with a message a user understands."""
    detail = " ".join(detail.split())[:200]
    suffix = f": {detail}" if detail else ""
    if status == 401:
        return AuthError(source, f"{name} rejected the {credential} ({status})", status=status)
    if status == 403:
        return AuthError(
            source,
            f"{name} refused access with this {credential} ({status}); check its scopes{suffix}",
            status=status,
        )
    if status == 429:
        return rate_limited(source, name, retry_after_seconds(headers), status=status)
    if status >= 500:
        return Unavailable(
            source, f"{name} is having trouble (HTTP {status}){suffix}", status=status
        )
    if status == 404:
        return UpstreamError(
            source,
            f"{name} could not find what we asked for (404); check the settings{suffix}",
            status=status,
        )
    return UpstreamError(
        source, f"{name} refused the request (HTTP {status}){suffix}", status=status
    )


def is_timeout(exc: BaseException) -> bool:
    """Whether a timeout is anywhere in the exception's chain (libraries wrap them twice)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TimeoutError) or "timeout" in type(current).__name__.lower():
            return True
        for arg in getattr(current, "args", ()):
            if isinstance(arg, BaseException) and is_timeout(arg):
                return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and is_timeout(reason):
            return True
        current = current.__cause__ or current.__context__
    return False


def network_error(source: str, name: str, exc: BaseException, timeout: float) -> Unavailable:
    """Connection refused, DNS, TLS or timeout, after the retries: Unavailable, in words."""
    if is_timeout(exc):
        return Unavailable(source, f"{name} did not answer within {timeout:g} s")
    return Unavailable(source, f"{name} could not be reached ({type(exc).__name__})")


def bad_payload(source: str, name: str, exc: BaseException | str) -> BadPayload:
    detail = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    detail = " ".join(str(detail).split())[:200]
    return BadPayload(source, f"{name} sent a response we could not read ({detail})")


class UnreadableWebhook(ValueError):
    """A webhook delivery that cannot be stored at all (not even keyed on an id); the
    message goes back to the sender, which is how a person setting it up finds out."""

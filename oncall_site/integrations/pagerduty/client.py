"""The PagerDuty client: pdpyras with the base URL, the token, a timeout and bounded retries.

The only module that imports pdpyras. pdpyras retries a 429 without limit unless told a
count, never reads `Retry-After` and sleeps on its own; so the site's one retry policy
(`retries.py`) runs underneath it, on the requests session's transport, and pdpyras's own
loop is left with nothing to retry.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import urllib3

from oncall_site.integrations.errors import (
    UpstreamError,
    bad_payload,
    from_status,
    network_error,
    rate_limited,
    retry_after_seconds,
)
from oncall_site.integrations.payloads import Source
from oncall_site.integrations.retries import (
    Limits,
    WaitCap,
    limits_from_settings,
    mount,
    retry_for,
)

with warnings.catch_warnings():
    # pdpyras warns on import that it is deprecated; its successor (`pagerduty`) refuses
    # plain-http base URLs, which the sandbox upstreams use.
    warnings.filterwarnings("ignore", message=r".*pdpyras.*deprecated", category=UserWarning)
    import pdpyras

PAGERDUTY = Source("pagerduty", "PagerDuty")
ITERATION_LIMIT = 10_000  # pdpyras.ITERATION_LIMIT: offset + limit may not exceed it


@dataclass(frozen=True)
class Config:
    token: str
    api_url: str = "https://api.pagerduty.com"
    service_ids: tuple[str, ...] = ()
    schedule_ids: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    page_size: int = 100
    # Each request covers at most this span; must stay within the API's 6 months.
    window: timedelta = timedelta(days=30)
    # The API's offset cap (10,000); tests lower it to exercise the resume path.
    max_offset: int = ITERATION_LIMIT


def config_from_settings() -> Config | None:
    """The PagerDuty source from settings, or None without `PAGERDUTY_API_TOKEN`.

    Reference: https://developer.pagerduty.com/docs/authentication
    """
    from django.conf import settings

    if not settings.PAGERDUTY_API_TOKEN:
        return None
    return Config(
        token=settings.PAGERDUTY_API_TOKEN,
        api_url=settings.PAGERDUTY_API_URL,
        service_ids=tuple(settings.PAGERDUTY_SERVICE_IDS),
        schedule_ids=tuple(settings.PAGERDUTY_SCHEDULE_IDS),
        limits=limits_from_settings(),
    )


class _Retry(WaitCap, urllib3.Retry):
    """urllib3's Retry under the site's policy."""


class _Session(pdpyras.APISession):
    """APISession that ends the call on a 429 the retry policy has already given up on, and
    on an empty page that says more follow."""

    def postprocess(self, response: Any, suffix: str | None = None) -> None:
        super().postprocess(response)
        if response.status_code == 429:
            # Out of retries underneath: pdpyras would start over, forever by default.
            wait = retry_after_seconds(response.headers)
            raise rate_limited(PAGERDUTY.key, PAGERDUTY.name, wait)
        if response.ok and response.request.method == "GET":
            _refuse_empty_page_with_more(response)


def _refuse_empty_page_with_more(response: Any) -> None:
    """An empty page that says `more: true` would make pdpyras's iter_all ask for the same
    offset with limit 0 forever (it advances by the page's length): fail the call instead."""
    try:
        body = response.json()
    except ValueError:
        return  # malformed JSON is reported where the body is read
    if not isinstance(body, dict) or body.get("more") is not True:
        return
    lists = [value for value in body.values() if isinstance(value, list)]
    if lists and not any(lists):
        raise bad_payload(
            PAGERDUTY.key,
            PAGERDUTY.name,
            f"an empty page at offset {body.get('offset')} that says more follow",
        )


def build_client(config: Config) -> pdpyras.APISession:
    """An APISession on `config.api_url` with a timeout and the site's bounded retries.

    The retries (429, 5xx, network errors; `Retry-After` read, no wait over
    `max_wait_seconds`) happen on the session's transport. pdpyras's own loop retries
    nothing: `retry[429]` is 1, not 0 (0 means "without limit" for a 429), and the session
    ends the call on any 429 before pdpyras sees it; no network retries of its own either.

    Reference: https://pagerduty.github.io/pdpyras/user_guide.html#http-retry-configuration
    """
    limits = config.limits
    session = _Session(config.token)
    session.url = config.api_url.rstrip("/")
    session.timeout = limits.timeout_seconds
    mount(session, retry_for(_Retry, limits, PAGERDUTY))
    session.retry = {429: 1}
    session.max_http_attempts = 1
    session.max_network_attempts = 0
    session.sleep_timer = limits.backoff_seconds
    return session


@contextmanager
def upstream_errors(config: Config) -> Iterator[None]:
    """pdpyras and requests exceptions, and unreadable records, leave as UpstreamError."""
    try:
        yield
    except UpstreamError:
        raise
    except pdpyras.PDHTTPError as exc:
        response = exc.response
        if response is not None and response.ok:  # 2xx that is not the documented JSON
            raise bad_payload(PAGERDUTY.key, PAGERDUTY.name, exc.msg) from exc
        status = getattr(response, "status_code", 0) or 0
        headers = getattr(response, "headers", None)
        detail = _error_detail(response)
        raise from_status(
            PAGERDUTY.key, PAGERDUTY.name, status, headers=headers, detail=detail
        ) from exc
    except pdpyras.PDClientError as exc:  # network errors, after the transport's retries
        raise network_error(
            PAGERDUTY.key, PAGERDUTY.name, exc, config.limits.timeout_seconds
        ) from exc
    except (pdpyras.URLError, KeyError, TypeError, ValueError) as exc:
        raise bad_payload(PAGERDUTY.key, PAGERDUTY.name, exc) from exc


def _error_detail(response: Any) -> str:
    try:
        error = response.json().get("error") or {}
        return str(error.get("message") or "")
    except Exception:  # noqa: BLE001 - the status alone is enough
        return ""

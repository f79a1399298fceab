"""The GitHub client: PyGithub with the base URL, the token, a timeout and bounded retries.

PyGithub's `GithubRetry` sleeps until the rate-limit reset and urllib3 sleeps whatever
`Retry-After` says; `build_retry` gives it the site's one retry policy instead
(`retries.py`): at most `max_retries` retries, none waiting longer than `max_wait_seconds`.
And the client keeps to GitHub's hourly budget before it is refused (`PacedToken`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.Requester import WithRequester

from oncall_site.integrations import retries
from oncall_site.integrations.errors import (
    AuthError,
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
    RateLimit,
    WaitCap,
    limits_from_settings,
    retry_for,
)

GITHUB = Source("github", "GitHub")


@dataclass(frozen=True)
class Config:
    token: str
    repository: str  # owner/name
    api_url: str = "https://api.github.com"
    workflow: str = "secrel.yml"
    branch: str = "develop"
    limits: Limits = field(default_factory=Limits)
    # PyGithub spaces requests 0.25 s apart by default (GitHub asks for serial requests).
    seconds_between_requests: float = 0.25


def config_from_settings() -> Config | None:
    """The GitHub source from settings, or None without `GITHUB_TOKEN` and `GITHUB_REPOSITORY`.

    Reference: https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api
    """
    from django.conf import settings

    if not settings.GITHUB_TOKEN or not settings.GITHUB_REPOSITORY:
        return None
    return Config(
        token=settings.GITHUB_TOKEN,
        repository=settings.GITHUB_REPOSITORY,
        api_url=settings.GITHUB_API_URL,
        workflow=settings.SECREL_WORKFLOW,
        branch=settings.SECREL_BRANCH,
        limits=limits_from_settings(),
        seconds_between_requests=float(getattr(settings, "GITHUB_SECONDS_BETWEEN_REQUESTS", 0.25)),
    )


class _Retry(WaitCap, GithubRetry):
    """GithubRetry (which also retries GitHub's rate-limit 403s) under the site's policy."""


def build_retry(limits: Limits) -> GithubRetry:
    """The site's retry policy as a GithubRetry. Its rate-limit waits (until the reset for
    the primary limit, `secondary_rate_wait` for the secondary one) are capped at
    `max_wait_seconds` too: a longer one fails at once, as RateLimited.

    Reference: https://pygithub.readthedocs.io/en/stable/github_objects/GithubRetry.html
    """
    return retry_for(
        _Retry,
        limits,
        GITHUB,
        secondary_rate_wait=min(60.0, limits.max_wait_seconds),
        max_rate_limit_wait=limits.max_wait_seconds,
    )


class PacedToken(Auth.Token, WithRequester["PacedToken"]):
    """The API token, and before each request the pace GitHub's rate limit calls for.

    PyGithub asks its auth for the `Authorization` header before every request it sends
    (each page, each lazy completion) and keeps the rate-limit headers of every answer on
    its requester (`rate_limiting`, `rate_limiting_resettime`), which it hands to an auth
    that is `WithRequester`. So the figures of GitHub's last answer are read here, without
    a request of their own, and `retries.slow_down` waits or stops before the next one.
    Every endpoint the jobs call counts against the `core` budget.

    Reference: https://pygithub.readthedocs.io/en/stable/examples/Authentication.html
    """

    def __init__(self, token: str, limits: Limits) -> None:
        Auth.Token.__init__(self, token)
        WithRequester.__init__(self)
        self.limits = limits

    def rate_limit(self) -> RateLimit | None:
        """The budget GitHub's last answer announced; None before any answer said."""
        requester = self.requester
        if requester is None:
            return None
        remaining, limit = requester.rate_limiting
        reset = requester.rate_limiting_resettime
        if remaining < 0 or limit <= 0 or reset <= 0:
            return None
        return RateLimit(remaining, limit, datetime.fromtimestamp(reset, UTC))

    def authentication(self, headers: dict[str, Any]) -> None:
        retries.slow_down(
            self.rate_limit(),
            source=GITHUB,
            max_wait=self.limits.max_wait_seconds,
            now=datetime.now(UTC),
        )
        super().authentication(headers)


def build_client(config: Config) -> Github:
    """A lazy `Github` on `config.api_url` (GitHub Enterprise included) with a timeout,
    bounded retries and the rate limit's pace; 100 items per page. A run in progress is
    told where to read the rate limit GitHub announces (`retries.watch_rate_limit`).

    Reference: https://pygithub.readthedocs.io/en/stable/github.html
    """
    token = PacedToken(config.token, config.limits)
    retries.watch_rate_limit(token.rate_limit)
    return Github(
        auth=token,
        base_url=config.api_url.rstrip("/"),
        timeout=max(1, math.ceil(config.limits.timeout_seconds)),  # PyGithub wants an int
        retry=build_retry(config.limits),
        per_page=100,
        seconds_between_requests=config.seconds_between_requests,
        seconds_between_writes=config.seconds_between_requests,
        lazy=True,
    )


@dataclass(frozen=True)
class Access:
    """What a resource is, and what a token needs to read it: a 403 names both."""

    what: str  # "the code-scanning alerts"
    needs: str  # "the security_events scope (classic token) or ..."


def refused(access: Access, detail: str, headers: Mapping[str, object]) -> AuthError:
    """A 403 on `access.what`, naming the scope the token lacks (and those it has, when
    GitHub says: classic tokens come with `X-OAuth-Scopes`).

    Reference: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
    """
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    granted = lowered.get("x-oauth-scopes")
    has = f" (it has: {granted or 'no scopes'})" if granted is not None else ""
    said = f" GitHub said: {' '.join(detail.split())[:200]}." if detail else ""
    return AuthError(
        GITHUB.key,
        f"{GITHUB.name} refused {access.what} with this API token (403). The token needs "
        f"{access.needs}{has}.{said}",
        status=403,
    )


@contextmanager
def upstream_errors(config: Config, access: Access | None = None) -> Iterator[None]:
    """PyGithub, requests and urllib3 exceptions, and unreadable records, leave as UpstreamError.

    With `access`, a 403 (other than the rate limit's) says which scope the token lacks.
    """
    try:
        yield
    except UpstreamError:
        raise
    except RateLimitExceededExceedsMaxWait as exc:
        raise rate_limited(GITHUB.key, GITHUB.name, exc.wait, status=exc.status) from exc
    except RateLimitExceededException as exc:
        wait = retry_after_seconds(exc.headers)
        raise rate_limited(GITHUB.key, GITHUB.name, wait, status=exc.status) from exc
    except GithubException as exc:
        headers = exc.headers or {}
        data = exc.data if isinstance(exc.data, dict) else {}
        detail = str(exc.message or data.get("message") or "")
        if exc.status == 403 and str(headers.get("x-ratelimit-remaining")) == "0":
            wait = retry_after_seconds(headers)
            raise rate_limited(GITHUB.key, GITHUB.name, wait, status=403) from exc
        if exc.status == 403 and access is not None:
            raise refused(access, detail, headers) from exc
        raise from_status(
            GITHUB.key, GITHUB.name, exc.status, headers=headers, detail=detail
        ) from exc
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise network_error(GITHUB.key, GITHUB.name, exc, config.limits.timeout_seconds) from exc
    except AssertionError as exc:  # PyGithub refuses links to another host than base_url
        detail = f"it linked to another host ({exc}); check GITHUB_API_URL"
        raise bad_payload(GITHUB.key, GITHUB.name, detail) from exc
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise bad_payload(GITHUB.key, GITHUB.name, exc) from exc

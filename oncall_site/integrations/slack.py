"""Slack incoming webhook through requests: reminders and handoff notices.

A webhook POST that reached Slack may have been posted even if the answer was lost, and a
reminder is posted exactly once: so only what Slack certainly did not act on is retried
(429, refused connections), never a 5xx or a read timeout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from oncall_site.integrations import Limits, Source, WaitCap, limits_from_settings
from oncall_site.integrations.errors import (
    AuthError,
    UpstreamError,
    from_status,
    network_error,
)

SLACK = Source("slack", "Slack")
# Slack's answers that mean the webhook itself needs attention (revoked, channel gone).
WEBHOOK_GONE = {
    "invalid_token",
    "no_service",
    "channel_not_found",
    "channel_is_archived",
    "action_prohibited",
    "no_team",
    "team_disabled",
}


@dataclass(frozen=True)
class Config:
    webhook_url: str
    limits: Limits = field(default_factory=Limits)


def config_from_settings() -> Config | None:
    """The Slack webhook from settings, or None without `SLACK_WEBHOOK_URL`.

    Reference: https://api.slack.com/messaging/webhooks
    """
    from django.conf import settings

    if not settings.SLACK_WEBHOOK_URL:
        return None
    return Config(webhook_url=settings.SLACK_WEBHOOK_URL, limits=limits_from_settings())


class _Retry(WaitCap, urllib3.Retry):
    """urllib3 Retry capped by WaitCap."""


def build_client(config: Config) -> requests.Session:
    """A requests Session that retries a POST on 429 (honouring `Retry-After` up to
    `max_wait_seconds`) and on refused connections, `max_retries` times at most.

    Reference: https://api.slack.com/messaging/webhooks#handling_errors
    """
    limits = config.limits
    retry = _Retry(
        total=limits.max_retries,
        connect=limits.max_retries,
        read=0,
        status=limits.max_retries,
        status_forcelist=[429],
        allowed_methods=frozenset({"POST"}),
        backoff_factor=limits.backoff_seconds,
        backoff_max=limits.max_wait_seconds,
        retry_after_max=max(1, int(limits.max_wait_seconds)),
        raise_on_status=False,
        source=SLACK.key,
        source_name=SLACK.name,
        max_wait=limits.max_wait_seconds,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def message_payload(text: str, blocks: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """The webhook body: `text` is the notification fallback when `blocks` are given.

    Reference: https://api.slack.com/messaging/webhooks#advanced_message_formatting
    """
    payload: dict[str, Any] = {"text": text}
    if blocks:
        payload["blocks"] = [dict(block) for block in blocks]
    return payload


def post_message(
    text: str,
    blocks: Sequence[Mapping[str, Any]] | None = None,
    *,
    config: Config | None = None,
    client: requests.Session | None = None,
) -> bool:
    """Post to the team's webhook. False when Slack is not configured (nothing posted).

    Raises AuthError when the webhook is revoked or its channel gone, RateLimited,
    Unavailable, or UpstreamError when Slack refuses the message itself.

    Reference: https://api.slack.com/messaging/webhooks
    """
    config = config or config_from_settings()
    if config is None:
        return False
    session = client or build_client(config)
    try:
        response = session.post(
            config.webhook_url,
            json=message_payload(text, blocks),
            timeout=config.limits.timeout_seconds,
        )
    except UpstreamError:
        raise
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise network_error(SLACK.key, SLACK.name, exc, config.limits.timeout_seconds) from exc
    finally:
        if client is None:
            session.close()
    if response.ok:
        return True
    answer = response.text.strip()[:100]
    if answer in WEBHOOK_GONE or response.status_code in (401, 403, 404, 410):
        raise AuthError(
            SLACK.key,
            f"Slack refused the webhook ({response.status_code} {answer}); "
            "it was revoked or its channel is gone: set a new SLACK_WEBHOOK_URL",
            status=response.status_code,
        )
    raise from_status(
        SLACK.key, SLACK.name, response.status_code, headers=response.headers, detail=answer
    )

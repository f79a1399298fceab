"""Posting to Slack's incoming webhook: reminders and handoff notices."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests
import urllib3

from oncall_site.integrations.errors import (
    AuthError,
    UpstreamError,
    from_status,
    network_error,
)
from oncall_site.integrations.slack.client import SLACK, Config, build_client, config_from_settings

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

"""The Slack client: a requests session for the team's incoming webhook, with bounded retries.

A webhook POST that reached Slack may have been posted even if the answer was lost, and a
reminder is posted exactly once: so the site's retry policy is applied to what Slack
certainly did not act on (429, refused connections), never to a 5xx or a read timeout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests
import urllib3

from oncall_site.integrations.payloads import Source
from oncall_site.integrations.retries import (
    Limits,
    WaitCap,
    limits_from_settings,
    mount,
    retry_for,
)

SLACK = Source("slack", "Slack")


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
    """urllib3's Retry under the site's policy."""


def build_client(config: Config) -> requests.Session:
    """A requests Session that retries a POST on 429 (honouring `Retry-After` up to
    `max_wait_seconds`) and on refused connections, `max_retries` times at most.

    Reference: https://api.slack.com/messaging/webhooks#handling_errors
    """
    retry = retry_for(
        _Retry, config.limits, SLACK, statuses={429}, methods={"POST"}, repeat_reads=False
    )
    return mount(requests.Session(), retry)

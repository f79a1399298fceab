"""Slack incoming webhook through requests against a fake upstream on loopback."""

from dataclasses import replace

import pytest

from oncall_site.integrations import slack
from oncall_site.integrations.errors import AuthError, RateLimited, Unavailable, UpstreamError
from oncall_site.integrations.slack import Config, build_client, message_payload, post_message

from .fakes import FAST, Reply, Timer

HOOK = "/services/T000/B000/XXXX"


def make_config(upstream, **overrides) -> Config:
    return replace(Config(webhook_url=f"{upstream.url}{HOOK}", limits=FAST), **overrides)


def post(upstream, config=None, **kwargs) -> bool:
    return post_message(
        "Release tomorrow at 10:00", config=config or make_config(upstream), **kwargs
    )


def test_it_posts_text_and_blocks(upstream):
    upstream.route("POST", HOOK, Reply(200, "ok"))
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Release* tomorrow"}}]

    assert post(upstream, blocks=blocks) is True

    (request,) = upstream.requests
    assert request.json() == {"text": "Release tomorrow at 10:00", "blocks": blocks}
    assert request.headers["content-type"] == "application/json"


def test_it_reuses_a_client_it_is_given(upstream):
    upstream.route("POST", HOOK, Reply(200, "ok"))
    config = make_config(upstream)
    client = build_client(config)

    assert post_message("one", config=config, client=client)
    assert post_message("two", config=config, client=client)
    assert [r.json()["text"] for r in upstream.requests] == ["one", "two"]


def test_it_posts_nothing_when_not_configured(settings):
    settings.SLACK_WEBHOOK_URL = ""

    assert slack.config_from_settings() is None
    assert post_message("hello") is False


def test_it_builds_its_config_from_settings(settings):
    settings.SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T/B/X"
    settings.UPSTREAM_TIMEOUT_SECONDS = 5

    config = slack.config_from_settings()

    assert config == Config(
        webhook_url="https://hooks.slack.com/services/T/B/X", limits=config.limits
    )
    assert config.limits.timeout_seconds == 5


def test_it_leaves_blocks_out_when_there_are_none():
    assert message_payload("plain") == {"text": "plain"}


def test_it_retries_a_429_and_posts(upstream):
    upstream.route("POST", HOOK, Reply(429, "rate_limited", {"Retry-After": "0"}), Reply(200, "ok"))

    assert post(upstream) is True
    assert len(upstream.requests) == 2


def test_a_permanent_429_ends_in_bounded_time(upstream):
    upstream.route("POST", HOOK, Reply(429, "rate_limited", {"Retry-After": "0"}))

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        post(upstream)

    assert str(caught.value) == "Slack is rate limiting us; retry after 0 s"
    assert len(upstream.requests) == FAST.max_retries + 1
    assert timer.elapsed < 2


def test_it_gives_up_at_once_when_asked_to_wait_longer_than_allowed(upstream):
    upstream.route("POST", HOOK, Reply(429, "rate_limited", {"Retry-After": "30"}))

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        post(upstream)

    assert caught.value.retry_after == 30
    assert len(upstream.requests) == 1
    assert timer.elapsed < 1


def test_it_does_not_retry_a_server_error(upstream):
    upstream.route("POST", HOOK, Reply(500, "rollup_error"))

    with pytest.raises(Unavailable, match=r"Slack is having trouble \(HTTP 500\): rollup_error"):
        post(upstream)

    assert len(upstream.requests) == 1  # it may have been posted: never twice


@pytest.mark.parametrize(
    ("status", "answer"),
    [(404, "no_service"), (403, "invalid_token"), (410, "channel_is_archived")],
)
def test_it_reports_a_revoked_webhook(upstream, status, answer):
    upstream.route("POST", HOOK, Reply(status, answer))

    with pytest.raises(AuthError) as caught:
        post(upstream)

    assert f"Slack refused the webhook ({status} {answer})" in str(caught.value)
    assert caught.value.permanent


def test_it_reports_a_refused_message(upstream):
    upstream.route("POST", HOOK, Reply(400, "invalid_payload"))

    with pytest.raises(
        UpstreamError, match=r"Slack refused the request \(HTTP 400\): invalid_payload"
    ):
        post(upstream)


def test_it_reports_a_slow_webhook_without_retrying(upstream):
    upstream.route("POST", HOOK, Reply(200, "ok", delay=1.5))
    config = make_config(upstream, limits=replace(FAST, timeout_seconds=0.2))

    with Timer() as timer, pytest.raises(Unavailable) as caught:
        post(upstream, config)

    assert str(caught.value) == "Slack did not answer within 0.2 s"
    assert len(upstream.requests) == 1
    assert timer.elapsed < 1


def test_it_retries_a_refused_connection_then_reports_unavailable(closed_port_url):
    config = Config(webhook_url=f"{closed_port_url}{HOOK}", limits=FAST)

    with pytest.raises(Unavailable, match="Slack could not be reached"):
        post_message("hello", config=config)

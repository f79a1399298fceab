"""Slack's incoming webhook through requests against the sandbox's fake Slack."""

from dataclasses import replace

import pytest

from oncall_site.integrations import slack
from oncall_site.integrations.errors import AuthError, RateLimited, Unavailable, UpstreamError
from oncall_site.integrations.slack import Config, build_client, message_payload, post_message
from sandbox import SERVE, Reply

from .payloads import FAST

HOOK = "slack.webhook"


def make_config(sandbox, **overrides) -> Config:
    return replace(Config(webhook_url=sandbox.slack_webhook_url, limits=FAST), **overrides)


def post(sandbox, config=None, **kwargs) -> bool:
    return post_message(
        "Release tomorrow at 10:00", config=config or make_config(sandbox), **kwargs
    )


def text(status: int, answer: str, headers: dict[str, str] | None = None) -> Reply:
    """Slack answers in plain words, not JSON."""
    return Reply(status, answer, headers or {}, content_type="text/plain")


def test_it_posts_text_and_blocks(sandbox):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Release* tomorrow"}}]

    assert post(sandbox, blocks=blocks) is True

    (message,) = sandbox.slack_messages
    assert message.payload == {"text": "Release tomorrow at 10:00", "blocks": blocks}
    (request,) = sandbox.requests.records(HOOK)
    assert request.headers["content-type"] == "application/json"


def test_it_reuses_a_client_it_is_given(sandbox):
    config = make_config(sandbox)
    client = build_client(config)

    assert post_message("one", config=config, client=client)
    assert post_message("two", config=config, client=client)
    assert [m.payload["text"] for m in sandbox.slack_messages] == ["one", "two"]


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


def test_it_retries_a_429_and_posts(sandbox, waits):
    sandbox.script(HOOK, text(429, "rate_limited", {"Retry-After": "1"}), SERVE)

    assert post(sandbox) is True
    assert sandbox.requests.count() == 2
    assert waits == [1]
    assert [m.payload["text"] for m in sandbox.slack_messages] == ["Release tomorrow at 10:00"]


def test_a_permanent_429_ends_after_the_retries(sandbox, waits):
    sandbox.script(HOOK, text(429, "rate_limited", {"Retry-After": "0"}))

    with pytest.raises(RateLimited) as caught:
        post(sandbox)

    assert str(caught.value) == "Slack is rate limiting us; retry after 0 s"
    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [0, 0]  # what Slack asked for


def test_it_gives_up_at_once_when_asked_to_wait_longer_than_allowed(sandbox, waits):
    sandbox.script(HOOK, text(429, "rate_limited", {"Retry-After": "30"}))

    with pytest.raises(RateLimited) as caught:
        post(sandbox)

    assert caught.value.retry_after == 30
    assert sandbox.requests.count() == 1
    assert waits == []


def test_it_does_not_retry_a_server_error(sandbox, waits):
    sandbox.script(HOOK, text(500, "rollup_error"), SERVE)

    with pytest.raises(Unavailable, match=r"Slack is having trouble \(HTTP 500\): rollup_error"):
        post(sandbox)

    assert sandbox.requests.count() == 1  # it may have been posted: never twice
    assert waits == []


def test_it_reports_a_webhook_slack_does_not_know(sandbox):
    config = make_config(sandbox, webhook_url=f"{sandbox.slack_url}/services/T0/B0/revoked")

    with pytest.raises(AuthError) as caught:
        post(sandbox, config)

    assert "Slack refused the webhook (404 no_service)" in str(caught.value)
    assert caught.value.permanent


@pytest.mark.parametrize(
    ("status", "answer"),
    [(403, "invalid_token"), (410, "channel_is_archived"), (400, "channel_not_found")],
)
def test_it_reports_a_revoked_webhook(sandbox, status, answer):
    sandbox.script(HOOK, text(status, answer))

    with pytest.raises(AuthError) as caught:
        post(sandbox)

    assert f"Slack refused the webhook ({status} {answer})" in str(caught.value)
    assert caught.value.permanent


def test_it_reports_a_refused_message(sandbox):
    sandbox.script(HOOK, text(400, "invalid_payload"))

    with pytest.raises(
        UpstreamError, match=r"Slack refused the request \(HTTP 400\): invalid_payload"
    ):
        post(sandbox)


def test_it_reports_a_slow_webhook_without_retrying(sandbox, waits):
    sandbox.script(HOOK, Reply(200, "ok", delay=1.5, content_type="text/html"))
    config = make_config(sandbox, limits=replace(FAST, timeout_seconds=0.2))

    with pytest.raises(Unavailable) as caught:
        post(sandbox, config)

    assert str(caught.value) == "Slack did not answer within 0.2 s"
    assert sandbox.requests.count() == 1
    assert waits == []


def test_it_retries_a_refused_connection_then_reports_unavailable(closed_port_url, waits):
    config = Config(webhook_url=f"{closed_port_url}/services/T/B/X", limits=FAST)

    with pytest.raises(Unavailable, match="Slack could not be reached"):
        post_message("hello", config=config)
    assert waits == [0.01, 0.02]  # nothing reached Slack: safe to try again

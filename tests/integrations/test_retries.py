"""The one retry policy (`retries.py`), and that every vendor's client carries it."""

import io

import pytest
import urllib3
from urllib3.util.retry import RequestHistory

from oncall_site.integrations import datadog, github, pagerduty, slack
from oncall_site.integrations.errors import RateLimited, Unavailable
from oncall_site.integrations.payloads import Source
from oncall_site.integrations.retries import Limits, WaitCap, refused_wait, retry_for

LIMITS = Limits(timeout_seconds=4, max_retries=5, backoff_seconds=0.5, max_wait_seconds=3)
SOURCE = Source("example", "Example")


class _Retry(WaitCap, urllib3.Retry):
    pass


def answer(status: int, **headers: str) -> urllib3.HTTPResponse:
    return urllib3.HTTPResponse(
        body=io.BytesIO(b""), headers=headers, status=status, preload_content=False
    )


def after(retries: int) -> _Retry:
    """The policy as it stands before retry number `retries`."""
    step = RequestHistory("GET", "/", None, 500, None)
    return retry_for(_Retry, LIMITS, SOURCE).new(history=(step,) * retries)


def test_it_backs_off_from_backoff_seconds_doubling_up_to_max_wait():
    # 0.5, 1, 2, then 4 is over max_wait_seconds (3): 3.
    assert [after(n).get_backoff_time() for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_it_waits_what_the_upstream_asks_rather_than_the_backoff(waits):
    after(1).sleep(answer(429, **{"Retry-After": "2"}))
    after(1).sleep(answer(503))
    after(3).sleep(None)  # a refused connection: no answer at all

    assert waits == [2, 0.5, 2.0]


def test_it_never_waits_longer_than_max_wait(waits):
    after(1).sleep(answer(429, **{"Retry-After": "3600"}))

    assert waits == [LIMITS.max_wait_seconds]


@pytest.mark.parametrize(
    ("status", "headers", "refused"),
    [
        (429, {"Retry-After": "3600"}, 3600),
        (429, {"Retry-After": "3"}, None),  # exactly max_wait: waited
        (429, {"X-RateLimit-Reset": "60"}, 60),  # Datadog's seconds-from-now
        (403, {"Retry-After": "120"}, 120),
        (403, {"X-RateLimit-Reset": "60"}, None),  # GitHub's budget: its retry reads the body
        (503, {"Retry-After": "600"}, 600),
        (500, {"Retry-After": "600"}, None),  # not a status that asks for a wait
        (429, {}, None),
    ],
)
def test_it_refuses_an_answer_asking_for_longer_than_max_wait(status, headers, refused):
    assert refused_wait(status, headers, LIMITS.max_wait_seconds) == refused


def test_a_refused_429_fails_at_once_with_the_wait_asked(waits):
    policy = retry_for(_Retry, LIMITS, SOURCE)

    with pytest.raises(RateLimited) as caught:
        policy.increment("GET", "/", response=answer(429, **{"Retry-After": "3600"}))

    assert caught.value.retry_after == 3600
    assert str(caught.value) == "Example is rate limiting us; retry after 3600 s"
    assert waits == []


def test_a_refused_503_fails_at_once_as_unavailable():
    policy = retry_for(_Retry, LIMITS, SOURCE)

    with pytest.raises(
        Unavailable, match=r"Example is unavailable \(HTTP 503\); retry after 600 s"
    ):
        policy.increment("GET", "/", response=answer(503, **{"Retry-After": "600"}))


def test_it_wants_the_wait_cap_mixed_in():
    with pytest.raises(TypeError, match="WaitCap"):
        retry_for(urllib3.Retry, LIMITS, SOURCE)


def policies(limits: Limits) -> dict[str, urllib3.Retry]:
    """The retry each vendor's client is built with, from the same limits."""
    pd = pagerduty.build_client(pagerduty.Config(token="t", limits=limits))
    dd = datadog.build_client(datadog.Config(api_key="a", app_key="b", limits=limits))
    sl = slack.build_client(slack.Config(webhook_url="https://hooks.slack.com/x", limits=limits))
    return {
        "github": github.build_retry(limits),
        "pagerduty": pd.get_adapter("https://api.pagerduty.com").max_retries,
        "datadog": dd.configuration.retry_policy,
        "slack": sl.get_adapter("https://hooks.slack.com").max_retries,
    }


def test_every_vendor_client_follows_the_same_policy():
    for name, policy in policies(LIMITS).items():
        assert isinstance(policy, WaitCap), name
        assert (policy.total, policy.connect, policy.status) == (5, 5, 5), name
        assert (policy.backoff_factor, policy.max_wait) == (0.5, 3), name
        assert policy.raise_on_status is False, name  # the library raises, with the status
        assert 429 in policy.status_forcelist, name


def test_each_vendor_repeats_only_what_is_safe_to_repeat():
    found = policies(LIMITS)
    for name in ("github", "pagerduty", "datadog"):
        assert {500, 502, 503, 504} <= set(found[name].status_forcelist), name
        assert "POST" not in found[name].allowed_methods, name  # e.g. opening an issue
        assert found[name].read == 5, name
    # A Slack POST that reached Slack may have been posted: only a 429 or a refused
    # connection is tried again, never a 5xx or a lost answer.
    assert list(found["slack"].status_forcelist) == [429]
    assert found["slack"].allowed_methods == {"POST"}
    assert found["slack"].read == 0


def test_each_client_has_the_timeout():
    limits = Limits(timeout_seconds=4.5)
    gh = github.build_client(github.Config(token="t", repository="o/r", limits=limits))
    pd = pagerduty.build_client(pagerduty.Config(token="t", limits=limits))
    dd = datadog.build_client(datadog.Config(api_key="a", app_key="b", limits=limits))

    assert gh._Github__requester._Requester__timeout == 5  # PyGithub takes whole seconds
    assert pd.timeout == 4.5
    assert dd.configuration.request_timeout == 4.5

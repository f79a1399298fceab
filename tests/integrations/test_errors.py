"""The typed errors and the wait headers every integration reads."""

import email.utils

import pytest

from oncall_site.integrations.errors import (
    AuthError,
    RateLimited,
    Unavailable,
    UpstreamError,
    from_status,
    is_timeout,
    retry_after_seconds,
)

NOW = 1_772_951_400.0  # 2026-03-08T06:30:00Z


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "60"}, 60.0),
        ({"retry-after": "0"}, 0.0),
        ({"Retry-After": email.utils.formatdate(NOW + 90, usegmt=True)}, 90.0),
        ({"X-RateLimit-Reset": str(int(NOW) + 3600)}, 3600.0),  # GitHub: epoch seconds
        ({"X-RateLimit-Reset": "42"}, 42.0),  # Datadog: seconds from now
        ({"ratelimit-reset": "7"}, 7.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_it_reads_how_long_to_wait(headers, expected):
    assert retry_after_seconds(headers, now=NOW) == expected


def test_it_ignores_a_reset_header_unless_asked():
    assert retry_after_seconds({"X-RateLimit-Reset": "42"}, use_reset=False, now=NOW) is None


@pytest.mark.parametrize(
    ("status", "kind", "message"),
    [
        (401, AuthError, "GitHub rejected the API token (401)"),
        (403, AuthError, "GitHub refused access with this API token (403); check its scopes: nope"),
        (429, RateLimited, "GitHub is rate limiting us; retry after 60 s"),
        (503, Unavailable, "GitHub is having trouble (HTTP 503): nope"),
        (
            404,
            UpstreamError,
            "GitHub could not find what we asked for (404); check the settings: nope",
        ),
        (422, UpstreamError, "GitHub refused the request (HTTP 422): nope"),
    ],
)
def test_it_maps_a_status_to_a_typed_error_in_words(status, kind, message):
    error = from_status("github", "GitHub", status, headers={"Retry-After": "60"}, detail="nope")

    assert type(error) is kind
    assert str(error) == message
    assert (error.source, error.status) == ("github", status)
    assert error.permanent == (kind is AuthError)


def test_it_finds_a_timeout_wrapped_twice():
    try:
        try:
            raise TimeoutError("read timed out")
        except TimeoutError as inner:
            raise ConnectionError("pool") from inner
    except ConnectionError as outer:
        assert is_timeout(outer)
    assert not is_timeout(ConnectionRefusedError())

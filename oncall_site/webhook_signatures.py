"""Signature checks for inbound webhooks (PagerDuty, Slack, GitHub): pure functions.

Why here and pure: a webhook view must refuse a forged request before it stores anything,
and the check is easy to get subtly wrong (comparing with `==` leaks timing, parsing the
body before hashing changes the bytes). Each function takes the raw body exactly as
received, the header value(s) and the secret, and answers yes or no; an empty secret
(the source is not configured) always answers no. Digests are compared as bytes with
`hmac.compare_digest`, which also copes with non-ASCII header garbage.
"""

from __future__ import annotations

import hashlib
import hmac

SLACK_TOLERANCE_SECONDS = 300


def _hex_hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest().encode("ascii")


def _matches(expected: bytes, candidate: str) -> bool:
    return hmac.compare_digest(expected, candidate.strip().encode("utf-8", "replace"))


def verify_pagerduty(raw_body: bytes, header: str | None, secret: str) -> bool:
    """Check `X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`; any matching v1 value is enough.

    Several values appear while a secret is being rotated.
    Reference: https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
    """
    if not secret or not header:
        return False
    expected = _hex_hmac_sha256(secret, raw_body)
    found = False
    for part in header.split(","):
        version, _, value = part.strip().partition("=")
        # Every candidate is compared, so the time taken does not reveal which one matched.
        if version == "v1" and value and _matches(expected, value):
            found = True
    return found


def verify_slack(
    raw_body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    secret: str,
    *,
    now: float,
    tolerance: float = SLACK_TOLERANCE_SECONDS,
) -> bool:
    """Check Slack's `X-Slack-Signature: v0=<hex>` over `v0:{X-Slack-Request-Timestamp}:{body}`.

    The timestamp must be whole seconds within `tolerance` of `now` either way, so a
    captured request cannot be replayed later.
    Reference: https://api.slack.com/authentication/verifying-requests-from-slack
    """
    if not secret or not timestamp_header or not signature_header:
        return False
    timestamp = timestamp_header.strip()
    # Seconds since 1970 have ten digits until 2286; more would not even fit in a float.
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > tolerance:
        return False
    version, _, value = signature_header.strip().partition("=")
    if version != "v0" or not value:
        return False
    expected = _hex_hmac_sha256(secret, b"v0:" + timestamp.encode("ascii") + b":" + raw_body)
    return _matches(expected, value)


def verify_github(raw_body: bytes, header: str | None, secret: str) -> bool:
    """Check `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body.

    Reference: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    """
    if not secret or not header:
        return False
    algorithm, _, value = header.strip().partition("=")
    if algorithm != "sha256" or not value:
        return False
    return _matches(_hex_hmac_sha256(secret, raw_body), value)

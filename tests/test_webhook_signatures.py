"""Webhook signature checks, against the vendors' published examples and forged variants."""

import hashlib
import hmac

import pytest

from oncall_site.webhook_signatures import verify_github, verify_pagerduty, verify_slack

BODY = b'{"event":{"event_type":"incident.triggered","data":{"id":"PABC123"}}}'
SECRET = "whsec-test"


def sign(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


# --- PagerDuty -------------------------------------------------------------------------


def test_it_accepts_a_pagerduty_signature():
    assert verify_pagerduty(BODY, f"v1={sign(SECRET, BODY)}", SECRET)


def test_it_accepts_any_matching_pagerduty_value_during_secret_rotation():
    header = f"v1={sign('old-secret', BODY)}, v1={sign(SECRET, BODY)}"
    assert verify_pagerduty(BODY, header, SECRET)
    assert verify_pagerduty(BODY, header, "old-secret")


def test_it_rejects_a_pagerduty_signature_made_with_another_secret():
    assert not verify_pagerduty(BODY, f"v1={sign('other', BODY)}", SECRET)


def test_it_rejects_a_tampered_pagerduty_body():
    header = f"v1={sign(SECRET, BODY)}"
    assert not verify_pagerduty(BODY.replace(b"triggered", b"resolved"), header, SECRET)


def test_it_rejects_a_pagerduty_signature_of_another_version():
    assert not verify_pagerduty(BODY, f"v0={sign(SECRET, BODY)}", SECRET)
    assert not verify_pagerduty(BODY, sign(SECRET, BODY), SECRET)


@pytest.mark.parametrize("header", [None, "", "v1=", ",", "v1=zz", "v1=é€", "v1=\udcff"])
def test_it_rejects_a_missing_or_garbled_pagerduty_header(header):
    assert not verify_pagerduty(BODY, header, SECRET)


def test_it_rejects_pagerduty_when_the_secret_is_empty():
    assert not verify_pagerduty(BODY, f"v1={sign('', BODY)}", "")


# --- Slack -----------------------------------------------------------------------------

# Slack's worked example: https://api.slack.com/authentication/verifying-requests-from-slack
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TIMESTAMP = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    b"&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    b"&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
SLACK_NOW = 1531420618.0


def test_it_accepts_slacks_published_example():
    assert verify_slack(SLACK_BODY, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_SECRET, now=SLACK_NOW)


@pytest.mark.parametrize("drift", [-300, -1, 0, 1, 299.5, 300])
def test_it_accepts_a_slack_timestamp_within_five_minutes_either_way(drift):
    now = SLACK_NOW + drift
    assert verify_slack(SLACK_BODY, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_SECRET, now=now)


@pytest.mark.parametrize("drift", [-301, 300.5, 301, 86400])
def test_it_rejects_a_stale_or_future_slack_timestamp(drift):
    now = SLACK_NOW + drift
    assert not verify_slack(SLACK_BODY, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_SECRET, now=now)


def test_it_honours_a_custom_slack_tolerance():
    now = SLACK_NOW + 60
    args = (SLACK_BODY, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_SECRET)
    assert not verify_slack(*args, now=now, tolerance=30)
    assert verify_slack(*args, now=now, tolerance=60)


@pytest.mark.parametrize("timestamp", [None, "", "abc", "1531420618.0", "-1531420618", "١٥٣"])
def test_it_rejects_a_missing_or_non_numeric_slack_timestamp(timestamp):
    assert not verify_slack(SLACK_BODY, timestamp, SLACK_SIGNATURE, SLACK_SECRET, now=SLACK_NOW)


def test_it_rejects_a_slack_signature_for_another_timestamp():
    # A fresh timestamp cannot be pasted onto an old signature: it is part of what is signed.
    fresh = str(int(SLACK_NOW) + 100)
    assert not verify_slack(SLACK_BODY, fresh, SLACK_SIGNATURE, SLACK_SECRET, now=SLACK_NOW + 100)


@pytest.mark.parametrize(
    "signature",
    [None, "", "v0=", SLACK_SIGNATURE.replace("v0=", "v1="), SLACK_SIGNATURE[3:], "v0=é"],
)
def test_it_rejects_a_missing_or_malformed_slack_signature(signature):
    assert not verify_slack(SLACK_BODY, SLACK_TIMESTAMP, signature, SLACK_SECRET, now=SLACK_NOW)


def test_it_rejects_a_tampered_slack_body_or_wrong_secret():
    tampered = SLACK_BODY.replace(b"foobar", b"foobaz")
    assert not verify_slack(tampered, SLACK_TIMESTAMP, SLACK_SIGNATURE, SLACK_SECRET, now=SLACK_NOW)
    assert not verify_slack(SLACK_BODY, SLACK_TIMESTAMP, SLACK_SIGNATURE, "x", now=SLACK_NOW)


def test_it_rejects_slack_when_the_secret_is_empty():
    signature = "v0=" + sign("", f"v0:{SLACK_TIMESTAMP}:".encode() + SLACK_BODY)
    assert not verify_slack(SLACK_BODY, SLACK_TIMESTAMP, signature, "", now=SLACK_NOW)


# --- GitHub ----------------------------------------------------------------------------

# GitHub's worked example:
# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_it_accepts_githubs_published_example():
    assert verify_github(GITHUB_BODY, GITHUB_SIGNATURE, GITHUB_SECRET)


def test_it_rejects_a_tampered_github_body_or_wrong_secret():
    assert not verify_github(b"Hello, World?", GITHUB_SIGNATURE, GITHUB_SECRET)
    assert not verify_github(GITHUB_BODY, GITHUB_SIGNATURE, "another secret")


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        GITHUB_SIGNATURE[7:],
        GITHUB_SIGNATURE.replace("sha256=", "sha1="),
        "sha256=é",
    ],
)
def test_it_rejects_a_missing_or_malformed_github_header(header):
    assert not verify_github(GITHUB_BODY, header, GITHUB_SECRET)


def test_it_rejects_github_when_the_secret_is_empty():
    assert not verify_github(GITHUB_BODY, f"sha256={sign('', GITHUB_BODY)}", "")


def test_it_hashes_the_raw_bytes_not_a_decoded_body():
    body = b"\xff\xfe not utf-8 \x00"
    assert verify_github(body, f"sha256={sign(SECRET, body)}", SECRET)
    assert verify_pagerduty(body, f"v1={sign(SECRET, body)}", SECRET)

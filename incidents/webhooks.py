"""Inbound webhooks: PagerDuty v3 incident events and the Slack incident-report workflow.

Each view checks the signature over the raw body before reading it (a forged request
stores nothing), answers 403 with a clear message when its secret is not configured,
parses the verified payload with the vendor's integration and hands the parsed event to
`incidents.inbound`, which stores it idempotently.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from incidents.inbound import pagerduty_event_store, slack_report_store
from oncall_site.integrations import pagerduty, slack
from oncall_site.integrations.errors import UnreadableWebhook
from oncall_site.webhook_signatures import verify_pagerduty, verify_slack

log = logging.getLogger(__name__)


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": "refused", "detail": message}, status=status)


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableWebhook(f"The body is not JSON ({exc.__class__.__name__}).") from None
    except RecursionError:
        raise UnreadableWebhook("The body's JSON is nested too deep to read.") from None


@csrf_exempt
@login_not_required
@require_POST
def pagerduty_webhook(request: HttpRequest) -> JsonResponse:
    """`POST /webhooks/pagerduty`: a v3 webhook subscription's deliveries.

    Reference: https://developer.pagerduty.com/docs/webhooks/webhook-signatures/
    """
    secret = getattr(settings, "PAGERDUTY_WEBHOOK_SECRET", "")
    if not secret:
        return _refuse(
            403, "PagerDuty webhooks are not configured here: set PAGERDUTY_WEBHOOK_SECRET."
        )
    if not verify_pagerduty(request.body, request.headers.get("X-PagerDuty-Signature"), secret):
        log.warning("PagerDuty webhook with a bad or missing signature refused")
        return _refuse(401, "The X-PagerDuty-Signature header is missing or does not match.")
    try:
        event = pagerduty.parse_event(_json_body(request))
    except UnreadableWebhook as exc:
        log.warning("PagerDuty webhook refused: %s", exc)
        return _refuse(400, str(exc))
    result = pagerduty_event_store(event)
    # 202 for events we ignore on purpose: accepted, so PagerDuty does not retry them.
    return JsonResponse(result.as_json(), status=200 if result.stored else 202)


@csrf_exempt
@login_not_required
@require_POST
def slack_incident_report(request: HttpRequest) -> JsonResponse:
    """`POST /webhooks/slack/incident-report`: the Slack "report an incident" workflow.

    Reference: https://api.slack.com/authentication/verifying-requests-from-slack
    """
    secret = getattr(settings, "SLACK_SIGNING_SECRET", "")
    if not secret:
        return _refuse(403, "Slack reports are not configured here: set SLACK_SIGNING_SECRET.")
    if not verify_slack(
        request.body,
        request.headers.get("X-Slack-Request-Timestamp"),
        request.headers.get("X-Slack-Signature"),
        secret,
        now=time.time(),
    ):
        log.warning("Slack incident report with a bad, stale or missing signature refused")
        return _refuse(
            401,
            "The X-Slack-Signature is missing or does not match, or "
            "X-Slack-Request-Timestamp is more than 5 minutes away.",
        )
    try:
        report = slack.parse_incident_report(_json_body(request))
    except UnreadableWebhook as exc:
        log.warning("Slack incident report refused: %s", exc)
        return _refuse(400, str(exc))
    result = slack_report_store(report)
    return JsonResponse(result.as_json(), status=201 if result.created else 200)

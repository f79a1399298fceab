"""Slack: reminders and handoff notices to the team's incoming webhook, and the
"report an incident" workflow's submissions.

    from oncall_site.integrations import slack

    slack.post_message("Release tomorrow at 10:00")  # False when Slack is not configured
"""

from oncall_site.integrations.slack.client import SLACK, Config, build_client, config_from_settings
from oncall_site.integrations.slack.resources import WEBHOOK_GONE, message_payload, post_message
from oncall_site.integrations.slack.types import IncidentReport
from oncall_site.integrations.slack.webhooks import (
    parse_incident_report,
    severity_from_text,
    yes_no,
)

__all__ = [
    "SLACK",
    "WEBHOOK_GONE",
    "Config",
    "IncidentReport",
    "build_client",
    "config_from_settings",
    "message_payload",
    "parse_incident_report",
    "post_message",
    "severity_from_text",
    "yes_no",
]

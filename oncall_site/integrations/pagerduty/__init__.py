"""PagerDuty: incidents, acknowledgements, on-calls (REST API v2) and v3 webhook events.

    from oncall_site.integrations import pagerduty

    config = pagerduty.config_from_settings()       # None when not configured
    client = pagerduty.build_client(config)
    for incident in pagerduty.iter_incidents(client, config, since=...): ...

The only package that imports pdpyras.
"""

from oncall_site.integrations.pagerduty.client import (
    ITERATION_LIMIT,
    PAGERDUTY,
    Config,
    build_client,
    config_from_settings,
)
from oncall_site.integrations.pagerduty.resources import (
    ACKNOWLEDGE,
    MAX_RANGE,
    fetch_first_acknowledged_at,
    fetch_incident,
    first_acknowledgements,
    iter_acknowledgements,
    iter_incidents,
    iter_oncalls,
    normalize_acknowledgement,
    normalize_incident,
    normalize_oncall,
)
from oncall_site.integrations.pagerduty.types import (
    Acknowledgement,
    IgnoredEvent,
    IncidentEvent,
    NoteEvent,
    OnCall,
    PagerDutyIncident,
    PagerDutyUser,
)
from oncall_site.integrations.pagerduty.webhooks import WebhookEvent, parse_event

__all__ = [
    "ACKNOWLEDGE",
    "ITERATION_LIMIT",
    "MAX_RANGE",
    "PAGERDUTY",
    "Acknowledgement",
    "Config",
    "IgnoredEvent",
    "IncidentEvent",
    "NoteEvent",
    "OnCall",
    "PagerDutyIncident",
    "PagerDutyUser",
    "WebhookEvent",
    "build_client",
    "config_from_settings",
    "fetch_first_acknowledged_at",
    "fetch_incident",
    "first_acknowledgements",
    "iter_acknowledgements",
    "iter_incidents",
    "iter_oncalls",
    "normalize_acknowledgement",
    "normalize_incident",
    "normalize_oncall",
    "parse_event",
]

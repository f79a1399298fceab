"""The upstream services jobs sync from: their configuration and client, from `integrations`."""

from oncall_site.integrations import datadog, github, pagerduty
from oncall_site.sync.registry import Vendor

GITHUB = Vendor("github", "GitHub", github.config_from_settings, github.build_client)
PAGERDUTY = Vendor("pagerduty", "PagerDuty", pagerduty.config_from_settings, pagerduty.build_client)
DATADOG = Vendor("datadog", "Datadog", datadog.config_from_settings, datadog.build_client)

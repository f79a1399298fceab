"""Datadog: monitors in Alert, Warn or No Data, and metric queries (a service's health).

from oncall_site.integrations import datadog

config = datadog.config_from_settings()         # None when not configured
for monitor in datadog.iter_monitors(datadog.build_client(config), config): ...
series = datadog.query_series(client, config, query, since=..., until=...)
"""

from oncall_site.integrations.datadog.client import (
    DATADOG,
    Config,
    build_client,
    config_from_settings,
)
from oncall_site.integrations.datadog.resources import (
    ALERTING,
    MAX_PAGES,
    app_url,
    iter_monitors,
    normalize_monitor,
    normalize_query_response,
    query_series,
)
from oncall_site.integrations.datadog.types import MetricSeries, Monitor

__all__ = [
    "ALERTING",
    "DATADOG",
    "MAX_PAGES",
    "Config",
    "MetricSeries",
    "Monitor",
    "app_url",
    "build_client",
    "config_from_settings",
    "iter_monitors",
    "normalize_monitor",
    "normalize_query_response",
    "query_series",
]

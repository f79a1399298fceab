"""Datadog: monitors in Alert, Warn or No Data.

from oncall_site.integrations import datadog

config = datadog.config_from_settings()         # None when not configured
for monitor in datadog.iter_monitors(datadog.build_client(config), config): ...
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
)
from oncall_site.integrations.datadog.types import Monitor

__all__ = [
    "ALERTING",
    "DATADOG",
    "MAX_PAGES",
    "Config",
    "Monitor",
    "app_url",
    "build_client",
    "config_from_settings",
    "iter_monitors",
    "normalize_monitor",
]

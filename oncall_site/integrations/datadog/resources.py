"""Datadog API v1 resources: monitors in Alert, Warn or No Data: fetch -> normalize."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from datadog_api_client import ApiClient
from datadog_api_client.v1.api.monitors_api import MonitorsApi

from oncall_site.integrations.datadog.client import DATADOG, Config, upstream_errors
from oncall_site.integrations.datadog.types import Monitor

ALERTING = ("Alert", "Warn", "No Data")
MAX_PAGES = 1_000  # a guard against a metadata.page_count that never ends


def _plain(value: Any) -> Any:
    """The client's model objects as plain dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


# Fetch


def iter_monitors(
    client: ApiClient, config: Config, *, statuses: Iterable[str] = ALERTING
) -> Iterator[Monitor]:
    """Monitors matching `config.query` whose status is one of `statuses`, page by page.

    Reference: https://docs.datadoghq.com/api/latest/monitors/#monitors-search
    """
    wanted = set(statuses)
    api = MonitorsApi(client)
    kwargs: dict[str, Any] = {"per_page": config.page_size}
    if config.query:
        kwargs["query"] = config.query
    with upstream_errors(config):
        for page in range(MAX_PAGES):
            response = _plain(api.search_monitors(page=page, **kwargs))
            body = DATADOG.mapping(response, "monitor search")
            monitors = body.get("monitors")
            if monitors is None:
                raise DATADOG.bad("monitor search answered without a monitors list")
            if not isinstance(monitors, list):
                raise DATADOG.bad("monitors is not a list")
            for raw in monitors:
                monitor = normalize_monitor(_plain(raw), api_url=config.api_url)
                if monitor.status in wanted:
                    yield monitor
            # metadata.page_count decides. An empty page before it means the listing is
            # incomplete: fail rather than let the sync mark unseen alerts as recovered.
            page_count = DATADOG.nested(body, "metadata", "page_count")
            if not monitors and isinstance(page_count, int) and page + 1 < page_count:
                raise DATADOG.bad(f"an empty page {page + 1} of {page_count} in the monitor search")
            if isinstance(page_count, int) and not isinstance(page_count, bool):
                if page + 1 >= page_count:
                    return
            elif len(monitors) < config.page_size:
                return


# Normalize


def app_url(api_url: str) -> str:
    """The web app root for an API root: api.datadoghq.com -> app.datadoghq.com,
    api.us3.datadoghq.com -> us3.datadoghq.com, api.ddog-gov.com -> app.ddog-gov.com.
    Anything else (a sandbox) is used as it is.

    Reference: https://docs.datadoghq.com/getting_started/site/
    """
    parts = urlsplit(api_url)
    host = parts.hostname or ""
    if not host.startswith("api."):
        return api_url.rstrip("/")
    rest = host.removeprefix("api.")
    if rest.count(".") == 1:  # datadoghq.com, datadoghq.eu, ddog-gov.com
        rest = f"app.{rest}"
    return f"{parts.scheme}://{rest}"


def normalize_monitor(
    raw: Mapping[str, Any], *, api_url: str = "https://api.datadoghq.com"
) -> Monitor:
    """One result of the monitor search; `last_triggered_ts` is epoch seconds.

    Reference: https://docs.datadoghq.com/api/latest/monitors/#monitors-search
    """
    raw = DATADOG.mapping(raw, "monitor")
    monitor_id = DATADOG.required(raw, "id", "monitor")
    if isinstance(monitor_id, bool) or not isinstance(monitor_id, int | str):
        raise DATADOG.bad(f"monitor id is not a number: {monitor_id!r}")
    try:
        monitor_id = int(monitor_id)
    except ValueError:
        raise DATADOG.bad(f"monitor id is not a number: {monitor_id!r}") from None
    triggered = raw.get("last_triggered_ts")
    if triggered is not None and not isinstance(triggered, int | float):
        raise DATADOG.bad(f"monitor {monitor_id} last_triggered_ts is not a number: {triggered!r}")
    if triggered is not None and triggered > 100_000_000_000:
        triggered = triggered / 1000  # milliseconds, not seconds
    tags = raw.get("tags") or ()
    return Monitor(
        id=monitor_id,
        name=str(raw.get("name") or f"Monitor {monitor_id}"),
        status=str(raw.get("status") or "Unknown"),
        tags=tuple(str(tag) for tag in tags) if isinstance(tags, list | tuple) else (),
        last_triggered_at=(
            datetime.fromtimestamp(triggered, tz=UTC) if triggered is not None else None
        ),
        url=f"{app_url(api_url)}/monitors/{monitor_id}",
        type=DATADOG.text(raw, "type"),
    )

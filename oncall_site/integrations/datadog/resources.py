"""Datadog API v1 resources: monitors in Alert, Warn or No Data, and metric queries (a
service's health series): fetch -> normalize."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from datadog_api_client import ApiClient
from datadog_api_client.v1.api.metrics_api import MetricsApi
from datadog_api_client.v1.api.monitors_api import MonitorsApi

from oncall_site.integrations.datadog.client import DATADOG, Config, upstream_errors
from oncall_site.integrations.datadog.types import MetricSeries, Monitor
from oncall_site.integrations.timestamps import parse_instant

ALERTING = ("Alert", "Warn", "No Data")
MAX_PAGES = 1_000  # a guard against a metadata.page_count that never ends


def _plain(value: Any) -> Any:
    """The client's model objects as plain dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


# Fetch


def iter_monitors(
    client: ApiClient,
    config: Config,
    *,
    statuses: Iterable[str] | None = ALERTING,
    muted_only: bool = False,
) -> Iterator[Monitor]:
    """Monitors matching `config.query` whose status is one of `statuses` (None: any),
    page by page; with `muted_only`, those a downtime silences now (`muted:true`).

    Reference: https://docs.datadoghq.com/api/latest/monitors/#monitors-search
    """
    wanted = None if statuses is None else set(statuses)
    api = MonitorsApi(client)
    kwargs: dict[str, Any] = {"per_page": config.page_size}
    query = " ".join(filter(None, [config.query, "muted:true" if muted_only else ""]))
    if query:
        kwargs["query"] = query
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
                if wanted is None or monitor.status in wanted:
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
    changed = raw.get("overall_state_modified")
    try:
        state_changed_at = parse_instant(changed) if changed is not None else None
    except ValueError:
        raise DATADOG.bad(f"monitor {monitor_id} overall_state_modified is unreadable") from None
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
        state_changed_at=state_changed_at,
        silenced=_silenced(raw),
    )


def _silenced(raw: Mapping[str, Any]) -> bool | None:
    """`options.silenced` not empty or a matching downtime; None when the answer has neither
    (the monitor search's results do not).

    Reference: https://docs.datadoghq.com/api/latest/monitors/#get-a-monitors-details
    """
    options = raw.get("options")
    silenced = options.get("silenced") if isinstance(options, Mapping) else None
    downtimes = raw.get("matching_downtimes")
    if silenced is None and downtimes is None:
        return None
    return bool(silenced) or bool(downtimes)


# Metric queries


def query_series(
    client: ApiClient, config: Config, query: str, *, since: datetime, until: datetime
) -> MetricSeries:
    """The points of `query` from `since` to `until` (whole seconds, as the API takes them).

    A query Datadog cannot parse is a 400 whose `errors` carry Datadog's message; it leaves
    as an UpstreamError with status 400 and that message.

    Reference: https://docs.datadoghq.com/api/latest/metrics/#query-timeseries-points
    """
    api = MetricsApi(client)
    with upstream_errors(config):
        response = api.query_metrics(
            _from=math.floor(since.timestamp()), to=math.ceil(until.timestamp()), query=query
        )
        return normalize_query_response(_plain(response), query=query)


def normalize_query_response(raw: Mapping[str, Any], *, query: str) -> MetricSeries:
    """A `MetricsQueryResponse`: `series[].pointlist` is `[[epoch milliseconds, value or
    null], ...]`, `interval` the rollup in seconds, `unit` a pair of unit objects (the
    second for a rate's per-unit) or nulls.

    Reference: https://docs.datadoghq.com/api/latest/metrics/#query-timeseries-points
    """
    body = DATADOG.mapping(raw, "metric query")
    if body.get("status") == "error":
        # The API may answer 200 with status "error" for a query it accepted but failed.
        raise DATADOG.bad(str(body.get("error") or "the metric query failed"))
    series = body.get("series") or []
    if not isinstance(series, list):
        raise DATADOG.bad("series is not a list")
    if not series:
        return MetricSeries(
            query=query, points=(), interval_seconds=None, unit=None, series_count=0
        )
    first = DATADOG.mapping(series[0], "series")
    pointlist = first.get("pointlist") or []
    if not isinstance(pointlist, list):
        raise DATADOG.bad("pointlist is not a list")
    points = []
    for pair in pointlist:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise DATADOG.bad(f"a point is not [time, value]: {pair!r}")
        at, value = pair
        if isinstance(at, bool) or not isinstance(at, int | float):
            raise DATADOG.bad(f"a point's time is not a number: {at!r}")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise DATADOG.bad(f"a point's value is not a number: {value!r}")
        points.append((datetime.fromtimestamp(at / 1000, tz=UTC), value))
    interval = first.get("interval")
    return MetricSeries(
        query=query,
        points=tuple(points),
        interval_seconds=interval if isinstance(interval, int) and interval > 0 else None,
        unit=_unit(first.get("unit")),
        series_count=len(series),
    )


def _unit(raw: Any) -> str | None:
    """`unit` is `[unit, per_unit]`, each an object with a `short_name`, or null."""
    if not isinstance(raw, list) or not raw or not isinstance(raw[0], Mapping):
        return None
    name = raw[0].get("short_name") or raw[0].get("name")
    if not name:
        return None
    per = raw[1] if len(raw) > 1 and isinstance(raw[1], Mapping) else None
    per_name = per.get("short_name") or per.get("name") if per else None
    return f"{name}/{per_name}" if per_name else str(name)

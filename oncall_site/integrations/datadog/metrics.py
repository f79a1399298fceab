"""Datadog API v1 metric queries: timeseries points of a query over a span: fetch -> normalize."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from datadog_api_client import ApiClient
from datadog_api_client.v1.api.metrics_api import MetricsApi

from oncall_site.integrations.datadog.client import DATADOG, Config, upstream_errors
from oncall_site.integrations.datadog.types import MetricSeries


def _plain(value: Any) -> Any:
    return value.to_dict() if hasattr(value, "to_dict") else value


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

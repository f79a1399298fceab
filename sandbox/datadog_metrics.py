"""Fake Datadog metric queries (`GET /api/v1/query`): a partner app's health series.

Each service of the sandbox's team answers two kinds of query, told apart by the metric
names in it: latency (`p95:trace.http.request.duration{service:cc-app}`, seconds) and an
error rate (any metric with `error` in its name, e.g. errors over hits times 100, in
percent). The series stay flat around a per-service level with a little noise and, on a
partner team's service, visibly degrade during the PagerDuty incidents raised on that
service: from ten minutes before the page (apps degrade before anyone is paged) until it
resolves, easing off over five minutes. A point now and then is null, as Datadog sends for
a rollup bucket without data. Nothing exists after the sandbox's `now`.

A metric outside `trace.*` or a service the sandbox does not know matches nothing: 200 with
no series, as Datadog answers for a metric that does not exist. A query that does not parse
(unbalanced braces, a term without a scope, stray characters) is a 400 whose `errors` say
so in Datadog's words.

Reference: https://docs.datadoghq.com/api/latest/metrics/#query-timeseries-points
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

from .dataset import Dataset
from .facts import PDService
from .models import JSON
from .rng import Rand
from .server import BadRequest

TERM = re.compile(
    r"(?:(?P<aggr>avg|sum|min|max|p50|p75|p90|p95|p99):)?"
    r"(?P<metric>[A-Za-z][\w.]*)\{(?P<scope>[^{}]*)\}(?P<functions>(?:\.\w+\([^()]*\))*)"
)
ARITHMETIC = re.compile(r"^[\s\d.+\-*/()]*$")
MAX_POINTS = 300
RAMP_BEFORE = timedelta(minutes=10)
EASE_AFTER = timedelta(minutes=5)
SECONDS = {
    "family": "time",
    "id": 11,
    "name": "second",
    "plural": "seconds",
    "scale_factor": 1.0,
    "short_name": "s",
}
PERCENT = {
    "family": "percentage",
    "id": 17,
    "name": "percent",
    "plural": "percent",
    "scale_factor": 1.0,
    "short_name": "%",
}


def parse(query: str) -> list[re.Match[str]]:
    """The metric terms of a query, or BadRequest in Datadog's words."""
    if not query.strip():
        raise BadRequest("Error parsing query: the query is empty")
    if query.count("{") != query.count("}") or query.count("(") != query.count(")"):
        raise BadRequest(
            f"Error parsing query: unable to parse {query}: unbalanced brackets (line 1, column {len(query)})."
        )
    terms = list(TERM.finditer(query))
    rest = TERM.sub("0", query)
    if not terms or not ARITHMETIC.match(rest):
        bad = next((i for i, c in enumerate(rest) if not ARITHMETIC.match(c)), 0)
        raise BadRequest(
            f"Error parsing query: unable to parse {query}: Rule 'scope_expr' didn't match"
            f" (line 1, column {bad + 1})."
        )
    return terms


def _seconds(raw: str | None, name: str) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise BadRequest(f"The value provided for parameter '{name}' is invalid") from None


def answer(
    ds: Dataset, now: datetime, query: str, raw_from: str | None, raw_to: str | None
) -> JSON:
    """The `MetricsQueryResponse` for one query."""
    since, until = _seconds(raw_from, "from"), _seconds(raw_to, "to")
    if until <= since:
        raise BadRequest("The value provided for parameter 'to' must be after 'from'")
    terms = parse(query)
    body: JSON = {
        "status": "ok",
        "res_type": "time_series",
        "resp_version": 1,
        "query": query,
        "from_date": since * 1000,
        "to_date": until * 1000,
        "group_by": [],
        "message": "",
        "series": [],
        "values": [],
        "times": [],
    }
    first = terms[0]
    scope = dict(_tags(first.group("scope")))
    service = next((s for s in ds.facts.services if s.name == scope.get("service")), None)
    if service is None or not all(t.group("metric").startswith("trace.") for t in terms):
        return body
    error_rate = any("error" in t.group("metric") for t in terms)
    interval = _interval(until - since)
    start = math.ceil(since / interval) * interval
    end = min(until, math.floor(now.timestamp()))
    points = []
    windows = _incident_windows(ds, service, now)
    for second in range(start, end + 1, interval):
        at = datetime.fromtimestamp(second, UTC)
        points.append([second * 1000.0, _value(service, error_rate, at, windows)])
    if not points:
        return body
    body["series"] = [
        {
            "aggr": first.group("aggr") or "avg",
            "display_name": first.group("metric"),
            "end": int(points[-1][0]) + interval * 1000 - 1,
            "expression": query,
            "interval": interval,
            "length": len(points),
            "metric": first.group("metric"),
            "pointlist": points,
            "query_index": 0,
            "scope": first.group("scope"),
            "start": int(points[0][0]),
            "tag_set": [],
            "unit": [PERCENT if error_rate else SECONDS, None],
            "attributes": {},
        }
    ]
    return body


def _tags(scope: str) -> list[tuple[str, str]]:
    pairs = []
    for tag in scope.split(","):
        key, _, value = tag.strip().partition(":")
        pairs.append((key, value))
    return pairs


def _interval(span_seconds: int) -> int:
    """Datadog's rollup: whole minutes, at most about MAX_POINTS points a query."""
    return max(60, math.ceil(span_seconds / MAX_POINTS / 60) * 60)


def _incident_windows(
    ds: Dataset, service: PDService, now: datetime
) -> list[tuple[datetime, datetime, datetime]]:
    """(degrading from, paged at, recovered at) of the incidents on a partner service."""
    if service.team == ds.facts.team_name:
        return []  # the platform's own services stay flat: partner apps are what degrade
    windows = []
    for incident in ds.incidents.upto(now):
        if incident.service_id != service.id:
            continue
        resolved = (
            incident.resolved_at if incident.resolved_at and incident.resolved_at <= now else now
        )
        windows.append((incident.created_at - RAMP_BEFORE, incident.created_at, resolved))
    return windows


def _degradation(at: datetime, windows: list[tuple[datetime, datetime, datetime]]) -> float:
    """0 when healthy, 1 at the worst: ramps up before the page, eases off after."""
    worst = 0.0
    for degrading, paged, recovered in windows:
        if at < degrading or at > recovered + EASE_AFTER:
            continue
        if at < paged:
            level = (at - degrading) / (paged - degrading)
        elif at <= recovered:
            level = 1.0
        else:
            level = 1 - (at - recovered) / EASE_AFTER
        worst = max(worst, level)
    return worst


def _value(
    service: PDService,
    error_rate: bool,
    at: datetime,
    windows: list[tuple[datetime, datetime, datetime]],
) -> float | None:
    rand = Rand("datadog-metrics", service.id, "errors" if error_rate else "latency")
    point = rand.child(int(at.timestamp()))
    if point.chance("gap", 0.01):
        return None
    noise = point.between("noise", 0.92, 1.08)
    degraded = _degradation(at, windows)
    if error_rate:
        base = rand.between("base", 0.2, 0.6)
        return round(base * noise + 9.0 * degraded, 4)
    base = rand.between("base", 0.15, 0.35)
    return round(base * noise * (1 + 4.0 * degraded), 4)

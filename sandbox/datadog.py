"""Fake Datadog API v1: monitor search, metric queries (`datadog_metrics.py`) and API-key
validation.

Datadog answers a missing or wrong key with 403 `{"errors": ["Forbidden"]}` (the spec lists
403 for these operations, not 401); the `unauthorized` fault gives a 401 with the same shape
for clients that must handle both.

The search query is Datadog's monitor search syntax, the subset monitors are found with:
space-separated terms, all of which must match; `key:value` for `tag`, `status`, `type`,
`id`, `muted` (`muted:true`: silenced by a downtime now), `notification`; `key:(a OR b)` alternatives; quoted values
(`status:"no data"`); a leading `-` negates a term; bare words match the monitor name.
"""

from __future__ import annotations

import hmac
import re
import shlex
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from math import ceil

from . import datadog_metrics, web_pages
from .faults import Fault
from .models import JSON, Monitor
from .server import BadRequest, Request, Response, SandboxState, Vendor, route
from .timeutil import epoch

TYPE_FACETS = {
    "query alert": "metric",
    "metric alert": "metric",
    "synthetics alert": "synthetics",
    "service check": "custom",
    "log alert": "log",
    "composite": "composite",
}


class Datadog(Vendor):
    name = "datadog"

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.routes = [
            route("GET", "/api/v1/monitor/search", "datadog.monitor_search", self.search),
            route("GET", "/api/v1/query", "datadog.query", self.query),
            route("GET", "/api/v1/validate", "datadog.validate", self.validate),
            *web_pages.datadog_pages(self),
        ]

    def error(self, status: int, message: str) -> Response:
        return Response.json(status, {"errors": [message]})

    def unauthorized(self) -> Response:
        return self.error(401, "Unauthorized")

    def rate_limited(self, fault: Fault) -> Response:
        resp = self.error(fault.status or 429, "Too many requests")
        resp.headers.update(
            {
                "Retry-After": str(fault.retry_after),
                "X-RateLimit-Limit": "1000",
                "X-RateLimit-Period": "60",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(fault.retry_after),
                "X-RateLimit-Name": "monitor_search",
            }
        )
        return resp

    def _key_ok(self, req: Request, header: str, expected: str) -> bool:
        given = req.headers.get(header, "")
        return bool(given) and hmac.compare_digest(given.encode(), expected.encode())

    def authenticate(self, req: Request) -> Response | None:
        tokens = self.state.tokens
        if not self._key_ok(req, "dd-api-key", tokens.datadog_api_key):
            return self.error(403, "Forbidden")
        if req.endpoint != "datadog.validate" and not self._key_ok(
            req, "dd-application-key", tokens.datadog_app_key
        ):
            return self.error(403, "Forbidden")
        return None

    def validate(self, req: Request) -> Response:
        return Response.json(200, {"valid": True})

    def query(self, req: Request) -> Response:
        ds, now = self.state.snapshot()
        body = datadog_metrics.answer(
            ds, now, req.arg("query") or "", req.arg("from"), req.arg("to")
        )
        resp = Response.json(200, body)
        # Datadog announces the query endpoint's budget on every answer.
        resp.headers.update(
            {
                "X-RateLimit-Limit": "1600",
                "X-RateLimit-Period": "3600",
                "X-RateLimit-Remaining": "1599",
                "X-RateLimit-Reset": str(3600 - int(now.timestamp()) % 3600),
                "X-RateLimit-Name": "batch_query",
            }
        )
        return resp

    def search(self, req: Request) -> Response:
        ds, now = self.state.snapshot()
        match = compile_query(req.arg("query") or "", now)
        found = [m for m in ds.monitors if match(m)]
        sort = (req.arg("sort") or "").split(",")
        if sort[0] in {"name", "status", "tags", "id"}:
            key: dict[str, Callable[[Monitor], object]] = {
                "name": lambda m: m.name.lower(),
                "status": lambda m: m.status_at(now),
                "tags": lambda m: ",".join(m.tags),
                "id": lambda m: m.id,
            }
            found.sort(key=key[sort[0]], reverse=len(sort) > 1 and sort[1] == "desc")  # type: ignore[arg-type]
        per_page = req.int_arg("per_page", 30, lo=1, hi=1000)
        page = req.int_arg("page", 0, lo=0)
        chunk = found[page * per_page : (page + 1) * per_page]
        page_count = ceil(len(found) / per_page)
        if req.empty_page:
            chunk, page_count = [], max(page_count, page + 2)
        counts = {
            "status": _facet(m.status_at(now) for m in found),
            "type": _facet(TYPE_FACETS.get(m.type, m.classification) for m in found),
            "tag": _facet(tag for m in found for tag in m.tags),
            "muted": _facet(m.muted_at(now) for m in found),
        }
        return Response.json(
            200,
            {
                "counts": counts,
                "metadata": {
                    "page": page,
                    "page_count": page_count,
                    "per_page": per_page,
                    "total_count": len(found),
                },
                "monitors": [render(m, now, ds.facts.datadog_org_id) for m in chunk],
            },
        )


def _facet(values: object) -> list[JSON]:
    counted = Counter(values)  # type: ignore[call-overload]
    return [{"name": name, "count": count} for name, count in counted.most_common()]


def render(m: Monitor, now: datetime, org_id: int) -> JSON:
    triggered = m.last_triggered(now)
    creator_name = m.creator.split("@")[0].replace(".", " ").title()
    payload: JSON = {
        "id": m.id,
        "name": m.name,
        "type": m.type,
        "query": m.query,
        "status": m.status_at(now),
        "tags": list(m.tags),
        "classification": m.classification,
        "metrics": list(m.metrics),
        "last_triggered_ts": epoch(triggered) if triggered else None,
        "org_id": org_id,
        "creator": {"handle": m.creator, "name": creator_name, "email": m.creator},
        "notifications": [{"handle": "slack-vro-alerts", "name": "slack-vro-alerts"}],
        "scopes": [t for t in m.tags if t.startswith("env:")],
        "quality_issues": [],
    }
    return {**payload, **m.extra} if m.extra else payload


STATUS_WORDS = {
    "alert": "Alert",
    "warn": "Warn",
    "no data": "No Data",
    "nodata": "No Data",
    "ok": "OK",
    "ignored": "Ignored",
    "skipped": "Skipped",
    "unknown": "Unknown",
}


def compile_query(query: str, now: datetime) -> Callable[[Monitor], bool]:
    """A predicate for Datadog's monitor search syntax (the subset described above)."""
    try:
        words = shlex.split(_group(query), posix=True)
    except ValueError:
        raise BadRequest(f"Invalid query: {query!r}") from None
    tests: list[Callable[[Monitor], bool]] = []
    for word in words:
        negate = word.startswith("-") and len(word) > 1
        term = word[1:] if negate else word
        test = _term(term, now)
        tests.append((lambda t: lambda m: not t(m))(test) if negate else test)
    return lambda m: all(test(m) for test in tests)


def _group(query: str) -> str:
    """`status:(alert OR warn)` -> one shell word `status:alert|warn`, so splitting keeps it."""

    def join(found: re.Match[str]) -> str:
        options = [o.strip().strip('"') for o in re.split(r"\s+OR\s+", found.group(2))]
        return f'{found.group(1)}:"{"|".join(options)}"'

    if query.count("(") != query.count(")"):
        raise BadRequest(f"Invalid query: unbalanced parentheses in {query!r}")
    return re.sub(r"(\w+):\(([^)]*)\)", join, query)


def _term(term: str, now: datetime) -> Callable[[Monitor], bool]:
    key, sep, value = term.partition(":")
    if not sep:
        needle = term.lower()
        return lambda m: needle in m.name.lower()
    options = [v.lower() for v in value.split("|")]
    if key == "tag":
        return lambda m: any(t.lower() in options for t in m.tags)
    if key == "status":
        wanted = {STATUS_WORDS.get(o, o) for o in options}
        return lambda m: m.status_at(now) in wanted
    if key == "type":
        return lambda m: TYPE_FACETS.get(m.type, m.classification) in options or m.type in options
    if key == "id":
        return lambda m: str(m.id) in options
    if key == "muted":
        return lambda m: str(m.muted_at(now)).lower() in options
    if key == "notification":
        return lambda m: any("slack-vro-alerts".startswith(o.lstrip("@")) for o in options)
    if key in {"service", "env", "team", "priority", "scope", "creator", "metric"}:
        # Datadog treats `service:x` etc. as tag searches.
        return lambda m: any(t.lower() in {f"{key}:{o}" for o in options} for t in m.tags)
    raise BadRequest(f"Invalid query: unknown attribute {key!r}")

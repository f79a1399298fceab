"""Faults a test switches on per endpoint, and the log of requests served.

Kinds (aliases in brackets):
- `error` [500]: the vendor's 5xx error body; `status` picks another code (502, 503).
- `rate_limit` [429]: 429 with `Retry-After` and the vendor's rate-limit headers
  (GitHub: `x-ratelimit-*`; Datadog: `X-RateLimit-*`); `status=403` gives GitHub's
  primary-limit flavour.
- `slow` [timeout]: waits `delay` seconds, then answers normally (past a client timeout).
- `malformed`: 200 with a truncated JSON body.
- `unauthorized` [401]: the vendor's 401 body even with good credentials.
- `empty_page`: a list endpoint answers with no items but still says there is more
  (GitHub `Link: rel="next"`, PagerDuty `more: true`, Datadog `page_count` beyond).

`skip` lets that many matching requests through first (a fault on page 3); `times` fires that
many times and then lets requests through ("fail N times then succeed"); `times=None` is
permanent. Endpoint names are `vendor.operation` (see `Sandbox.endpoints()`); `vendor.*` and
`*` match more than one.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

FaultKind = Literal["error", "rate_limit", "slow", "malformed", "unauthorized", "empty_page"]
KINDS: tuple[str, ...] = ("error", "rate_limit", "slow", "malformed", "unauthorized", "empty_page")
ALIASES = {
    "500": "error",
    "429": "rate_limit",
    "401": "unauthorized",
    "timeout": "slow",
    "empty": "empty_page",
}


def canonical_kind(kind: str) -> FaultKind:
    value = ALIASES.get(str(kind), str(kind))
    if value not in KINDS:
        raise ValueError(
            f"unknown fault kind {kind!r}; one of {', '.join(KINDS)} (or {', '.join(ALIASES)})"
        )
    return value  # type: ignore[return-value]


def endpoint_matches(pattern: str, endpoint: str) -> bool:
    if pattern in {"*", endpoint}:
        return True
    return pattern.endswith(".*") and endpoint.startswith(pattern[:-1])


_ids = itertools.count(1)


@dataclass
class Fault:
    endpoint: str
    kind: FaultKind
    times: int | None = None  # None: every matching request, until removed
    skip: int = 0
    delay: float = 5.0  # seconds, for `slow`
    retry_after: int = 1  # seconds, for `rate_limit`
    status: int | None = None  # overrides the status code of `error` / `rate_limit`
    id: int = field(default_factory=lambda: next(_ids))
    seen: int = 0  # matching requests so far
    fired: int = 0  # times it was applied

    @property
    def active(self) -> bool:
        return self.times is None or self.fired < self.times

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"active": self.active}


class FaultBoard:
    """The faults in force; thread-safe because the servers answer on many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        fault.kind = canonical_kind(fault.kind)
        if fault.times is not None and fault.times < 0:
            raise ValueError("times must be zero or more (or None for permanent)")
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) != before

    def clear(self, endpoint: str | None = None) -> None:
        with self._lock:
            self._faults = (
                [] if endpoint is None else [f for f in self._faults if f.endpoint != endpoint]
            )

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, endpoint: str) -> Fault | None:
        """The fault to apply to this request, if any; counts it as seen/fired."""
        with self._lock:
            for fault in self._faults:
                if not fault.active or not endpoint_matches(fault.endpoint, endpoint):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                fault.fired += 1
                return fault
        return None


@dataclass(frozen=True)
class RequestRecord:
    vendor: str
    endpoint: str
    method: str
    path: str
    query: str
    status: int
    fault: str | None  # the fault kind applied, "scripted" for a scripted reply
    seconds: float
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""

    def params(self) -> dict[str, list[str]]:
        return parse_qs(self.query, keep_blank_values=True)

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, None when absent."""
        values = self.params().get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


class RequestLog:
    """Counts per endpoint (unbounded) and the most recent requests (bounded)."""

    def __init__(self, keep: int = 5000) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._records: deque[RequestRecord] = deque(maxlen=keep)

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            self._counts[record.endpoint] += 1
            self._records.append(record)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def count(self, endpoint: str = "*") -> int:
        """Requests to `endpoint` (`vendor.*` and `*` allowed) since the last reset."""
        with self._lock:
            return sum(n for name, n in self._counts.items() if endpoint_matches(endpoint, name))

    def records(self, endpoint: str = "*") -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._records if endpoint_matches(endpoint, r.endpoint)]

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._records.clear()

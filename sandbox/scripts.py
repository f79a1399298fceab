"""Replies a test scripts for one endpoint: the sandbox answers exactly these, in order.

    sandbox.script(
        "github.workflow_runs",
        Reply(429, {"message": "slow down"}, headers={"Retry-After": "1"}),
        Reply(200, {"total_count": 0, "workflow_runs": []}),
    )

Each request to the endpoint takes the next step; the last one repeats, so a single
`Reply` is a permanent answer. A step is a `Reply`, a function of the `Request` returning
one (to paginate, or to answer from the query), or `SERVE`: the sandbox's own answer from
its data, as if nothing were scripted ("429 once, then the real runs").

A scripted reply is sent as written: routing and the vendor's credentials check still
apply, but no fault, no handler and none of the headers the vendor adds to every answer
(GitHub's rate-limit budget, for one). Its request is logged on arrival, before `delay`,
so a client that gave up waiting is still seen to have asked.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from .server import Request


@dataclass(frozen=True)
class Reply:
    """One scripted answer. `body`: a dict or list is sent as JSON; str or bytes as they are
    (a truncated or HTML body, say), with `content_type` or JSON's by default."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (past a client's timeout)
    content_type: str | None = None

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        if isinstance(self.body, dict | list):
            data = json.dumps(self.body).encode()
        elif isinstance(self.body, str):
            data = self.body.encode()
        else:
            data = self.body or b""
        content_type = self.content_type or "application/json; charset=utf-8"
        return data, {"Content-Type": content_type, **self.headers}


class _Serve:
    def __repr__(self) -> str:
        return "SERVE"


SERVE: Final = _Serve()

Step = Reply | Callable[["Request"], Reply] | _Serve


class ScriptBoard:
    """The scripts in force, per endpoint; thread-safe because the servers answer on many
    threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Step]] = {}

    def set(self, endpoint: str, steps: list[Step]) -> None:
        if not steps:
            raise ValueError("a script needs at least one reply")
        with self._lock:
            self._scripts[endpoint] = list(steps)

    def clear(self, endpoint: str | None = None) -> None:
        with self._lock:
            if endpoint is None:
                self._scripts.clear()
            else:
                self._scripts.pop(endpoint, None)

    def take(self, endpoint: str, req: Request) -> Reply | None:
        """The reply to send for this request, or None for the sandbox's own answer."""
        with self._lock:
            steps = self._scripts.get(endpoint)
            if not steps:
                return None
            step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, _Serve):
            return None
        if isinstance(step, Reply):
            return step
        return step(req)

"""`/_sandbox/...` on every server: drive the sandbox from another process over HTTP.

    GET    /_sandbox                    what is running: urls, env, endpoints, clock
    GET    /_sandbox/faults             faults in force (with how often each fired)
    POST   /_sandbox/faults             {"endpoint": "pagerduty.incidents", "kind": "rate_limit",
                                         "times": 2, "skip": 0, "delay": 5, "retry_after": 1,
                                         "status": null}  -> the fault, with its id
    DELETE /_sandbox/faults[?id=N|?endpoint=E]   remove one, an endpoint's, or all
    GET    /_sandbox/requests           {"counts": {endpoint: n}, "total": n}
    DELETE /_sandbox/requests           reset the counts
    GET    /_sandbox/slack              messages posted to the webhook
    DELETE /_sandbox/slack              forget them
    GET    /_sandbox/issues             issues created through the GitHub API
    POST   /_sandbox/clock              {"advance": seconds} or {"set": "2026-03-04T15:00:00Z"}
    POST   /_sandbox/data               explicit data, as `Sandbox.load()` takes it (see loader.py)
    POST   /_sandbox/scenario           {"seed": 2, "live_interval": 60, ...}: regenerate

Control requests are neither authenticated, faulted nor counted: they are not the vendor.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from .faults import Fault
from .server import Request, Response, Vendor
from .timeutil import iso, parse_instant

Hook = Callable[[str, Any], Any]


def handle(vendor: Vendor, req: Request, hooks: dict[str, Hook]) -> Response:
    state = vendor.state
    try:
        body = json.loads(req.body) if req.body else {}
    except ValueError:
        return Response.json(400, {"error": "body must be JSON"})
    key = (req.method, req.path.rstrip("/"))
    try:
        if key == ("GET", "/_sandbox"):
            return Response.json(200, hooks["info"]("info", None))
        if key == ("GET", "/_sandbox/faults"):
            return Response.json(200, {"faults": [f.as_json() for f in state.faults.list()]})
        if key == ("POST", "/_sandbox/faults"):
            endpoint = str(body.get("endpoint", "*"))
            if "." not in endpoint and endpoint != "*":
                endpoint = f"{vendor.name}.{endpoint}"
            fields = {
                k: body[k] for k in ("times", "skip", "delay", "retry_after", "status") if k in body
            }
            fault = state.faults.add(
                Fault(endpoint=endpoint, kind=body.get("kind", "error"), **fields)
            )
            return Response.json(201, fault.as_json())
        if key == ("DELETE", "/_sandbox/faults"):
            if (fault_id := req.arg("id")) is not None:
                state.faults.remove(int(fault_id))
            else:
                state.faults.clear(req.arg("endpoint"))
            return Response.json(200, {"faults": [f.as_json() for f in state.faults.list()]})
        if key == ("GET", "/_sandbox/requests"):
            counts = state.requests.counts()
            return Response.json(200, {"counts": counts, "total": sum(counts.values())})
        if key == ("DELETE", "/_sandbox/requests"):
            state.requests.reset()
            return Response.json(200, {"counts": {}, "total": 0})
        if key == ("GET", "/_sandbox/slack"):
            return Response.json(
                200,
                {
                    "messages": [
                        {"path": m.path, "payload": m.payload, "received_at": iso(m.received_at)}
                        for m in list(state.slack_messages)
                    ]
                },
            )
        if key == ("DELETE", "/_sandbox/slack"):
            state.slack_messages.clear()
            return Response.json(200, {"messages": []})
        if key == ("GET", "/_sandbox/issues"):
            return Response.json(
                200,
                {
                    "issues": [
                        asdict(i) | {"created_at": iso(i.created_at)}
                        for i in list(state.created_issues)
                    ]
                },
            )
        if key == ("POST", "/_sandbox/clock"):
            if "set" in body:
                state.clock.set(parse_instant(str(body["set"])))
            if "advance" in body:
                state.clock.advance(float(body["advance"]))
            return Response.json(200, {"now": iso(state.clock.now()), "frozen": state.clock.frozen})
        if key == ("POST", "/_sandbox/data"):
            hooks["load"]("load", body)
            return Response.json(
                200, {"loaded": {k: len(v) for k, v in body.items() if isinstance(v, list)}}
            )
        if key == ("POST", "/_sandbox/scenario"):
            hooks["scenario"]("scenario", body)
            return Response.json(200, {"scenario": body})
    except (ValueError, TypeError, KeyError) as exc:
        return Response.json(400, {"error": str(exc)})
    return Response.json(404, {"error": f"no control endpoint {req.method} {req.path}"})

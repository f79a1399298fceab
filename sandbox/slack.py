"""Fake Slack incoming webhook: records what was posted, answers like Slack does.

Slack answers `200 ok` (text, not JSON); `400 invalid_payload` for a body it cannot parse,
`400 no_text` when neither `text` nor `blocks` is given, `404 no_service` for a webhook URL
it does not know. The URL itself is the credential, so there is no auth header.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from .faults import Fault
from .models import SlackMessage
from .server import Request, Response, SandboxState, Vendor, route


class Slack(Vendor):
    name = "slack"

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.routes = [route("POST", "/services/{path+}", "slack.webhook", self.post)]

    def error(self, status: int, message: str) -> Response:
        words = {
            404: "no_service",
            500: "internal_error",
            401: "invalid_token",
            403: "invalid_token",
        }
        return Response.text(status, words.get(status, message))

    def rate_limited(self, fault: Fault) -> Response:
        resp = Response.text(fault.status or 429, "rate_limited")
        resp.headers["Retry-After"] = str(fault.retry_after)
        return resp

    def post(self, req: Request, path: str) -> Response:
        if req.path != self.state.tokens.slack_path:
            return Response.text(404, "no_service")
        raw = req.body
        if req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            raw = (parse_qs(raw.decode(errors="replace")).get("payload") or [""])[0].encode()
        try:
            payload = json.loads(raw)
        except ValueError:
            return Response.text(400, "invalid_payload")
        if not isinstance(payload, dict):
            return Response.text(400, "invalid_payload")
        if not payload.get("text") and not payload.get("blocks") and not payload.get("attachments"):
            return Response.text(400, "no_text")
        self.state.record_slack(SlackMessage(req.path, payload, self.state.clock.now()))
        return Response.text(200, "ok", "text/html")

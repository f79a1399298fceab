"""HTTP plumbing shared by the fake vendors: requests, routing, auth, faults, the request log.

One `ThreadingHTTPServer` per vendor, each on its own port, all sharing one `SandboxState`.
HTTP/1.1 keep-alive is on (every response carries Content-Length) because the real clients
keep connections open and a benchmark should not pay for a TCP handshake per page.
Absolute URLs in responses are built from the `Host` header the client sent, so they point
back at exactly the host and port the client used (PyGithub rejects any other host).
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, cast
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from .clock import SandboxClock
from .dataset import Dataset
from .faults import Fault, FaultBoard, RequestLog, RequestRecord
from .models import CreatedIssue, SlackMessage
from .scenario import GeneratedSource, StaticSource
from .scripts import ScriptBoard


@dataclass(frozen=True)
class Tokens:
    """The credentials the sandbox accepts; `env()` publishes them to the site."""

    github: str = "sandbox-github-token"
    pagerduty: str = "sandbox-pagerduty-token"
    datadog_api_key: str = "sandbox-datadog-api-key"
    datadog_app_key: str = "sandbox-datadog-app-key"
    slack_path: str = "/services/TSANDBOX0/BSANDBOX0/sandbox-slack-webhook"


class SandboxState:
    """What the four servers share: the clock, the data, faults, scripted replies, and what
    was received."""

    def __init__(
        self, clock: SandboxClock, source: GeneratedSource | StaticSource, tokens: Tokens
    ) -> None:
        self.clock = clock
        self.source = source
        self.tokens = tokens
        self.faults = FaultBoard()
        self.scripts = ScriptBoard()
        self.requests = RequestLog()
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self.slack_messages: list[SlackMessage] = []
        self.created_issues: list[CreatedIssue] = []
        self.web: dict[str, str] = {}  # vendor -> the root of its web pages, once serving

    def snapshot(self) -> tuple[Dataset, datetime]:
        now = self.clock.now()
        return self.source.dataset(now), now

    def record_slack(self, message: SlackMessage) -> None:
        with self._lock:
            self.slack_messages.append(message)

    def record_issue(self, make: Callable[[int], CreatedIssue]) -> CreatedIssue:
        # Issue numbers start well clear of the scenario's pull request numbers.
        with self._lock:
            issue = make(9001 + len(self.created_issues))
            self.created_issues.append(issue)
            return issue


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base_url: str
    endpoint: str = ""
    empty_page: bool = False  # fault: an empty page that still claims more

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """Repeated parameters; `x[]` and `x` both count, as the vendors accept either."""
        bare = name.removesuffix("[]")
        return self.query.get(bare + "[]", []) + self.query.get(bare, [])

    def int_arg(
        self, name: str, default: int, *, lo: int | None = None, hi: int | None = None
    ) -> int:
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be an integer, not {raw!r}") from None
        if lo is not None and value < lo:
            value = lo
        if hi is not None and value > hi:
            value = hi
        return value

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            raise BadRequest("Problems parsing JSON") from None

    def url(self, path: str, params: list[tuple[str, str]] | None = None) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.base_url}{path}{query}"


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before sending it, once the request is logged
    as_written: bool = False  # a scripted reply: the vendor adds none of its usual headers

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(
            status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        )

    @classmethod
    def text(
        cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8"
    ) -> Response:
        return cls(status, text.encode(), {"Content-Type": content_type})


class BadRequest(Exception):
    """A request the vendor would reject; each vendor renders it in its own error shape."""

    status = 400
    default = "Bad Request"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default)


class NotFound(BadRequest):
    status, default = 404, "Not Found"


class Unprocessable(BadRequest):
    status, default = 422, "Validation Failed"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: str
    handler: Callable[..., Response]
    page: bool = False  # a web page for people (a link's target): no credentials asked


def route(
    method: str, path: str, endpoint: str, handler: Callable[..., Response], *, page: bool = False
) -> Route:
    """`/repos/{owner}/{repo}` -> a regex with named groups; `{ref+}` may span slashes."""
    regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+?)", path)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return Route(method, re.compile(f"^{regex}$"), endpoint, handler, page)


class Vendor:
    """One fake upstream: its routes, its credentials check, and its error shapes."""

    name: ClassVar[str] = "vendor"

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.routes: list[Route] = []

    def authenticate(self, req: Request) -> Response | None:
        return None

    def error(self, status: int, message: str) -> Response:
        return Response.json(status, {"message": message})

    def rate_limited(self, fault: Fault) -> Response:
        return self.error(fault.status or 429, "Too Many Requests")

    def unauthorized(self) -> Response:
        return self.error(401, "Unauthorized")

    def decorate(self, req: Request, resp: Response) -> None:
        """Headers every response of this vendor carries."""

    def match(
        self, method: str, path: str, *, credentials: bool = False
    ) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path parameters, whether the path exists under another method); a
        request with credentials is the API's, never a web page's."""
        other_method = False
        for candidate in self.routes:
            if credentials and candidate.page:
                continue
            found = candidate.pattern.match(path)
            if found:
                if candidate.method == method:
                    return candidate, {k: unquote(v) for k, v in found.groupdict().items()}, False
                other_method = True
        return None, {}, other_method


MALFORMED = b'{"truncated": [{"id": 1, "name": "half a respo'


def dispatch(vendor: Vendor, req: Request) -> tuple[Response, str | None]:
    """Route, authenticate, send a scripted reply or apply a fault, call the handler.
    Returns (response, fault kind), the kind "scripted" for a scripted reply."""
    state = vendor.state
    found, params, other_method = vendor.match(
        req.method, req.path, credentials="authorization" in req.headers
    )
    if found is None:
        req.endpoint = f"{vendor.name}.unknown"
        return vendor.error(405 if other_method else 404, "Not Found"), None
    req.endpoint = found.endpoint
    denied = None if found.page else vendor.authenticate(req)
    if denied is not None:
        return denied, None
    reply = state.scripts.take(req.endpoint, req)
    if reply is not None:
        body, headers = reply.encoded()
        return Response(reply.status, body, headers, reply.delay, as_written=True), "scripted"
    fault = state.faults.take(req.endpoint)
    kind = fault.kind if fault else None
    if fault is not None:
        if fault.kind == "error":
            return vendor.error(fault.status or 500, "Internal Server Error"), kind
        if fault.kind == "rate_limit":
            return vendor.rate_limited(fault), kind
        if fault.kind == "unauthorized":
            return vendor.unauthorized(), kind
        if fault.kind == "malformed":
            return Response(
                200, MALFORMED, {"Content-Type": "application/json; charset=utf-8"}
            ), kind
        if fault.kind == "slow":
            state.stopping.wait(fault.delay)
        if fault.kind == "empty_page":
            req.empty_page = True
    try:
        return found.handler(req, **params), kind
    except BadRequest as exc:
        return vendor.error(exc.status, str(exc)), kind


class Handler(BaseHTTPRequestHandler):
    """Turns raw HTTP into `Request`s for one vendor; subclassed per server with `vendor` set."""

    protocol_version = "HTTP/1.1"
    timeout = 60  # seconds an idle keep-alive connection may hold a thread
    vendor: ClassVar[Vendor]
    control: ClassVar[Callable[[Vendor, Request], Response]]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the request log is the record; stderr noise would drown test output."""

    def _serve(self) -> None:
        started = time.perf_counter()
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        bound = cast(tuple[str, int], self.server.server_address)
        host = self.headers.get("Host") or f"{bound[0]}:{bound[1]}"
        req = Request(
            method=self.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=f"http://{host}",
        )
        if req.path == "/_sandbox" or req.path.startswith("/_sandbox/"):
            resp, fault = type(self).control(self.vendor, req), None
        else:
            resp, fault = dispatch(self.vendor, req)
            if not resp.as_written:
                self.vendor.decorate(req, resp)
            self.vendor.state.requests.record(
                RequestRecord(
                    vendor=self.vendor.name,
                    endpoint=req.endpoint,
                    method=req.method,
                    path=req.path,
                    query=split.query,
                    status=resp.status,
                    fault=fault,
                    seconds=time.perf_counter() - started,
                    headers=req.headers,
                    body=req.body,
                )
            )
            if resp.delay:
                self.vendor.state.stopping.wait(resp.delay)
        self._write(resp)

    def _write(self, resp: Response) -> None:
        try:
            self.send_response(resp.status)
            for name, value in resp.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(resp.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a `slow` fault past its timeout): nothing left to tell it.
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815


class QuietServer(ThreadingHTTPServer):
    """Daemon threads, and no traceback printing when a client hangs up mid-response."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class VendorServer:
    """A vendor on its own port, served from a background thread."""

    def __init__(
        self,
        vendor: Vendor,
        control: Callable[[Vendor, Request], Response],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        handler = type(
            f"{vendor.name.title()}Handler",
            (Handler,),
            {"vendor": vendor, "control": staticmethod(control)},
        )
        self.vendor = vendor
        self.httpd = QuietServer((host, port), handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.02},  # how long stop() waits: tests start hundreds
            name=f"sandbox-{vendor.name}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = cast(tuple[str, int], self.httpd.server_address)[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

"""A tiny scripted HTTP upstream on 127.0.0.1, so the real client libraries run end to end.

Each test routes `(method, path)` to replies (a list, played in order, the last one
repeating) or to a handler (a function of the request). Every request is recorded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from oncall_site.integrations import Limits

FIXTURES = Path(__file__).parent / "fixtures"

# Tiny waits so retry tests take milliseconds; max_wait 1 s so "wait an hour" fails fast.
FAST = Limits(timeout_seconds=1.0, max_retries=2, backoff_seconds=0.01, max_wait_seconds=1.0)


def load(name: str, base_url: str | None = None) -> Any:
    """A fixture payload; with `base_url`, the vendor's API host is replaced by the fake's
    (PyGithub refuses links to another host than its base URL)."""
    text = (FIXTURES / name).read_text()
    if base_url:
        for host in ("https://api.github.com", "https://api.pagerduty.com"):
            text = text.replace(host, base_url)
    return json.loads(text)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict or list -> JSON; str or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Seen], Reply]


class FakeUpstream:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler | list[Reply]] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        upstream = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle plus delayed
                # ACKs add 40 ms to every request.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                seen = Seen(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = upstream.reply_to(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                if isinstance(reply.body, (dict, list)):
                    data = json.dumps(reply.body).encode()
                    content_type = "application/json; charset=utf-8"
                else:
                    data = reply.body.encode() if isinstance(reply.body, str) else reply.body or b""
                    content_type = "application/json" if reply.body else "text/plain"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.server.daemon_threads = True
        self.server.block_on_close = False  # type: ignore[attr-defined]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *replies: Reply | Handler) -> None:
        if len(replies) == 1 and callable(replies[0]):
            self.routes[(method, path)] = replies[0]
        else:
            self.routes[(method, path)] = list(replies)  # type: ignore[arg-type]

    def reply_to(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            target = self.routes.get((seen.method, seen.path))
            if isinstance(target, list):
                reply = target.pop(0) if len(target) > 1 else target[0]
                return reply
        if target is None:
            return Reply(404, {"message": "Not Found", "path": seen.path})
        return target(seen)

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.elapsed = time.monotonic() - self.start

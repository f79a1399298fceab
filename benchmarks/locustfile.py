"""The load benchmark's users, run by `benchmarks/load.py` with `locust --headless` in a process
of its own (locust's gevent patches the standard library: neither Django nor the tests import
this module). Settings come from the environment `benchmarks/load.py` sets (LOAD_*).

Writes what it measured to LOAD_RESULTS as JSON when locust stops: the users' page and API
requests after the last login (count, seconds, p95), every failed request (first ones in
full), logins and webhooks delivered.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from datetime import UTC, datetime

import gevent
from locust import HttpUser, between, constant, events, task

from benchmarks.load import (
    CSRF_FIELD,
    PROXY_HEADERS,
    STATIC_FILE,
    USER_PREFIX,
    loopback,
    p95,
    pages,
    webhook_delivery,
)

USERS = int(os.environ["LOAD_USERS"])
SECONDS = float(os.environ["LOAD_SECONDS"])
MAX_REQUESTS = int(os.environ["LOAD_MAX_REQUESTS"])
PASSWORD = os.environ["LOAD_PASSWORD"]
PAGES = pages(int(os.environ["LOAD_SPRINT"]))
WEIGHTS = [page.weight for page in PAGES]
WEBHOOK_SECRET = os.environ["PAGERDUTY_WEBHOOK_SECRET"]

accounts = itertools.count()
deliveries = itertools.count()
measured: dict = {
    "started": None,
    "page_ms": [],
    "by_page": {},
    "logins": 0,
    "webhooks": 0,
    "errors": 0,
    "failures": [],
}


@events.init.add_listener
def refuse_other_hosts(environment, **_kwargs) -> None:
    if not loopback(environment.host or ""):
        raise SystemExit(f"the load test runs against 127.0.0.1 only, not {environment.host!r}")


@events.request.add_listener
def note(request_type, name, response_time, exception=None, context=None, **_kwargs) -> None:
    if exception is not None:
        measured["errors"] += 1
        if len(measured["failures"]) < 20:
            measured["failures"].append({"name": name, "detail": str(exception)[:500]})
    elif (context or {}).get("page") and measured["started"] is not None:
        measured["page_ms"].append(response_time)
        measured["by_page"].setdefault(name, []).append(response_time)


@events.quitting.add_listener
def write_results(environment, **_kwargs) -> None:
    started = measured["started"] or time.monotonic()
    ended = measured.get("ended") or time.monotonic()
    with open(os.environ["LOAD_RESULTS"], "w") as out:
        json.dump(
            {
                "seconds": max(ended - started, 0.001),
                "requests": len(measured["page_ms"]),
                "p95_ms": p95(measured["page_ms"]),
                "p95_ms_by_page": {name: p95(ms) for name, ms in measured["by_page"].items()},
                "errors": measured["errors"],
                "failures": measured["failures"],
                "logins": measured["logins"],
                "webhooks": measured["webhooks"],
            },
            out,
        )


def stop(environment) -> None:
    """Ends the run: the measured time is up or the request cap is reached."""
    if measured.get("ended") is None:
        measured["ended"] = time.monotonic()
        gevent.spawn(environment.runner.quit)


def check(response, *statuses: int) -> None:
    if response.status_code in statuses:
        response.success()
    else:
        text = " ".join(response.text.split())[:200]
        response.failure(f"answered {response.status_code}: {text}")


def plain_cookies(client) -> None:
    """Production cookies are Secure, for the browser's HTTPS to the proxy; this client
    speaks plain HTTP to gunicorn behind it, so it sends them anyway."""
    for cookie in client.cookies:
        cookie.secure = False


class TeamMember(HttpUser):
    """Logs in through the form, then reads pages by weight, a second or so apart."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        username = f"{USER_PREFIX}{next(accounts)}"
        with self.client.get(
            "/accounts/login/", headers=PROXY_HEADERS, name="login form", catch_response=True
        ) as response:
            check(response, 200)
            token = CSRF_FIELD.search(response.text)
        if token is None:
            return
        plain_cookies(self.client)
        referer = self.host.replace("http://", "https://", 1) + "/accounts/login/"
        with self.client.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
            headers={**PROXY_HEADERS, "Referer": referer},
            allow_redirects=False,
            name="login",
            catch_response=True,
        ) as response:
            check(response, 302)
        plain_cookies(self.client)
        if response.status_code != 302:
            return
        # The first page with an empty browser cache: its stylesheets from whitenoise too.
        with self.client.get(
            "/",
            headers=PROXY_HEADERS,
            name="first page",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            check(response, 200)
        for path in sorted(set(STATIC_FILE.findall(response.text))):
            with self.client.get(
                path, headers=PROXY_HEADERS, name="static file", catch_response=True
            ) as static:
                check(static, 200)
        measured["logins"] += 1
        if measured["logins"] == USERS:
            measured["started"] = time.monotonic()

    @task
    def read_a_page(self) -> None:
        if measured["started"] is not None and (
            time.monotonic() - measured["started"] >= SECONDS
            or len(measured["page_ms"]) >= MAX_REQUESTS
        ):
            stop(self.environment)
            return
        page = random.choices(PAGES, WEIGHTS)[0]  # noqa: S311 - a mix of pages, not a secret
        with self.client.get(
            page.path,
            headers=PROXY_HEADERS,
            name=page.name,
            allow_redirects=False,  # a redirect to the login page is a failure, not a page
            catch_response=True,
            context={"page": True},
        ) as response:
            check(response, 200)


class WebhookSender(HttpUser):
    """PagerDuty: one signed delivery a second."""

    fixed_count = 1
    wait_time = constant(1)

    @task
    def deliver(self) -> None:
        body, signature = webhook_delivery(
            next(deliveries), WEBHOOK_SECRET, now=datetime.now(tz=UTC)
        )
        with self.client.post(
            "/webhooks/pagerduty",
            data=body,
            headers={
                **PROXY_HEADERS,
                "Content-Type": "application/json",
                "X-PagerDuty-Signature": signature,
            },
            name="webhook",
            catch_response=True,
        ) as response:
            check(response, 200, 202)
        if response.status_code in (200, 202):
            measured["webhooks"] += 1

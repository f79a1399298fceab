"""The site under load: 50 logged-in users on the dashboard, the lists, the report and the API
while a full sync runs and signed PagerDuty webhooks arrive, on SQLite and on PostgreSQL.

For each database: a scratch database (SQLite in a temporary folder; PostgreSQL created and
dropped here, when one answers at `BENCH_DATABASE_URL` or the Makefile's TEST_DATABASE_URL
default), migrated, the demo team loaded and a first full sync from the sandbox upstreams
(six months of a team's history, a new page, alert or run every few seconds), 50 accounts
with a password made here. Then, all on 127.0.0.1:

- gunicorn in production mode (`DJANGO_ENV=production`, hashed static files from whitenoise)
  behind no proxy: the users send `X-Forwarded-Proto: https` as the TLS proxy would;
- `manage.py sync` (every job) again and again until the users stop;
- locust in its own process (`benchmarks/locustfile.py`; its gevent patches the standard
  library, so nothing here imports it): each user logs in through the login form with its
  CSRF token, opens the dashboard and its stylesheets, then asks for the pages of `pages()`
  at random by weight, about one a second; one more user delivers
  a signed PagerDuty webhook every second (triggered, acknowledged, resolved, in turn).

Throughput and p95 are over the users' pages and API answers from the moment the last user
has logged in (the logins hash passwords on purpose, which is not what a page costs); every
request counts for the errors. Bounded: users, seconds and requests (`--help`).

The PostgreSQL run uses Redis for the kept pages when it answers (the production layout);
the SQLite run keeps them in each gunicorn process, as the embedded default does.

    python -m benchmarks.load [--database sqlite|postgres|both] [--users 50] [--seconds 60]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import math
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks.__main__ import ROOT, figure, run, sandbox_upstreams

MAX_USERS = 100
MAX_SECONDS = 600
MAX_REQUESTS = 100_000
LOGIN_ALLOWANCE_SECONDS = 90  # locust's own bound on top of the measured time
USER_PREFIX = "load-user-"
POSTGRES_DEFAULT = "postgres://oncall:oncall@127.0.0.1:5432/oncall"
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"  # the tests use 0 (broker) and 1..n (pages)
# What the users' browsers get from a TLS proxy in front of gunicorn.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STATIC_FILE = re.compile(r'(?:href|src)="(/static/[^"]+)"')
WEBHOOK_STEPS = ("incident.triggered", "incident.acknowledged", "incident.resolved")
WEBHOOK_STATUS = {"incident.triggered": "triggered", "incident.acknowledged": "acknowledged"}


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    weight: int


def pages(sprint: int) -> list[Page]:
    """What a team's browsers ask for, by weight: the dashboard and its live part most (open
    all day, refreshed every 30 s), then the lists, the report and the API."""
    return [
        Page("dashboard", "/", 10),
        Page("dashboard live", "/needs/", 10),
        Page("incidents", "/incidents/", 6),
        Page("alerts", "/alerts/", 4),
        Page("findings", "/security/findings/", 4),
        Page("secrel", "/security/secrel/", 3),
        Page("dependabot", "/security/dependabot/", 3),
        Page("releases", "/releases/", 3),
        Page("rotations", "/rotations/", 2),
        Page("report", f"/reports/sprint/{sprint}/", 3),
        Page("api summary", "/api/v1/summary", 5),
        Page("api metrics", f"/api/v1/metrics?sprint={sprint}", 3),
    ]


def webhook_delivery(n: int, secret: str, *, now: datetime) -> tuple[bytes, str]:
    """The `n`th delivery (body, `X-PagerDuty-Signature`): incidents of their own, each
    triggered, acknowledged and resolved in turn."""
    step = WEBHOOK_STEPS[n % len(WEBHOOK_STEPS)]
    number = 900_000 + n // len(WEBHOOK_STEPS)
    incident_id = f"PLOAD{number}"
    data = {
        "id": incident_id,
        "type": "incident",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident_id}",
        "number": number,
        "status": WEBHOOK_STATUS.get(step, "resolved"),
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "title": f"load check {number}: requests timing out",
        "service": {"id": "PCCAPP1", "summary": "cc-app", "type": "service_reference"},
        "urgency": "high",
    }
    event = {
        "id": f"load-{n}",
        "event_type": step,
        "resource_type": "incident",
        "occurred_at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "data": data,
    }
    body = json.dumps({"event": event}).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, f"v1={signature}"


def p95(values: list[float]) -> float | None:
    """The nearest-rank 95th percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def loopback(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in {"http", "https"} and parts.hostname == "127.0.0.1"


def bounded(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, not {value}")
        return value

    return parse


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--users", type=bounded(1, MAX_USERS), default=50)
    parser.add_argument(
        "--seconds", type=bounded(5, MAX_SECONDS), default=60, help="measured, per database"
    )
    parser.add_argument(
        "--max-requests",
        type=bounded(1, MAX_REQUESTS),
        default=30_000,
        help="the users stop here even if the time is not up (per database)",
    )
    parser.add_argument("--workers", type=bounded(1, 16), default=3, help="gunicorn processes")
    parser.add_argument("--threads", type=bounded(1, 16), default=4, help="threads per process")
    parser.add_argument("--prepare", type=bounded(1, MAX_USERS), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def prepare(users: int) -> None:
    """(In the scratch database's own process) the users' accounts, one password made now
    for all of them, and the current sprint; prints them as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from rotations.selectors import current_sprint

    password = secrets.token_urlsafe(24)
    hashed = make_password(password)  # once: hashing 50 times would only slow the set-up
    User = get_user_model()
    User.objects.bulk_create(
        User(username=f"{USER_PREFIX}{n}", password=hashed) for n in range(users)
    )
    sprint = current_sprint(now=timezone.now())
    print(json.dumps({"password": password, "sprint": sprint.number}))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode})")
        try:
            urllib.request.urlopen(url, timeout=5).close()  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # answering: /healthz says 503 while no worker beats, which is fine here
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer at {url}")


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A scratch database beside `admin_url`'s, dropped afterwards; its URL."""
    import psycopg

    name = f"oncall_load_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_unreachable(url: str) -> str | None:
    """Why PostgreSQL cannot be used at `url`, or None when it can."""
    if not loopback(url.replace("postgres://", "http://", 1)):
        return f"{url.split('@')[-1]} is not on 127.0.0.1"
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any reason is reported, none is fatal
        reason = " ".join(str(exc).split())
        return f"{url.split('@')[-1]} did not answer ({exc.__class__.__name__}: {reason})"
    return None


def redis_answering(url: str) -> bool:
    """True when Redis answers at `url`; its database is emptied for this run's pages."""
    try:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=3)
        client.flushdb()
    except Exception:  # noqa: BLE001 - without Redis the run keeps pages per process
        return False
    return True


def data_version(database_url: str) -> int:
    """The stored data version (`oncall_site/data_version.py`): the kept pages' key."""
    query = "SELECT number FROM oncall_site_dataversion WHERE id = 1"
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            row = db.execute(query).fetchone()
    else:
        import psycopg

        with psycopg.connect(database_url, connect_timeout=5) as db:
            row = db.execute(query).fetchone()
    return row[0] if row else 0


class SyncLoop(threading.Thread):
    """`manage.py sync` (every job), again and again until stopped; the runs finished and
    the output of each that failed."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.env, self.stopping = env, threading.Event()
        self.finished = 0
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.stopping.is_set():
            out = subprocess.run(
                [sys.executable, "manage.py", "sync"],
                cwd=ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if out.returncode == 0:
                # Counted while the users were still at it; the last one ends after them.
                self.finished += not self.stopping.is_set()
            else:
                self.failures.append((out.stdout + out.stderr)[-2000:])


def load_run(
    label: str,
    database_url: str,
    sandbox: dict[str, str],
    options: argparse.Namespace,
    folder: Path,
) -> list[str]:
    """One database: set up, serve, load, print the figures; the failures, if any."""
    base = {
        **os.environ,
        **sandbox,
        "DATABASE_URL": database_url,
        "GITHUB_SECONDS_BETWEEN_REQUESTS": "0",
        "LOG_LEVEL": "WARNING",
        "PAGERDUTY_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    }
    base.pop("REDIS_URL", None)
    if label == "postgres":
        redis_url = os.environ.get("BENCH_REDIS_URL", REDIS_DEFAULT)
        if redis_answering(redis_url):
            base["REDIS_URL"] = redis_url
        print(f"load_postgres_page_cache: {base.get('REDIS_URL', 'in each process')}", flush=True)
    production = {
        **base,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }
    # The demo team refuses to load in production mode: set up as development, serve as
    # production.
    run(base, "manage.py", "migrate", "--verbosity", "0")
    run(base, "manage.py", "seed_demo")
    accounts = run(base, "-m", "benchmarks.load", "--prepare", str(options.users))
    first = subprocess.run(
        [sys.executable, "manage.py", "sync"], cwd=ROOT, env=base, capture_output=True, text=True
    )
    if first.returncode != 0:
        raise SystemExit(f"the first sync failed:\n{(first.stdout + first.stderr)[-3000:]}")
    run(production, "manage.py", "collectstatic", "--noinput", "--verbosity", "0")

    port = free_port()
    host = f"http://127.0.0.1:{port}"
    log = (folder / f"gunicorn-{label}.log").open("w")
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "oncall_site.wsgi"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(options.workers)),
            *("--threads", str(options.threads), "--timeout", "60"),
        ],
        cwd=ROOT,
        env=production,
        stdout=log,
        stderr=log,
    )
    sync = SyncLoop(production)
    results = folder / f"locust-{label}.json"
    try:
        wait_until_answering(f"{host}/healthz", server)
        sync.start()
        locust_env = {
            **production,
            "PYTHONPATH": str(ROOT),
            "LOAD_PASSWORD": accounts["password"],
            "LOAD_SPRINT": str(accounts["sprint"]),
            "LOAD_USERS": str(options.users),
            "LOAD_SECONDS": str(options.seconds),
            "LOAD_MAX_REQUESTS": str(options.max_requests),
            "LOAD_RESULTS": str(results),
        }
        users = options.users + 1  # and the one delivering webhooks
        versions = data_version(database_url)
        subprocess.run(
            [
                *(sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks/locustfile.py")),
                *("--headless", "--only-summary", "--host", host, "--loglevel", "WARNING"),
                *("--users", str(users), "--spawn-rate", str(users)),
                *("--run-time", f"{options.seconds + LOGIN_ALLOWANCE_SECONDS}s"),
                *("--stop-timeout", "10", "--exit-code-on-error", "0"),
            ],
            cwd=ROOT,
            env=locust_env,
            stdout=(folder / f"locust-{label}.log").open("w"),
            stderr=subprocess.STDOUT,
            timeout=options.seconds + LOGIN_ALLOWANCE_SECONDS + 120,
        )
        versions = data_version(database_url) - versions
    finally:
        sync.stopping.set()
        server.terminate()
        server.wait(timeout=60)
        log.close()
    sync.join(timeout=600)
    if not results.exists():
        raise SystemExit(
            f"locust wrote no results:\n{(folder / f'locust-{label}.log').read_text()[-3000:]}"
        )
    outcome = json.loads(results.read_text())
    figure(f"load_{label}_users", options.users)
    figure(f"load_{label}_seconds", float(outcome["seconds"]))
    figure(f"load_{label}_requests", outcome["requests"])
    figure(f"load_{label}_requests_per_second", outcome["requests"] / outcome["seconds"])
    figure(f"load_{label}_p95_ms", float(outcome["p95_ms"] or 0))
    for name, ms in sorted(outcome["p95_ms_by_page"].items()):
        figure(f"load_{label}_p95_ms_{name.replace(' ', '_')}", float(ms))
    figure(f"load_{label}_errors", outcome["errors"] + len(sync.failures))
    figure(f"load_{label}_webhooks_delivered", outcome["webhooks"])
    figure(f"load_{label}_sync_runs_finished", sync.finished)
    figure(f"load_{label}_data_versions", versions)  # the logins included: each is a write
    failures = [f"{f['name']}: {f['detail']}" for f in outcome["failures"]]
    failures += [f"sync: {text}" for text in sync.failures]
    if outcome["logins"] < options.users:
        failures.append(f"only {outcome['logins']} of {options.users} users logged in")
    server_log = (folder / f"gunicorn-{label}.log").read_text().strip()
    if failures and server_log:
        failures.append(f"gunicorn's log:\n{server_log[-3000:]}")
    return failures


def main(argv: list[str] | None = None) -> None:
    options = arguments(argv)
    if options.prepare:
        prepare(options.prepare)
        return
    failed: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="oncall-load-") as tmp:
        folder = Path(tmp)
        with sandbox_upstreams(folder, "--live-interval", "5", "--quiet") as sandbox:
            if options.database in {"sqlite", "both"}:
                url = f"sqlite:///{folder / 'load.sqlite3'}"
                failed["sqlite"] = load_run("sqlite", url, sandbox, options, folder)
            if options.database in {"postgres", "both"}:
                admin = os.environ.get("BENCH_DATABASE_URL", POSTGRES_DEFAULT)
                why = postgres_unreachable(admin)
                if why:
                    print(f"load_postgres: not run: PostgreSQL {why}", flush=True)
                else:
                    with postgres_database(admin) as url:
                        failed["postgres"] = load_run("postgres", url, sandbox, options, folder)
    errors = {label: lines for label, lines in failed.items() if lines}
    if errors:
        for label, lines in errors.items():
            print(f"load test on {label}: requests failed; the first:", file=sys.stderr)
            for line in lines[:10]:
                print(f"  {line}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()

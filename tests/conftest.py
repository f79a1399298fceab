"""Shared fixtures: factories for the team, and a guard against reaching the internet."""

import io
import socket
from datetime import date
from urllib.parse import urlsplit

import pytest
import time_machine
from hypothesis import settings as hypothesis_settings

from rotations.models import Engineer, PartnerTeam, Service, SprintCadence
from tests.clock import NOW

# No test asserts how long something took: Hypothesis's per-example deadline is a wall-clock
# assertion, and a busy CI machine (or a first call warming a cache) trips it.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a file, as the site does: Django's default in-memory test database
    is shared between threads with table locks that fail at once ("database table is
    locked") instead of waiting, which no deployed database does."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


@pytest.fixture(scope="session", autouse=True)
def _own_redis_cache(worker_id):
    """With REDIS_URL, each test process keeps its pages in a Redis database of its own
    (the broker's stays apart): clearing the cache after a test flushes that database, and
    another process's kept pages, computed from its own test database, are not ours."""
    from django.conf import settings
    from django.test import override_settings

    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        yield
        return
    number = int(worker_id[2:]) + 1 if worker_id.startswith("gw") else 1
    location = urlsplit(cache["LOCATION"])._replace(path=f"/{number % 16}").geturl()
    with override_settings(CACHES={"default": {**cache, "LOCATION": location}}):
        yield


@pytest.fixture(autouse=True)
def _pages_computed_every_time(settings):
    """The dashboard's kept pages (oncall_site/page_cache.py) are tested on their own; every
    other test sees what its own rows compute to."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 0
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Tests talk to 127.0.0.1 only; anything else is a bug in the test."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in {"127.0.0.1", "localhost", "::1"}
            and not host.startswith("/")
        ):
            raise RuntimeError(f"test tried to reach {address!r}; tests stay on loopback")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def make_engineer(db):
    def make(name: str, **kwargs) -> Engineer:
        return Engineer.objects.create(name=name, **kwargs)

    return make


@pytest.fixture
def cadence(db) -> SprintCadence:
    return SprintCadence.objects.create(
        anchor_number=1, anchor_start=date(2026, 1, 7), length_days=14
    )


@pytest.fixture
def platform_team(db) -> PartnerTeam:
    team = PartnerTeam.objects.create(name="Platform", slug="platform", is_platform=True)
    Service.objects.create(name="svc-bgs-api", team=team)
    return team


@pytest.fixture
def demo_team(db, at_now):
    """The demo team, calendar and rotations, as `make demo` loads them, seeded at `NOW`."""
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def lead(db, django_user_model):
    return django_user_model.objects.create_user(
        "lead", password="pw-for-tests-only", is_staff=True, is_superuser=True
    )


@pytest.fixture
def member(db, django_user_model):
    return django_user_model.objects.create_user("member", password="pw-for-tests-only")


from tests.sandbox_fixtures import make_sandbox, sandbox  # noqa: E402,F401 - fixtures


@pytest.fixture
def at_now():
    """The process's clock set to the suite's `NOW` and ticking from there, for code that
    reads the time itself (pages, the sync engine's default `now`)."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def upstreams(sandbox, settings, at_now):  # noqa: F811 - the sandbox fixture
    """Every source configured and pointed at the sandbox, with small timeouts and retries;
    the site's clock starts at the sandbox's `NOW` too."""
    env = sandbox.env()
    settings.GITHUB_API_URL = env["GITHUB_API_URL"]
    settings.GITHUB_TOKEN = env["GITHUB_TOKEN"]
    settings.GITHUB_REPOSITORY = env["GITHUB_REPOSITORY"]
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = 0
    settings.PAGERDUTY_API_URL = env["PAGERDUTY_API_URL"]
    settings.PAGERDUTY_API_TOKEN = env["PAGERDUTY_API_TOKEN"]
    settings.PAGERDUTY_SERVICE_IDS = env["PAGERDUTY_SERVICE_IDS"].split(",")
    settings.PAGERDUTY_SCHEDULE_IDS = env["PAGERDUTY_SCHEDULE_IDS"].split(",")
    settings.DATADOG_API_URL = env["DATADOG_API_URL"]
    settings.DATADOG_API_KEY = env["DATADOG_API_KEY"]
    settings.DATADOG_APP_KEY = env["DATADOG_APP_KEY"]
    settings.DATADOG_MONITOR_QUERY = env["DATADOG_MONITOR_QUERY"]
    settings.SLACK_WEBHOOK_URL = env["SLACK_WEBHOOK_URL"]
    settings.UPSTREAM_TIMEOUT_SECONDS = 1
    settings.UPSTREAM_MAX_RETRIES = 2
    settings.UPSTREAM_BACKOFF_SECONDS = 0.01
    settings.UPSTREAM_MAX_WAIT_SECONDS = 2
    return sandbox

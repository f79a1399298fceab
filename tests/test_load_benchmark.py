"""The load benchmark (`benchmarks/load.py`) without a load: every page its users read answers
an ordinary account over the demo team, the login form gives the token its users send, the
webhooks it delivers are accepted, and it keeps to its bounds. Locust is never imported here:
its gevent patches the standard library (`benchmarks/locustfile.py` runs in its own process).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.test import Client

from benchmarks import load
from incidents.models import Incident, State
from tests.clock import NOW

BENCHMARKS = Path(load.__file__).parent
PASSWORD = "pw-for-tests-only-4d1c"


@pytest.fixture
def account(db, django_user_model):
    return django_user_model.objects.create_user(f"{load.USER_PREFIX}0", password=PASSWORD)


def test_every_page_the_users_read_answers_an_ordinary_account(client, demo_team, account):
    from rotations.selectors import current_sprint

    client.force_login(account)
    for page in load.pages(current_sprint(now=NOW).number):
        response = client.get(page.path)
        assert response.status_code == 200, (page, response.status_code)
        if page.path == "/":
            # What the users then fetch once, as a browser with an empty cache does.
            assert load.STATIC_FILE.findall(response.content.decode())


def test_the_users_log_in_with_the_forms_token(db, account):
    client = Client(enforce_csrf_checks=True)
    token = load.CSRF_FIELD.search(client.get("/accounts/login/").content.decode())
    assert token is not None
    response = client.post(
        "/accounts/login/",
        {"username": account.username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]},
    )
    assert response.status_code == 302 and response.url == "/"


def test_its_webhook_deliveries_are_signed_and_take_an_incident_through(
    client, demo_team, settings
):
    settings.PAGERDUTY_WEBHOOK_SECRET = "load-secret-for-tests"
    for n in range(3):
        body, signature = load.webhook_delivery(n, "load-secret-for-tests", now=NOW)
        response = client.post(
            "/webhooks/pagerduty",
            body,
            content_type="application/json",
            HTTP_X_PAGERDUTY_SIGNATURE=signature,
        )
        assert response.status_code in (200, 202), response.content
    assert Incident.objects.get(external_id="PLOAD900000").state == State.RESOLVED


@pytest.mark.parametrize(
    "argv",
    [
        ["--users", "0"],
        ["--users", str(load.MAX_USERS + 1)],
        ["--seconds", "4"],
        ["--seconds", str(load.MAX_SECONDS + 1)],
        ["--max-requests", "0"],
        ["--max-requests", str(load.MAX_REQUESTS + 1)],
        ["--database", "mysql"],
    ],
)
def test_it_refuses_to_run_unbounded(argv):
    with pytest.raises(SystemExit):
        load.arguments(argv)


def test_it_runs_fifty_users_for_a_minute_on_both_databases_by_default():
    options = load.arguments([])
    assert (options.users, options.seconds, options.database) == (50, 60, "both")
    assert options.max_requests <= load.MAX_REQUESTS


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8000", True),
        ("https://127.0.0.1", True),
        ("http://localhost:8000", False),
        ("http://127.0.0.2:8000", False),
        ("http://example.com", False),
        ("", False),
    ],
)
def test_it_loads_only_loopback(url, allowed):
    assert load.loopback(url) is allowed


def test_p95_is_the_nearest_rank():
    assert load.p95([]) is None
    assert load.p95([7.0]) == 7.0
    assert load.p95([float(n) for n in range(100, 0, -1)]) == 95.0


def test_only_the_locustfile_imports_locust_or_gevent():
    for path in BENCHMARKS.glob("*.py"):
        tree = ast.parse(path.read_text())
        names = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        uses = {name.split(".")[0] for name in names} & {"locust", "gevent"}
        assert not uses or path.name == "locustfile.py", path

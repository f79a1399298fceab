"""Kept pages: valid for one data version and one minute; every way of writing raises the
version, so what a person or a sync changes shows on the next refresh."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oncall_site import data_version
from oncall_site.page_cache import kept
from oncall_site.sync import runner
from rotations.models import Engineer
from tests.clock import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeping(settings, at_now):
    settings.PAGE_CACHE_SECONDS = 120
    cache.clear()
    return at_now


def counting():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return calls, compute


def test_kept_until_the_version_changes(keeping) -> None:
    calls, compute = counting()
    assert kept("x", compute) == 1
    assert kept("x", compute) == 1
    data_version.bump()
    assert kept("x", compute) == 2
    assert len(calls) == 2


def test_kept_for_one_minute_of_the_clock(settings, time_machine) -> None:
    settings.PAGE_CACHE_SECONDS = 120
    calls, compute = counting()
    start = NOW.replace(second=5)
    time_machine.move_to(start, tick=False)
    kept("x", compute)
    time_machine.move_to(start + timedelta(seconds=54), tick=False)
    assert kept("x", compute) == 1
    time_machine.move_to(start + timedelta(seconds=56), tick=False)
    assert kept("x", compute) == 2


def test_not_kept_when_switched_off(settings) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    calls, compute = counting()
    kept("x", compute)
    kept("x", compute)
    assert len(calls) == 2


def test_a_saved_row_raises_the_version_once_per_transaction(
    django_capture_on_commit_callbacks,
) -> None:
    before = data_version.current()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(3):
            Engineer.objects.create(name=f"E{n}", email=f"e{n}@example.org")
    assert data_version.current() == before + 1


def test_a_deleted_row_raises_the_version(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        engineer = Engineer.objects.create(name="E", email="e@example.org")
    connection.run_on_commit.clear()  # as the commit of that save would leave it
    before = data_version.current()
    with django_capture_on_commit_callbacks(execute=True):
        engineer.delete()
    assert data_version.current() == before + 1


def test_a_post_raises_the_version_and_a_get_or_a_login_does_not(client: Client) -> None:
    user = get_user_model().objects.create_user("viewer", password="x")
    client.post("/accounts/login/", {"username": "viewer", "password": "x"})
    before = data_version.current()
    client.get("/healthz")
    assert data_version.current() == before
    client.post(reverse("incident-new"), {})  # refused or invalid: a write was tried
    assert data_version.current() == before + 1
    client.post("/accounts/logout/")
    client.force_login(user)
    assert data_version.current() == before + 1


def test_a_sync_run_raises_the_version_even_when_it_fails(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "_run_job", broken)
    before = data_version.current()
    with pytest.raises(RuntimeError):
        runner.run_job("github.secrel_runs")
    assert data_version.current() == before + 1


def test_a_task_raises_the_version_but_the_heartbeat_and_sync_runs_do_not() -> None:
    from django_q.signals import post_execute

    before = data_version.current()
    post_execute.send(sender="django_q", task={"func": "oncall_site.tasks.heartbeat"})
    post_execute.send(sender="django_q", task={"func": "oncall_site.tasks.sync_job"})
    assert data_version.current() == before
    post_execute.send(sender="django_q", task={"func": "releases.tasks.release_reminders"})
    assert data_version.current() == before + 1


def test_dashboard_is_kept_per_user_and_recomputed_after_a_write(
    keeping, django_assert_max_num_queries
) -> None:
    users = get_user_model()
    first, second = (users.objects.create_user(name, password="x") for name in ("ann", "bo"))
    ann, bo = Client(), Client()
    ann.force_login(first)
    bo.force_login(second)
    ann.get("/")
    # Kept: the session, the user, the data version and the sprint every page names in its
    # header; nothing of the panels.
    with django_assert_max_num_queries(4):
        kept_page = ann.get("/")
    assert b"needs-heading" in kept_page.content
    ann.get("/needs/")
    with django_assert_max_num_queries(4):
        ann.get("/needs/")
    # Another user computes their own (their role and forms differ).
    with CaptureQueriesContext(connection) as bo_queries:
        assert bo.get("/").status_code == 200
    assert len(bo_queries) > 10
    Engineer.objects.create(name="Newcomer", email="n@example.org")
    data_version.bump()  # what the commit of that save does outside a test's transaction
    with CaptureQueriesContext(connection) as recomputed:
        ann.get("/needs/")
    assert len(recomputed) > 3

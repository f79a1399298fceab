"""/healthz: public JSON with the database status and the worker heartbeat age."""

from datetime import timedelta

import pytest
from django.utils import timezone

from oncall_site import tasks
from oncall_site.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_it_is_public_and_reports_no_worker_yet(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"]["status"] == "ok"
    assert body["worker"]["status"] == "unknown" and body["worker"]["heartbeat_age_seconds"] is None
    assert body["status"] == "degraded"


def test_it_reports_a_live_worker_after_a_heartbeat(client):
    tasks.heartbeat()
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["worker"]["status"] == "ok"
    assert 0 <= body["worker"]["heartbeat_age_seconds"] < 5


def test_it_reports_a_dead_worker(client, settings):
    WorkerHeartbeat.beat(
        now=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS + 60)
    )
    body = client.get("/healthz").json()
    assert body["worker"]["status"] == "stale" and body["status"] == "degraded"
    assert body["worker"]["heartbeat_age_seconds"] > settings.WORKER_HEARTBEAT_STALE_SECONDS


def test_it_keeps_one_heartbeat_row():
    tasks.heartbeat()
    tasks.heartbeat()
    assert WorkerHeartbeat.objects.count() == 1


def test_it_runs_the_heartbeat_through_the_queue(settings):
    from django_q.tasks import async_task

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    from django_q.conf import Conf

    old = Conf.SYNC
    Conf.SYNC = True
    try:
        async_task("oncall_site.tasks.heartbeat")
    finally:
        Conf.SYNC = old
    assert WorkerHeartbeat.objects.count() == 1

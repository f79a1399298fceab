"""Two workers at once, on whichever database the suite runs (SQLite; PostgreSQL and Redis
with `make test-postgres`): each scheduled job runs once per due time.

Guarded twice: django-q2's scheduler turns a due schedule into one task (it locks the
schedules' rows, or SQLite's write lock, while it moves them on), and each job claims its
work in the database before doing it, so a task handed out twice, a retry or a manual run
beside a scheduled one still does the work once (the reminders' own tests:
tests/releases/test_reminders.py, tests/reports/test_notice_at_once.py,
tests/security/test_findings_reminder_at_once.py)."""

from __future__ import annotations

import io
import secrets
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q.brokers import Broker, get_broker
from django_q.models import Schedule
from django_q.scheduler import scheduler
from django_q.signing import SignedPackage

from incidents.models import Incident
from oncall_site import tasks
from oncall_site.models import SyncJobState
from oncall_site.sync import runner
from tests.processes import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def drained(broker: Broker) -> list[dict]:
    """Every task waiting in `broker`, taken off it."""
    found: list[dict] = []
    while taken := broker.dequeue():
        found += [SignedPackage.loads(payload) for _, payload in taken]
    return found


def test_two_schedulers_queue_each_due_schedule_once():
    """Both workers' schedulers wake together over every due schedule (a sync job, the
    release reminder, the sprint-end notice, the SLA digest and the rest)."""
    call_command("setup_schedules", stdout=io.StringIO())
    due = timezone.now() - timedelta(minutes=1)
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {"sync-pagerduty.incidents", "release-reminders", "handoff-notice"} <= names
    assert "findings-reminder" in names
    Schedule.objects.update(next_run=due)
    # A queue of this test's own: another test process may use the default one.
    broker = get_broker(list_key=f"once-{secrets.token_hex(4)}")
    try:
        at_once(2, lambda: scheduler(broker=broker))
        queued = Counter(task["group"] for task in drained(broker))
    finally:
        broker.delete_queue()
    assert queued == Counter(dict.fromkeys(names, 1))
    assert not Schedule.objects.filter(next_run__lte=timezone.now()).exists()


@pytest.fixture
def slow_runs(monkeypatch):
    """A run takes half a second once it holds the job, so the others try meanwhile."""
    context = runner.SyncContext

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return context(*args, **kwargs)

    monkeypatch.setattr(runner, "SyncContext", slow)


@pytest.mark.usefixtures("upstreams", "demo_team", "slow_runs")
def test_a_sync_job_handed_to_four_workers_at_once_runs_once():
    said = at_once(4, lambda: tasks.sync_job("pagerduty.incidents"))
    assert sorted(s.split(":")[0] for s in said) == ["busy", "busy", "busy", "ok"], said
    ids = list(Incident.objects.values_list("external_id", flat=True))
    assert len(ids) == len(set(ids)) > 0
    state = SyncJobState.objects.get(job="pagerduty.incidents")
    assert state.run_token == "" and state.last_success_at is not None

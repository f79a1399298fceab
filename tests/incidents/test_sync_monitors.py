"""The Datadog monitors job end to end (sandbox upstream): each change of a monitor's state
stored once, and the monitors a downtime silences marked muted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents.models import DatadogMonitor, MonitorTransition
from oncall_site.sync import run_job
from sandbox import Monitor, MonitorEpisode

pytestmark = pytest.mark.django_db
JOB = "datadog.monitors"
MIN = timedelta(minutes=1)


def test_each_change_of_state_is_stored_once_and_the_muted_monitor_is_marked(upstreams):
    now = upstreams.now()
    flapping = Monitor(
        id=11,
        name="BIE Kafka consumer lag high",
        episodes=tuple(
            MonitorEpisode(start=now + n * 10 * MIN, end=now + (n * 10 + 5) * MIN, state="Warn")
            for n in range(3)
        ),
    )
    muted = Monitor(
        id=12,
        name="db-init migration job failed",
        episodes=(MonitorEpisode(start=now - 60 * MIN, end=now + 600 * MIN, state="Alert"),),
        muted_since=now - 30 * MIN,
    )
    quiet = Monitor(id=13, name="never fires")
    upstreams.load(monitors=[flapping, muted, quiet])

    states = []
    for minute in range(0, 30, 5):  # a sync every 5 minutes: Warn, OK, Warn, OK, Warn, OK
        at = upstreams.clock.advance(minutes=5 if minute else 1)
        assert run_job(JOB, now=at).status == "ok"
        states.append(DatadogMonitor.objects.get(monitor_id=11).status)
    assert states == ["Warn", "OK", "Warn", "OK", "Warn", "OK"]

    changes = list(
        MonitorTransition.objects.filter(monitor__monitor_id=11).values_list(
            "from_state", "to_state"
        )
    )
    assert changes == [
        ("", "Warn"),
        ("Warn", "OK"),
        ("OK", "Warn"),
        ("Warn", "OK"),
        ("OK", "Warn"),
        ("Warn", "OK"),
    ]
    # Datadog's search gives no overall_state_modified: the first at its trigger time,
    # the rest at the sync's time.
    first = MonitorTransition.objects.filter(monitor__monitor_id=11).first()
    assert first.at == now
    # A repeated sync records nothing again.
    count = MonitorTransition.objects.count()
    assert run_job(JOB, now=upstreams.now()).written == 0
    assert MonitorTransition.objects.count() == count

    stored = {m.monitor_id: m for m in DatadogMonitor.objects.all()}
    assert stored[12].muted and not stored[11].muted
    assert 13 not in stored  # never alerting: nothing to hang its states on
    assert list(
        MonitorTransition.objects.filter(monitor__monitor_id=12).values_list(
            "from_state", "to_state", "at"
        )
    ) == [("", "Alert", now - 60 * MIN)]

"""What of the incidents and alerts needs the pair now (`incidents.selectors_needs`), on
hand-made rows at the fixed NOW."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents import selectors_needs
from incidents.models import DatadogMonitor, State
from incidents.selectors_needs import CAP, alert_needs, incident_needs, ticket_needs
from tests.clock import NOW

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


def kinds(needs):
    return [(n.kind, n.title) for n in needs]


def test_triggered_incidents_are_named_with_their_wait_and_severity(make_incident):
    sev3 = make_incident("Slow claims search", started_at=NOW - 40 * MIN, severity="SEV3")
    sev1 = make_incident("BIP API down", started_at=NOW - 5 * MIN, severity="SEV1")
    make_incident("Acked", started_at=NOW - 50 * MIN, state=State.ACKNOWLEDGED, severity="SEV3")
    needs = selectors_needs.triggered_needs()
    assert [(n.title, n.since, n.rank) for n in needs] == [
        (str(sev3), sev3.started_at, 2),
        (str(sev1), sev1.started_at, 0),
    ]
    assert needs[1].url == f"/incidents/{sev1.pk}/"
    assert "SEV1" in needs[1].detail and "not acknowledged" in needs[1].detail


def test_past_the_cap_the_rest_of_the_triggered_are_one_line_linking_to_them(make_incident):
    for n in range(CAP + 3):
        make_incident(f"page {n}", started_at=NOW - (n + 1) * MIN)
    needs = selectors_needs.triggered_needs()
    assert len(needs) == CAP + 1
    more = needs[-1]
    assert (more.title, more.count) == ("3 more triggered incidents", 3)
    assert more.url == "/incidents/?state=triggered"
    assert sum(n.count for n in needs) == CAP + 3


def test_an_urgent_open_incident_is_overdue_after_thirty_minutes_without_update(make_incident):
    late = make_incident(
        "Late",
        started_at=NOW - 2 * 60 * MIN,
        state=State.ACKNOWLEDGED,
        severity="SEV2",
        last_update_at=NOW - 31 * MIN,
    )
    make_incident(  # exactly 30 minutes: due, not overdue
        "Due",
        started_at=NOW - 60 * MIN,
        state=State.MITIGATED,
        severity="SEV1",
        last_update_at=NOW - 30 * MIN,
    )
    make_incident(  # not urgent
        "Minor", started_at=NOW - 3 * 60 * MIN, state=State.ACKNOWLEDGED, severity="SEV3"
    )
    make_incident(  # over
        "Over",
        started_at=NOW - 3 * 60 * MIN,
        state=State.RESOLVED,
        severity="SEV1",
        resolved_at=NOW - 60 * MIN,
    )
    needs = selectors_needs.update_overdue_needs(now=NOW)
    assert [(n.title, n.since) for n in needs] == [(str(late), NOW - 31 * MIN)]


def monitor(n: int, status: str = "Alert", **fields) -> DatadogMonitor:
    return DatadogMonitor.objects.create(
        monitor_id=n,
        name=f"monitor {n}",
        status=status,
        triggered_at=NOW - n * MIN,
        first_seen_at=NOW - n * MIN,
        last_seen_at=NOW,
        **fields,
    )


def test_a_monitor_alerting_with_no_incident_needs_someone(make_incident):
    loose = monitor(1)
    covered = monitor(2)
    covered.incident = make_incident("Declared", started_at=NOW - MIN)
    covered.save()
    monitor(3, status="Warn")
    monitor(4, active=False)
    needs = alert_needs()
    assert [(n.title, n.since, n.url) for n in needs] == [
        ("monitor 1", loose.firing_since, f"/alerts/#alert-{loose.pk}")
    ]


def test_incidents_owing_a_ticket_are_counted_since_the_sprint_began(make_incident):
    start = NOW - 3 * 24 * 60 * MIN
    make_incident("Owes", started_at=start + MIN, state=State.RESOLVED)
    make_incident("Owes too", started_at=start, state=State.ACKNOWLEDGED)
    make_incident("Before", started_at=start - MIN, state=State.RESOLVED)
    make_incident("Has one", started_at=NOW - MIN, ticket_url="https://github.com/o/r/issues/1")
    make_incident("False alarm", started_at=NOW - MIN, state=State.CANCELED)
    needs = ticket_needs(since=start)
    assert [(n.title, n.count) for n in needs] == [("2 incidents without a ticket", 2)]
    assert needs[0].url.startswith("/incidents/?ticket=no&since=")
    assert ticket_needs(since=NOW) == []


def test_with_no_sprint_the_tickets_owed_reach_back_two_weeks(make_incident):
    make_incident("Recent", started_at=NOW - 13 * 24 * 60 * MIN, state=State.RESOLVED)
    make_incident("Old", started_at=NOW - 15 * 24 * 60 * MIN, state=State.RESOLVED)
    needs = incident_needs(now=NOW, sprint_start=None)
    assert [(n.kind, n.count) for n in needs] == [("ticket_owed", 1)]

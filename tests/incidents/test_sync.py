"""The incidents app's jobs, storing hand-made upstream records (no upstream needed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from incidents import sync, sync_datadog
from incidents.models import DatadogMonitor, Incident
from oncall_site.integrations import datadog, pagerduty
from oncall_site.sync import SyncContext
from rotations.models import PartnerTeam, Service
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def upstream(incident_id: str = "Q1", **changes) -> pagerduty.PagerDutyIncident:
    fields = {
        "id": incident_id,
        "number": 12,
        "title": "svc-bgs-api 5xx rate above 5%",
        "status": "triggered",
        "urgency": "high",
        "priority_name": "P2",
        "service_id": "PBGSAPI",
        "service_name": "svc-bgs-api",
        "created_at": NOW - timedelta(hours=2),
        "resolved_at": None,
        "acknowledged_at": None,
        "last_status_change_at": None,
        "html_url": f"https://example.pagerduty.com/incidents/{incident_id}",
    }
    return pagerduty.PagerDutyIncident(**{**fields, **changes})


@pytest.fixture
def services() -> dict[str, int]:
    team = PartnerTeam.objects.create(name="Platform", slug="platform", is_platform=True)
    svc = Service.objects.create(name="svc-bgs-api", team=team, pagerduty_service_id="PBGSAPI")
    return {"PBGSAPI": svc.pk}


def test_it_maps_the_service_and_the_severity_from_the_priority(services, settings):
    settings.PAGERDUTY_PRIORITY_SEVERITIES = {"P2": "SEV1"}
    sync.store_incidents([upstream()], services)
    row = Incident.objects.get()
    assert row.service.name == "svc-bgs-api" and row.severity == "SEV1"
    assert (row.source, row.external_id, row.state, row.needs_review) == (
        "pagerduty",
        "Q1",
        "triggered",
        False,
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"service_id": "PUNKNOWN"}, "PagerDuty service PUNKNOWN is not mapped"),
        ({"priority_name": None, "urgency": None}, "no priority or urgency"),
        ({"status": "resolved"}, "resolved without a resolution time"),
        ({"acknowledged_at": NOW - timedelta(hours=3)}, "acknowledged before it was created"),
        ({"resolved_at": NOW - timedelta(hours=3)}, "resolved before it was created"),
    ],
)
def test_what_does_not_add_up_is_stored_and_flagged(services, changes, reason):
    sync.store_incidents([upstream(**changes)], services)
    row = Incident.objects.get()
    assert row.needs_review and reason in row.review_reason
    assert row.acknowledged_at is None or row.acknowledged_at >= row.started_at
    assert row.resolved_at is None or row.resolved_at >= row.started_at


def test_an_acknowledgement_after_the_resolution_is_not_an_acknowledgement(services):
    resolved = NOW - timedelta(hours=1)
    sync.store_incidents(
        [upstream(status="resolved", resolved_at=resolved, acknowledged_at=NOW)], services
    )
    assert Incident.objects.get().acknowledged_at is None


def test_the_log_gives_the_first_acknowledgement_within_the_incident(services):
    sync.store_incidents(
        [upstream("Q1", status="resolved", resolved_at=NOW), upstream("Q2")], services
    )
    first = NOW - timedelta(hours=1, minutes=50)
    written = sync.apply_acknowledgements(
        {"Q1": first, "Q2": NOW - timedelta(hours=5), "Q9": first}
    )
    assert written == 1
    acks = dict(Incident.objects.values_list("external_id", "acknowledged_at"))
    assert acks == {"Q1": first, "Q2": None}  # Q2's ack is before its start: ignored
    assert sync.apply_acknowledgements({"Q1": first + timedelta(minutes=5)}) == 0


def context() -> SyncContext:
    return SyncContext(config=None, client=None, now=NOW, cursor={}, progress=lambda m: None)


def monitor(monitor_id: int, status: str = "Alert") -> datadog.Monitor:
    return datadog.Monitor(
        id=monitor_id,
        name=f"monitor {monitor_id}",
        status=status,
        tags=("team:vro",),
        last_triggered_at=NOW - timedelta(minutes=5),
        url=f"https://app.datadoghq.com/monitors/{monitor_id}",
    )


def test_a_monitor_listed_on_two_pages_is_stored_once(monkeypatch):
    """Monitors change state while the pages are read: one shows up on two of them."""

    def pages(client, config, statuses=None, muted_only=False) -> Iterator[datadog.Monitor]:
        if muted_only:
            return
        yield from [monitor(1), monitor(2)]
        yield from [monitor(2, "Warn"), monitor(3)]

    monkeypatch.setattr(sync_datadog.datadog, "iter_monitors", pages)
    monkeypatch.setattr(sync.SyncContext, "batches", lambda self, items, size=2: _pairs(items))
    ctx = context()
    sync_datadog.datadog_monitors(ctx)
    assert dict(DatadogMonitor.objects.values_list("monitor_id", "status")) == {
        1: "Alert",
        2: "Warn",
        3: "Alert",
    }
    assert ctx.fetched == 4


def listing(*monitors: datadog.Monitor):
    """A fake `iter_monitors`: these monitors, none of them muted."""

    def fake(client, config, statuses=None, muted_only=False) -> Iterator[datadog.Monitor]:
        return iter(() if muted_only else monitors)

    return fake


def _pairs(items):
    items = list(items)
    return [items[i : i + 2] for i in range(0, len(items), 2)]


def test_monitors_no_longer_listed_are_marked_recovered_only_after_the_whole_list(monkeypatch):
    monkeypatch.setattr(sync_datadog.datadog, "iter_monitors", listing(monitor(1), monitor(2)))
    sync_datadog.datadog_monitors(context())

    def broken(client, config, statuses=None, muted_only=False):
        yield monitor(1)
        raise datadog_error()

    monkeypatch.setattr(sync_datadog.datadog, "iter_monitors", broken)
    with pytest.raises(Exception, match="Datadog is having trouble"):
        sync_datadog.datadog_monitors(context())
    assert DatadogMonitor.objects.filter(active=True).count() == 2  # nothing marked recovered

    monkeypatch.setattr(sync_datadog.datadog, "iter_monitors", listing(monitor(1)))
    sync_datadog.datadog_monitors(context())
    assert dict(DatadogMonitor.objects.values_list("monitor_id", "active")) == {1: True, 2: False}
    assert DatadogMonitor.objects.get(monitor_id=2).status == "OK"


def datadog_error():
    from oncall_site.integrations.errors import Unavailable

    return Unavailable("datadog", "Datadog is having trouble (HTTP 502)", status=502)

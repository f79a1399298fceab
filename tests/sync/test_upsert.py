"""The one upsert, on hand-made items: ownership, duplicates, links, no needless writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError

from incidents.models import DatadogMonitor, Incident
from incidents.sync import INCIDENTS
from incidents.sync_datadog import MONITORS
from oncall_site.sync import Ownership, upsert
from oncall_site.sync import store as upsert_module
from security.models import DependabotPR
from security.sync import PRS
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def monitor(monitor_id: int = 101, **changes) -> dict:
    fields = {
        "monitor_id": monitor_id,
        "name": "BGS downstream errors above 0",
        "status": "Alert",
        "tags": ["team:vro"],
        "triggered_at": NOW - timedelta(minutes=12),
        "url": "https://app.datadoghq.com/monitors/101",
        "monitor_type": "metric alert",
        "active": True,
        "first_seen_at": NOW,
    }
    return {**fields, **changes}


def incident(external_id: str = "Q1", **changes) -> dict:
    fields = {
        "source": "pagerduty",
        "external_id": external_id,
        "number": 1,
        "title": "BIP elevated average latency",
        "state": "triggered",
        "severity": "SEV2",
        "urgency": "high",
        "priority": "P2",
        "service_id": None,
        "upstream_service_id": "PBIPAPI",
        "started_at": NOW - timedelta(hours=1),
        "acknowledged_at": None,
        "resolved_at": None,
        "upstream_url": "https://example.pagerduty.com/incidents/Q1",
        "needs_review": False,
        "review_reason": "",
    }
    return {**fields, **changes}


def test_the_same_item_twice_in_one_batch_is_stored_once_the_later_copy_winning():
    written = upsert(MONITORS, [monitor(status="Warn"), monitor(status="Alert")], now=NOW)
    assert (written.created, written.duplicates) == (1, 1)
    assert list(DatadogMonitor.objects.values_list("monitor_id", "status")) == [(101, "Alert")]


def test_an_item_seen_again_in_a_later_batch_updates_the_row():
    upsert(MONITORS, [monitor(status="Warn")], now=NOW)
    written = upsert(MONITORS, [monitor(status="Alert")], now=NOW + timedelta(minutes=1))
    assert (written.created, written.updated) == (0, 1)
    row = DatadogMonitor.objects.get()
    assert row.status == "Alert" and row.last_seen_at == NOW + timedelta(minutes=1)
    assert row.first_seen_at == NOW  # create-only fields are not rewritten


def test_nothing_is_written_when_nothing_changed(django_assert_num_queries):
    upsert(MONITORS, [monitor(), monitor(102)], now=NOW)
    with django_assert_num_queries(1):  # the read; no write
        written = upsert(MONITORS, [monitor(), monitor(102)], now=NOW + timedelta(minutes=1))
    assert written.total == 0
    assert DatadogMonitor.objects.get(monitor_id=101).last_seen_at == NOW


def test_a_persons_severity_correction_survives_the_next_sync():
    upsert(INCIDENTS, [incident()])
    Incident.objects.update(severity="SEV1")  # the on-call engineer knows better
    upsert(INCIDENTS, [incident(title="BIP latency above 2 s")])
    row = Incident.objects.get()
    assert row.severity == "SEV1" and row.title == "BIP latency above 2 s"


def test_a_new_priority_upstream_re_derives_the_severity():
    upsert(INCIDENTS, [incident()])
    Incident.objects.update(severity="SEV1")
    upsert(INCIDENTS, [incident(priority="P3", severity="SEV3")])
    assert Incident.objects.get().severity == "SEV3"


def test_fields_people_own_are_never_touched():
    upsert(INCIDENTS, [incident()])
    Incident.objects.update(
        ticket_url="https://github.com/org/repo/issues/7", root_cause="external", description="BIP"
    )
    upsert(INCIDENTS, [incident(state="acknowledged")])
    row = Incident.objects.get()
    assert (row.ticket_url, row.root_cause, row.description) == (
        "https://github.com/org/repo/issues/7",
        "external",
        "BIP",
    )
    assert row.state == "acknowledged"


def test_a_local_state_stands_until_the_upstream_resolves():
    upsert(INCIDENTS, [incident()])
    Incident.objects.update(state="mitigated")
    upsert(INCIDENTS, [incident(state="acknowledged")])
    assert Incident.objects.get().state == "mitigated"
    upsert(INCIDENTS, [incident(state="resolved", resolved_at=NOW)])
    assert Incident.objects.get().state == "resolved"


def test_the_first_acknowledgement_stands_while_it_fits():
    first = NOW - timedelta(minutes=50)
    upsert(INCIDENTS, [incident(acknowledged_at=first)])
    upsert(INCIDENTS, [incident(acknowledged_at=NOW - timedelta(minutes=10))])
    assert Incident.objects.get().acknowledged_at == first
    # The upstream moved the start after it: the stored ack no longer fits and gives way.
    upsert(INCIDENTS, [incident(started_at=NOW - timedelta(minutes=30), acknowledged_at=None)])
    assert Incident.objects.get().acknowledged_at is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "/relative/path",
        "https://",
        "https://exa mple.com/",
        None,
    ],
)
def test_only_http_links_are_stored(url):
    upsert(PRS, [pr(html_url=url)], now=NOW)
    assert DependabotPR.objects.get().html_url == ""


def test_an_http_link_is_stored_as_it_is():
    upsert(PRS, [pr()], now=NOW)
    assert DependabotPR.objects.get().html_url == "https://github.com/org/repo/pull/7"


def test_text_longer_than_its_column_is_cut_not_refused():
    upsert(PRS, [pr(title="Bump " + "x" * 600)], now=NOW)
    assert len(DependabotPR.objects.get().title) == 500


def test_mergeable_not_asked_again_keeps_the_stored_answer_for_the_same_head():
    upsert(PRS, [pr(mergeable=True)], now=NOW)
    upsert(PRS, [pr(mergeable=None)], now=NOW)
    assert DependabotPR.objects.get().mergeable is True
    upsert(PRS, [pr(mergeable=None, head_sha="b" * 40)], now=NOW)
    assert DependabotPR.objects.get().mergeable is None


def test_a_row_stored_meanwhile_is_updated_instead_of_failing_the_run(monkeypatch):
    """A webhook stores the incident between the upsert's read and its insert."""
    real = upsert_module._existing
    calls = []

    def racing(ownership, keys):
        calls.append(1)
        if len(calls) == 1:
            found = real(ownership, keys)
            Incident.objects.create(**incident(title="from the webhook"))
            return found
        return real(ownership, keys)

    monkeypatch.setattr(upsert_module, "_existing", racing)
    written = upsert(INCIDENTS, [incident(title="from the sync")])
    assert (written.created, written.updated) == (0, 1)
    assert list(Incident.objects.values_list("title", flat=True)) == ["from the sync"]


def test_a_collision_that_persists_is_raised(monkeypatch):
    monkeypatch.setattr(upsert_module, "_existing", lambda ownership, keys: {})
    Incident.objects.create(**incident())
    with pytest.raises(IntegrityError):
        upsert(INCIDENTS, [incident()])


def test_an_ownership_naming_an_unknown_field_is_refused():
    with pytest.raises(ValueError, match="has no field"):
        Ownership(DatadogMonitor, key=("monitor_id",), upstream=("nmae",))


def pr(**changes) -> dict:
    fields = {
        "number": 7,
        "title": "Bump requests from 2.31.0 to 2.32.3",
        "head_sha": "a" * 40,
        "head_ref": "dependabot/pip/requests-2.32.3",
        "base_ref": "develop",
        "opened_at": NOW - timedelta(days=3),
        "html_url": "https://github.com/org/repo/pull/7",
        "ci_status": "success",
        "draft": False,
        "mergeable": True,
        "open": True,
    }
    return {**fields, **changes}

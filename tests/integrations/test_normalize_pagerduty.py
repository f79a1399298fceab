"""PagerDuty payloads (the official examples and edge cases) -> frozen dataclasses, no HTTP."""

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime

import pytest

from oncall_site.integrations.errors import BadPayload
from oncall_site.integrations.pagerduty import (
    Acknowledgement,
    PagerDutyUser,
    first_acknowledgements,
    normalize_acknowledgement,
    normalize_incident,
    normalize_oncall,
)

from .payloads import load


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def edge(incident_id: str) -> dict:
    return next(
        i
        for i in load("pagerduty/incidents_edge_cases.json")["incidents"]
        if i["id"] == incident_id
    )


def test_it_normalizes_the_spec_example_incident():
    raw = load("pagerduty/incidents.json")["incidents"][0]

    incident = normalize_incident(raw)

    assert incident.id == "PT4KHLK"
    assert incident.number == 1234
    assert incident.title == "The server is on fire."
    assert incident.status == "resolved"
    assert incident.urgency == "high"
    assert incident.priority_name == "P2"
    assert (incident.service_id, incident.service_name) == ("PIJ90N7", "My Mail Service")
    assert incident.created_at == at(2015, 10, 6, 21, 30, 42)
    assert incident.resolved_at == at(2015, 10, 6, 21, 38, 23)
    assert incident.last_status_change_at == at(2015, 10, 6, 21, 38, 23)
    assert incident.acknowledged_at is None  # resolved: acknowledgements is empty
    assert incident.html_url == "https://subdomain.pagerduty.com/incidents/PT4KHLK"
    assert incident.escalation_policy_name == "Another Escalation Policy"
    assert incident.created_at.tzinfo is UTC


def test_it_is_frozen():
    incident = normalize_incident(edge("PNULLPR"))

    with pytest.raises(FrozenInstanceError):
        incident.status = "resolved"  # type: ignore[misc]


def test_it_keeps_a_null_priority_as_none():
    incident = normalize_incident(edge("PNULLPR"))

    assert incident.priority_name is None
    assert incident.resolved_at is None
    assert incident.assignees == (PagerDutyUser("PUSER01", "Ada Lovelace"),)


def test_it_takes_the_acknowledgement_of_a_resolved_incident_from_log_entries():
    raw = edge("PRESOLV")
    assert raw["acknowledgements"] == []

    incident = normalize_incident(raw, acknowledged_at=at(2026, 3, 8, 6, 20))

    assert incident.acknowledged_at == at(2026, 3, 8, 6, 20)
    assert incident.priority_name == "P1"


def test_it_converts_offsets_to_utc_across_the_dst_change():
    incident = normalize_incident(edge("PRESOLV"))  # 2026-03-08T01:00:00-05:00, the DST night

    assert incident.created_at == at(2026, 3, 8, 6, 0)
    assert incident.resolved_at - incident.created_at == at(2026, 3, 8, 8, 15) - at(2026, 3, 8, 6)


def test_it_takes_the_earliest_acknowledgement_of_an_open_incident():
    incident = normalize_incident(edge("PACKED"))

    assert incident.acknowledged_at == at(2026, 3, 9, 10, 2)
    assert incident.priority_name == "P3"  # a priority_reference has only a summary


def test_it_tolerates_missing_optional_fields():
    incident = normalize_incident(edge("PMINIML"))

    assert incident.number is None
    assert incident.title == "PMINIML"
    assert incident.urgency is None
    assert incident.service_id is None and incident.service_name is None
    assert incident.priority_name is None
    assert incident.assignees == ()
    # An old payload without resolved_at: the last status change is the resolution.
    assert incident.resolved_at == at(2026, 3, 10, 1, 0)


@pytest.mark.parametrize("missing", ["id", "created_at", "status"])
def test_it_rejects_an_incident_without_a_required_field(missing):
    raw = dict(edge("PNULLPR"))
    del raw[missing]

    with pytest.raises(BadPayload) as caught:
        normalize_incident(raw)

    assert caught.value.source == "pagerduty"
    assert "PagerDuty sent a response we could not read" in str(caught.value)


def test_it_rejects_a_timestamp_it_cannot_read():
    raw = dict(edge("PNULLPR"), created_at="yesterday")

    with pytest.raises(BadPayload, match="created_at"):
        normalize_incident(raw)


def test_it_ignores_log_entries_that_are_not_acknowledgements():
    trigger = load("pagerduty/log_entries.json")["log_entries"][0]

    assert trigger["type"] == "trigger_log_entry"
    assert normalize_acknowledgement(trigger) is None


def test_it_keeps_the_first_acknowledgement_per_incident():
    entries = load("pagerduty/log_entries_edge_cases.json")["log_entries"]
    acks = [a for a in map(normalize_acknowledgement, entries) if a is not None]

    assert [a.at for a in acks] == [at(2026, 3, 8, 7, 40), at(2026, 3, 8, 6, 20)]
    assert acks[1] == Acknowledgement(
        "PRESOLV", at(2026, 3, 8, 6, 20), PagerDutyUser("PUSER01", "Ada Lovelace")
    )
    assert first_acknowledgements(acks) == {"PRESOLV": at(2026, 3, 8, 6, 20)}


def test_it_normalizes_the_spec_example_oncall():
    oncall = normalize_oncall(load("pagerduty/oncalls.json")["oncalls"][0])

    assert oncall.schedule_id == "PI7DH85"
    assert oncall.escalation_level == 2
    assert (oncall.user_id, oncall.user_name) == ("PT23IWX", "Tim Wright")
    assert oncall.start == at(2015, 3, 6, 20, 28, 51)
    assert oncall.end == at(2015, 3, 7, 20, 28, 51)


def test_it_normalizes_a_permanent_oncall_without_schedule():
    raw = load("pagerduty/oncalls_edge_cases.json")["oncalls"][3]

    oncall = normalize_oncall(raw)

    assert oncall.schedule_id is None
    assert oncall.start is None and oncall.end is None
    assert oncall.escalation_policy_id == "PESC002"

"""Webhook deliveries parsed into dataclasses: PagerDuty v3 events and the Slack incident
report, on the real-shaped payloads the webhook tests post (`tests/incidents/fixtures`)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall_site.integrations import pagerduty, slack
from oncall_site.integrations.errors import UnreadableWebhook

FIXTURES = Path(__file__).parents[1] / "incidents" / "fixtures"


def delivery(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


# PagerDuty


def test_it_parses_an_incident_event():
    event = pagerduty.parse_event(delivery("pagerduty_incident_triggered.json"))

    assert event == pagerduty.IncidentEvent(
        event_id="01DEN2WAXIUGKTBFAZ7JVC2HEF",
        event_type="incident.triggered",
        occurred_at=datetime(2026, 3, 5, 15, 2, 11, 415000, tzinfo=UTC),
        agent="cc-app",
        incident_id="Q2PX7ZSGLDOWJZ",
        number=4123,
        title="cc-app: classification requests timing out",
        changed_status="triggered",
        status="triggered",
        created_at=datetime(2026, 3, 5, 15, 2, 10, tzinfo=UTC),
        priority_name="P2",
        urgency="high",
        service_id="PCCAPP1",
        html_url="https://acme.pagerduty.com/incidents/Q2PX7ZSGLDOWJZ",
        assignees=(pagerduty.PagerDutyUser("PARIVE1", "Alex Rivera"),),
    )


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("pagerduty_incident_acknowledged.json", "acknowledged"),
        ("pagerduty_incident_resolved.json", "resolved"),
        ("pagerduty_incident_priority_updated.json", None),  # not itself a status change
    ],
)
def test_it_tells_a_status_change_from_other_incident_events(name, changed):
    assert pagerduty.parse_event(delivery(name)).changed_status == changed


@pytest.mark.parametrize(
    ("event_type", "changed"),
    [("incident.unacknowledged", "triggered"), ("incident.reopened", "triggered")],
)
def test_an_incident_back_to_triggered_is_a_change_to_triggered(event_type, changed):
    body = {"event": {"event_type": event_type, "data": {"id": "Q1"}}}

    assert pagerduty.parse_event(body).changed_status == changed


def test_it_leaves_null_fields_empty_for_the_caller_to_flag():
    event = pagerduty.parse_event(delivery("pagerduty_incident_resolved_null_fields.json"))

    assert (event.title, event.created_at, event.service_id) == ("", None, "PUNKNWN")


def test_it_drops_what_it_cannot_read_or_link_to():
    body = delivery("pagerduty_incident_triggered.json")
    body["event"]["occurred_at"] = "soon"
    body["event"]["data"]["html_url"] = "javascript:alert(1)"
    body["event"]["data"]["number"] = "4123"

    event = pagerduty.parse_event(body)

    assert (event.occurred_at, event.html_url, event.number) == (None, "", None)


def test_it_parses_a_note():
    event = pagerduty.parse_event(delivery("pagerduty_incident_annotated.json"))

    assert event == pagerduty.NoteEvent(
        event_id="01DEN3E7A7JTFTKNAQ8HSM2M1B",
        occurred_at=datetime(2026, 3, 5, 15, 40, tzinfo=UTC),
        incident_id="Q2PX7ZSGLDOWJZ",
        note_id="P7VNUXN",
        content="Rolled back cc-app to 1.42.3; <b>latency</b> back to normal.",
    )


def test_it_ignores_events_the_site_does_not_use_on_purpose():
    event = pagerduty.parse_event(delivery("pagerduty_service_updated.json"))

    assert event == pagerduty.IgnoredEvent(event_type="service.updated")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messages": []}, "no `event` object"),
        ([1, 2], "no `event` object"),
        ({"event": {"event_type": "incident.triggered", "data": {}}}, "data.id is missing"),
        ({"event": {"event_type": "incident.annotated", "data": {"id": "N1"}}}, "no incident id"),
    ],
)
def test_it_refuses_a_delivery_it_cannot_key(body, message):
    with pytest.raises(UnreadableWebhook, match=message):
        pagerduty.parse_event(body)


# Slack


def test_it_parses_an_incident_report():
    report = slack.parse_incident_report(delivery("slack_incident_report.json"))

    assert report.report_id == "Ft07EXAMPLE8W:1772723531.000200"
    assert report.title == "Contention classification returns 500 on new claims"
    assert report.description.endswith("Our smoke tests are red.")
    assert (report.severity, report.severity_text) == ("SEV2", "SEV2 (major)")
    assert (report.application_non_functional, report.blocker) == (True, True)
    assert (report.reporter_team, report.reported_by, report.service) == (
        "Contention Classification",
        "Priya Natarajan",
        "cc-app",
    )
    assert report.submitted_at == datetime(2026, 3, 5, 15, 12, 11, tzinfo=UTC)


def test_it_keeps_what_a_person_typed_when_it_cannot_read_it():
    report = slack.parse_incident_report(delivery("slack_incident_report_odd_fields.json"))

    assert (report.severity, report.severity_text) == (None, "critical-ish")
    assert (report.application_non_functional, report.blocker) == (None, False)
    assert (report.title, report.description, report.submitted_at) == ("", "", None)


def test_an_untitled_report_takes_the_first_line_of_its_description():
    long_line = "word " * 40
    body = {"report_id": "R1", "description": f"  {long_line}\nsecond line"}

    title = slack.parse_incident_report(body).title

    assert title == " ".join(long_line.split())[:120] and len(title) == 120


@pytest.mark.parametrize("body", [{"description": "It is down"}, {"report_id": "  "}, "R1"])
def test_it_refuses_a_report_without_an_id(body):
    with pytest.raises(UnreadableWebhook, match="report_id"):
        slack.parse_incident_report(body)


@pytest.mark.parametrize(
    ("typed", "severity"),
    [
        ("SEV1", "SEV1"),
        ("sev 2", "SEV2"),
        ("Severity 3", "SEV3"),
        ("4 (minor)", "SEV4"),
        ("5", None),
        ("critical", None),
        ("", None),
        (None, None),
    ],
)
def test_it_reads_the_severity_a_person_typed(typed, severity):
    assert slack.severity_from_text(typed) == severity

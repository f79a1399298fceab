"""Inbound webhooks: PagerDuty v3 events and Slack incident reports, signed or refused."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from incidents.models import Incident, IncidentUpdate, Source, State

from .conftest import FIXTURES, pagerduty_signature, slack_signature

pytestmark = pytest.mark.django_db

PD_SECRET = "pd-webhook-secret-for-tests"
SLACK_SECRET = "slack-signing-secret-for-tests"


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = PD_SECRET
    settings.SLACK_SIGNING_SECRET = SLACK_SECRET


def body_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def post_pagerduty(client, body: bytes, signature: str | None = "sign"):
    headers = {}
    if signature == "sign":
        headers["HTTP_X_PAGERDUTY_SIGNATURE"] = pagerduty_signature(body, PD_SECRET)
    elif signature is not None:
        headers["HTTP_X_PAGERDUTY_SIGNATURE"] = signature
    return client.post(
        reverse("webhook-pagerduty"), body, content_type="application/json", **headers
    )


def post_slack(client, body: bytes, *, timestamp: int | None = None, secret: str = SLACK_SECRET):
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return client.post(
        reverse("webhook-slack-incident-report"),
        body,
        content_type="application/json",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=ts,
        HTTP_X_SLACK_SIGNATURE=slack_signature(body, ts, secret),
    )


# PagerDuty


def test_it_creates_an_incident_from_a_signed_triggered_event(client, teams):
    response = post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
    assert response.status_code == 200
    assert response.json()["created"] is True
    incident = Incident.objects.get(source=Source.PAGERDUTY, external_id="Q2PX7ZSGLDOWJZ")
    assert incident.title == "cc-app: classification requests timing out"
    assert incident.number == 4123
    assert incident.state == State.TRIGGERED
    assert incident.started_at == datetime(2026, 3, 5, 15, 2, 10, tzinfo=UTC)
    assert (incident.priority, incident.urgency, incident.severity) == ("P2", "high", "SEV2")
    assert incident.service.name == "cc-app" and incident.upstream_service_id == "PCCAPP1"
    assert incident.upstream_url == "https://acme.pagerduty.com/incidents/Q2PX7ZSGLDOWJZ"
    assert incident.assignees == [{"id": "PARIVE1", "name": "Alex Rivera"}]
    assert not incident.needs_review


def test_a_later_event_replaces_the_assignees_and_one_without_them_keeps_them(client, teams):
    post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
    event = json.loads(body_of("pagerduty_incident_acknowledged.json"))
    event["event"]["data"]["assignees"] = [
        {"id": "PBOKAF2", "summary": "Bea Okafor", "type": "user_reference"}
    ]
    post_pagerduty(client, json.dumps(event).encode())
    incident = Incident.objects.get(external_id="Q2PX7ZSGLDOWJZ")
    assert incident.assignees == [{"id": "PBOKAF2", "name": "Bea Okafor"}]
    event = json.loads(body_of("pagerduty_incident_resolved.json"))
    del event["event"]["data"]["assignees"]
    post_pagerduty(client, json.dumps(event).encode())
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED
    assert incident.assignees == [{"id": "PBOKAF2", "name": "Bea Okafor"}]


def test_it_moves_the_incident_through_acknowledged_and_resolved(client, teams):
    for name in (
        "pagerduty_incident_triggered.json",
        "pagerduty_incident_acknowledged.json",
        "pagerduty_incident_resolved.json",
    ):
        assert post_pagerduty(client, body_of(name)).status_code == 200
    incident = Incident.objects.get(external_id="Q2PX7ZSGLDOWJZ")
    assert incident.state == State.RESOLVED
    assert incident.acknowledged_at == datetime(2026, 3, 5, 15, 9, 41, tzinfo=UTC)
    assert incident.resolved_at == datetime(2026, 3, 5, 16, 32, 10, tzinfo=UTC)
    kinds = list(incident.updates.values_list("text", flat=True))
    assert kinds == [
        "PagerDuty: triggered by cc-app.",
        "PagerDuty: acknowledged by Alex Rivera.",
        "PagerDuty: resolved by Alex Rivera.",
    ]


def test_it_is_idempotent_when_a_delivery_is_replayed(client, teams):
    for _ in range(2):
        post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
        post_pagerduty(client, body_of("pagerduty_incident_acknowledged.json"))
    assert Incident.objects.count() == 1
    incident = Incident.objects.get()
    assert incident.state == State.ACKNOWLEDGED
    assert incident.updates.count() == 2


def test_it_keeps_a_late_acknowledgement_from_reopening_a_resolved_incident(client, teams):
    post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
    post_pagerduty(client, body_of("pagerduty_incident_resolved.json"))
    post_pagerduty(client, body_of("pagerduty_incident_acknowledged.json"))  # out of order
    incident = Incident.objects.get()
    assert incident.state == State.RESOLVED
    assert incident.acknowledged_at == datetime(2026, 3, 5, 15, 9, 41, tzinfo=UTC)


def test_it_recomputes_severity_when_the_priority_changes_but_keeps_a_hand_set_one(client, teams):
    post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
    incident = Incident.objects.get()
    incident.severity = "SEV3"  # set by hand on the dashboard
    incident.save()
    post_pagerduty(client, body_of("pagerduty_incident_acknowledged.json"))
    incident.refresh_from_db()
    assert incident.severity == "SEV3"
    post_pagerduty(client, body_of("pagerduty_incident_priority_updated.json"))
    incident.refresh_from_db()
    assert (incident.priority, incident.severity) == ("P1", "SEV1")


def test_it_stores_an_event_with_null_fields_and_flags_it(client, teams):
    response = post_pagerduty(client, body_of("pagerduty_incident_resolved_null_fields.json"))
    assert response.status_code == 200
    incident = Incident.objects.get(external_id="Q1NULLFIELDS0")
    assert incident.title == "PagerDuty incident Q1NULLFIELDS0"
    assert incident.state == State.RESOLVED
    assert incident.started_at == incident.resolved_at  # only the event's time is known
    assert incident.severity == "SEV2"  # PagerDuty's default urgency, high
    assert incident.service is None and incident.upstream_service_id == "PUNKNWN"
    assert incident.needs_review
    assert "no created_at" in incident.review_reason and "no title" in incident.review_reason


def test_it_stores_a_note_on_a_known_incident_once(client, teams):
    post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
    for _ in range(2):
        assert (
            post_pagerduty(client, body_of("pagerduty_incident_annotated.json")).status_code == 200
        )
    notes = IncidentUpdate.objects.filter(kind="note")
    assert [n.text for n in notes] == [
        "Rolled back cc-app to 1.42.3; <b>latency</b> back to normal."
    ]


def test_it_ignores_unsupported_events_on_purpose(client, teams):
    response = post_pagerduty(client, body_of("pagerduty_service_updated.json"))
    assert response.status_code == 202
    assert response.json() == {
        "status": "ignored",
        "detail": "service.updated events are not used",
        "incident": None,
        "created": False,
    }
    assert not Incident.objects.exists()


def test_it_ignores_a_note_on_an_incident_it_does_not_know(client, teams):
    response = post_pagerduty(client, body_of("pagerduty_incident_annotated.json"))
    assert response.status_code == 202
    assert not IncidentUpdate.objects.exists()


@pytest.mark.parametrize(
    "signature",
    [None, "", "v1=" + "0" * 64, "v0=abc", "sha256=whatever"],
    ids=["missing", "empty", "wrong", "other-version", "other-scheme"],
)
def test_it_refuses_a_bad_or_missing_signature_and_stores_nothing(client, teams, signature):
    response = post_pagerduty(client, body_of("pagerduty_incident_triggered.json"), signature)
    assert response.status_code == 401
    assert "X-PagerDuty-Signature" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_it_accepts_any_of_several_signatures_while_a_secret_rotates(client, teams):
    body = body_of("pagerduty_incident_triggered.json")
    header = "v1=" + "1" * 64 + "," + pagerduty_signature(body, PD_SECRET)
    assert post_pagerduty(client, body, header).status_code == 200


def test_it_refuses_a_body_changed_after_signing(client, teams):
    body = body_of("pagerduty_incident_triggered.json")
    signature = pagerduty_signature(body, PD_SECRET)
    tampered = body.replace(b"P2", b"P1")
    assert post_pagerduty(client, tampered, signature).status_code == 401
    assert not Incident.objects.exists()


def test_it_says_so_when_the_pagerduty_secret_is_not_configured(client, teams, settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = ""
    response = post_pagerduty(client, body_of("pagerduty_incident_triggered.json"))
    assert response.status_code == 403
    assert "PAGERDUTY_WEBHOOK_SECRET" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_it_answers_400_to_a_signed_body_that_is_not_an_event(client, teams):
    for body in (b"not json", json.dumps({"messages": []}).encode()):
        response = post_pagerduty(client, body)
        assert response.status_code == 400
    body = json.dumps({"event": {"event_type": "incident.triggered", "data": {}}}).encode()
    response = post_pagerduty(client, body)
    assert response.status_code == 400 and "data.id" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_it_needs_no_login_and_no_csrf_token_but_only_takes_post(teams):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert post_pagerduty(client, body_of("pagerduty_incident_triggered.json")).status_code == 200
    assert client.get(reverse("webhook-pagerduty")).status_code == 405


# Slack


def test_it_creates_an_incident_from_a_signed_slack_report(client, teams):
    response = post_slack(client, body_of("slack_incident_report.json"))
    assert response.status_code == 201
    incident = Incident.objects.get(source=Source.SLACK)
    assert incident.external_id == "Ft07EXAMPLE8W:1772723531.000200"
    assert incident.title == "Contention classification returns 500 on new claims"
    assert incident.reporter_team == teams["cc"]
    assert incident.service.name == "cc-app"
    assert incident.severity == "SEV2"
    assert incident.application_non_functional is True and incident.blocker is True
    assert incident.started_at == datetime(2026, 3, 5, 15, 12, 11, tzinfo=UTC)
    assert "smoke tests are red" in incident.description
    assert "526EZ" in incident.how_to_reproduce
    assert not incident.needs_review
    assert incident.updates.get().text == (
        "Reported in Slack by Priya Natarajan (Contention Classification)."
    )
    assert incident.reported_by == "Priya Natarajan"


def test_it_records_a_replayed_slack_report_once(client, teams):
    first = post_slack(client, body_of("slack_incident_report.json"))
    second = post_slack(client, body_of("slack_incident_report.json"))
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["detail"] == "already recorded"
    assert second.json()["incident"] == first.json()["incident"]
    assert Incident.objects.count() == 1 and IncidentUpdate.objects.count() == 1


def test_it_stores_a_report_with_odd_fields_and_flags_it(client, teams):
    response = post_slack(client, body_of("slack_incident_report_odd_fields.json"))
    assert response.status_code == 201
    incident = Incident.objects.get()
    assert incident.needs_review
    for reason in ("no description", "unknown reporter team", "unknown severity"):
        assert reason in incident.review_reason
    assert incident.severity == "" and incident.reporter_team is None
    assert incident.application_non_functional is None and incident.blocker is False
    assert incident.title == "Incident reported in Slack by Team Nobody Knows"


@pytest.mark.parametrize("age", [301, -301, 3600])
def test_it_refuses_a_slack_request_outside_the_five_minute_window(client, teams, age):
    response = post_slack(
        client, body_of("slack_incident_report.json"), timestamp=int(time.time()) - age
    )
    assert response.status_code == 401
    assert not Incident.objects.exists()


def test_it_refuses_a_slack_request_signed_with_another_secret(client, teams):
    response = post_slack(client, body_of("slack_incident_report.json"), secret="not-ours")
    assert response.status_code == 401
    assert not Incident.objects.exists()


def test_it_refuses_a_slack_request_without_signature_headers(client, teams):
    response = client.post(
        reverse("webhook-slack-incident-report"),
        body_of("slack_incident_report.json"),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert not Incident.objects.exists()


def test_it_says_so_when_the_slack_secret_is_not_configured(client, teams, settings):
    settings.SLACK_SIGNING_SECRET = ""
    response = post_slack(client, body_of("slack_incident_report.json"))
    assert response.status_code == 403
    assert "SLACK_SIGNING_SECRET" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_it_answers_400_to_a_report_without_an_id(client, teams):
    body = json.dumps({"description": "It is down"}).encode()
    response = post_slack(client, body)
    assert response.status_code == 400 and "report_id" in response.json()["detail"]
    assert not Incident.objects.exists()


def test_a_javascript_link_in_a_pagerduty_event_is_not_stored(client, teams):
    payload = json.loads(body_of("pagerduty_incident_triggered.json"))
    payload["event"]["data"]["html_url"] = "javascript:alert(document.cookie)"
    body = json.dumps(payload).encode()
    assert post_pagerduty(client, body).status_code == 200
    assert Incident.objects.get(external_id="Q2PX7ZSGLDOWJZ").upstream_url == ""

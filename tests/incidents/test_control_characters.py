"""Control characters and oversized text at the edge: webhooks, sync and forms store
neither; a 100 KB title is cut to its column with an ellipsis instead of failing."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import sync
from incidents.models import Incident, IncidentUpdate, State
from oncall_site.integrations.text import ELLIPSIS
from rotations.models import Engineer

from .conftest import fixture, pagerduty_signature, slack_signature
from .test_sync import upstream


@pytest.fixture
def member(member):
    """The login is one of the team's engineers: it does the team's daily work."""
    Engineer.objects.create(name="Morgan Member", user=member)
    return member


pytestmark = pytest.mark.django_db

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
PD_SECRET = "pd-webhook-secret-for-tests"
SLACK_SECRET = "slack-signing-secret-for-tests"
HOSTILE = "BGS\x00 API\x1b[2J down\x07\r\n again"
HUGE = "cc-app down " * 10_000  # 120 KB


@pytest.fixture(autouse=True)
def _secrets(settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = PD_SECRET
    settings.SLACK_SIGNING_SECRET = SLACK_SECRET


def post_pagerduty(client, payload: dict) -> int:
    body = json.dumps(payload).encode()
    return client.post(
        reverse("webhook-pagerduty"),
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=pagerduty_signature(body, PD_SECRET),
    ).status_code


def post_slack(client, payload: dict) -> int:
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    return client.post(
        reverse("webhook-slack-incident-report"),
        body,
        content_type="application/json",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=ts,
        HTTP_X_SLACK_SIGNATURE=slack_signature(body, ts, SLACK_SECRET),
    ).status_code


def stored_text(incident: Incident) -> str:
    notes = IncidentUpdate.objects.filter(incident=incident).values_list("text", flat=True)
    return "\n".join(
        [incident.title, incident.description, incident.how_to_reproduce, incident.review_reason]
        + list(notes)
    )


def test_a_pagerduty_delivery_stores_no_control_characters(client, teams):
    payload = fixture("pagerduty_incident_triggered.json")
    payload["event"]["data"]["title"] = HOSTILE
    payload["event"]["agent"]["summary"] = "Alex\x00 Rivera"
    assert post_pagerduty(client, payload) == 200
    note = fixture("pagerduty_incident_annotated.json")
    note["event"]["data"]["content"] = "Rolled back\x00 to 1.42.3\x1b.\r\nLatency normal.\t(ok)"
    assert post_pagerduty(client, note) == 200
    incident = Incident.objects.get()
    assert incident.title == "BGS API[2J down again"
    assert not CONTROL.search(stored_text(incident).replace("\n", "").replace("\t", ""))
    assert IncidentUpdate.objects.get(kind="note").text == (
        "Rolled back to 1.42.3.\nLatency normal.\t(ok)"
    )


def test_a_100_kb_title_is_cut_to_its_column_with_an_ellipsis(client, teams):
    payload = fixture("pagerduty_incident_triggered.json")
    payload["event"]["data"]["title"] = HUGE
    assert post_pagerduty(client, payload) == 200
    title = Incident.objects.get().title
    assert len(title) == 300 and title.endswith(ELLIPSIS) and title.startswith("cc-app down cc")


def test_a_slack_report_stores_no_control_characters(client, teams):
    payload = fixture("slack_incident_report.json")
    payload["title"] = HUGE
    payload["description"] = "Every claim\x00 gets a 500.\r\nSmoke tests red.\x1b"
    payload["how_to_reproduce"] = "Submit\x08 a 526EZ"
    assert post_slack(client, payload) == 201
    incident = Incident.objects.get()
    assert incident.description == "Every claim gets a 500.\nSmoke tests red."
    assert incident.how_to_reproduce == "Submit a 526EZ"
    assert len(incident.title) == 300 and incident.title.endswith(ELLIPSIS)


def test_a_sync_stores_no_control_characters_and_fits_titles(teams):
    services = {"PCCAPP1": teams["cc"].services.get().pk}
    sync.store_incidents([upstream("Q1", title=HOSTILE), upstream("Q2", title=HUGE)], services)
    titles = dict(Incident.objects.values_list("external_id", "title"))
    assert titles["Q1"] == "BGS API[2J down again"
    assert len(titles["Q2"]) == 300 and titles["Q2"].endswith(ELLIPSIS)


def test_a_form_stores_no_control_characters(client, member, teams):
    client.force_login(member)
    response = client.post(
        reverse("incident-new"),
        {
            "title": "Vault\x07 token renewal\x1b failing",
            "severity": "SEV2",
            "started_at": timezone.localtime(timezone.now() - timedelta(minutes=20)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "description": "Pods cannot renew\x0b tokens.\r\nSince 10:05.",
        },
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.title == "Vault token renewal failing"
    assert incident.description == "Pods cannot renew tokens.\nSince 10:05."
    assert incident.state == State.TRIGGERED


def test_a_nul_typed_in_a_form_is_refused_in_words(client, member, teams):
    client.force_login(member)
    response = client.post(reverse("incident-new"), {"title": "Vault\x00", "severity": "SEV2"})
    assert response.status_code == 400
    assert "Null characters are not allowed" in response.content.decode()
    assert not Incident.objects.exists()

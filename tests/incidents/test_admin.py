"""The back office: incident pages with inlines, actions, errors a person can act on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import DatadogMonitor, Incident, IncidentImpact, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, lead):
    client.force_login(lead)
    return client


@pytest.fixture
def incident(teams, make_incident):
    incident = make_incident(started_at=timezone.now() - timedelta(hours=3), severity="SEV2")
    IncidentImpact.objects.create(incident=incident, team=teams["cc"], start=incident.started_at)
    return incident


def test_it_shows_every_incident_admin_page(admin_client, incident):
    DatadogMonitor.objects.create(
        monitor_id=1,
        name="bgs p99",
        status="Alert",
        first_seen_at=timezone.now(),
        last_seen_at=timezone.now(),
    )
    pages = [
        reverse("admin:incidents_incident_changelist"),
        reverse("admin:incidents_incident_changelist") + "?ticket=no&state__exact=triggered&q=BGS",
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        reverse("admin:incidents_incident_add"),
        reverse("admin:incidents_incidentupdate_changelist"),
        reverse("admin:incidents_incidentimpact_changelist"),
        reverse("admin:incidents_datadogmonitor_changelist"),
    ]
    for url in pages:
        assert admin_client.get(url).status_code == 200, url


def change_data(incident: Incident, **fields) -> dict:
    local = lambda d: timezone.localtime(d)  # noqa: E731
    data = {
        "title": incident.title,
        "state": incident.state,
        "severity": incident.severity,
        "source": incident.source,
        "started_at_0": local(incident.started_at).strftime("%Y-%m-%d"),
        "started_at_1": local(incident.started_at).strftime("%H:%M:%S"),
        "impacts-TOTAL_FORMS": "0",
        "impacts-INITIAL_FORMS": "0",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
    }
    data.update(fields)
    return data


def test_it_refuses_a_resolution_before_the_start_in_words(admin_client, incident):
    before = timezone.localtime(incident.started_at - timedelta(hours=1))
    response = admin_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        change_data(
            incident,
            state="resolved",
            resolved_at_0=before.strftime("%Y-%m-%d"),
            resolved_at_1=before.strftime("%H:%M:%S"),
            **{"impacts-TOTAL_FORMS": "0"},
        ),
    )
    assert response.status_code == 200
    assert "The resolution cannot come before the incident started." in response.content.decode()
    incident.refresh_from_db()
    assert incident.state == State.TRIGGERED


def test_it_refuses_an_unknown_severity_and_a_bad_ticket_url(admin_client, incident):
    response = admin_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        change_data(incident, severity="SEV7", ticket_url="ticket 42"),
    )
    body = response.content.decode()
    assert "Select a valid choice. SEV7 is not one of the available choices." in body
    assert "Enter a valid URL." in body


def test_it_refuses_an_impact_ending_before_it_starts_in_the_inline(admin_client, incident, teams):
    impact = incident.impacts.get()
    start = timezone.localtime(impact.start)
    end = start - timedelta(minutes=30)
    response = admin_client.post(
        reverse("admin:incidents_incident_change", args=[incident.pk]),
        change_data(
            incident,
            **{
                "impacts-TOTAL_FORMS": "1",
                "impacts-INITIAL_FORMS": "1",
                "impacts-0-id": str(impact.pk),
                "impacts-0-incident": str(incident.pk),
                "impacts-0-team": str(teams["cc"].pk),
                "impacts-0-start_0": start.strftime("%Y-%m-%d"),
                "impacts-0-start_1": start.strftime("%H:%M:%S"),
                "impacts-0-end_0": end.strftime("%Y-%m-%d"),
                "impacts-0-end_1": end.strftime("%H:%M:%S"),
            },
        ),
    )
    assert "The impact cannot end before it starts." in response.content.decode()
    impact.refresh_from_db()
    assert impact.end is None


def test_its_actions_clear_the_review_flag_and_cancel(admin_client, incident, make_incident):
    flagged = make_incident(
        "flagged", started_at=timezone.now(), needs_review=True, review_reason="no title"
    )
    url = reverse("admin:incidents_incident_changelist")
    admin_client.post(url, {"action": "mark_reviewed", "_selected_action": [flagged.pk]})
    flagged.refresh_from_db()
    assert not flagged.needs_review and flagged.review_reason == ""
    admin_client.post(url, {"action": "mark_canceled", "_selected_action": [incident.pk]})
    incident.refresh_from_db()
    assert incident.state == State.CANCELED and incident.canceled_at is not None


def test_it_is_for_staff_only(client, member, incident):
    client.force_login(member)
    response = client.get(reverse("admin:incidents_incident_changelist"))
    assert response.status_code == 302

"""The alerts page: Datadog monitors alerting, and turning one into an incident."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import DatadogMonitor, Incident, Source, State
from rotations.models import Engineer


@pytest.fixture
def member(member):
    """The login is one of the team's engineers: it does the team's daily work."""
    Engineer.objects.create(name="Morgan Member", user=member)
    return member


pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def make_alert(**fields) -> DatadogMonitor:
    now = timezone.now()
    defaults = dict(
        monitor_id=1001,
        name="svc-bgs-api p99 latency > 2s",
        status="Alert",
        triggered_at=now - timedelta(minutes=35),
        first_seen_at=now,
        last_seen_at=now,
        url="https://app.datadoghq.com/monitors/1001",
    )
    return DatadogMonitor.objects.create(**{**defaults, **fields})


def test_it_lists_active_alerts_with_how_long_they_have_fired(logged_in, teams):
    make_alert()
    make_alert(
        monitor_id=2,
        name="cc-app no data",
        status="No Data",
        triggered_at=None,
        first_seen_at=timezone.now() - timedelta(hours=3),
    )
    make_alert(monitor_id=3, name="recovered", status="OK", active=False)
    make_alert(monitor_id=4, name="<img src=x onerror=alert(1)>", status="Warn")
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert "35 min" in body and "3 h" in body and "(since first seen)" in body
    assert "recovered" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert body.count("Declare incident") == 3


def test_it_shows_an_empty_alerts_page(logged_in, teams):
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert "No monitor is alerting" in body
    assert "Datadog is not configured" in body


def test_it_turns_an_alert_into_an_incident_once(logged_in, teams):
    alert = make_alert()
    url = reverse("alert-declare", args=[alert.pk])
    first = logged_in.post(url)
    second = logged_in.post(url)
    incident = Incident.objects.get()
    assert first["Location"] == second["Location"] == reverse("incident-detail", args=[incident.pk])
    assert incident.source == Source.DATADOG
    assert incident.title == "svc-bgs-api p99 latency > 2s"
    assert incident.started_at == alert.triggered_at
    alert.refresh_from_db()
    assert alert.incident == incident
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert f"#{incident.pk}" in body and "Declare incident" not in body


def test_it_offers_no_second_incident_for_a_firing_already_declared(logged_in, teams):
    alert = make_alert()
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    incident = Incident.objects.get()
    Incident.objects.filter(pk=incident.pk).update(state=State.RESOLVED, resolved_at=timezone.now())
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert f"#{incident.pk}</a>" in body
    assert reverse("alert-declare", args=[alert.pk]) not in body
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    assert Incident.objects.count() == 1


def test_it_declares_a_new_incident_when_the_monitor_fires_again(logged_in, teams):
    alert = make_alert()
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    first = Incident.objects.get()
    Incident.objects.filter(pk=first.pk).update(state=State.RESOLVED, resolved_at=timezone.now())
    DatadogMonitor.objects.filter(pk=alert.pk).update(triggered_at=timezone.now())
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert "Declare a new incident" in body
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    assert Incident.objects.count() == 2


def test_it_starts_an_alert_incident_now_when_datadog_gave_no_time(logged_in, teams):
    alert = make_alert(triggered_at=None)
    before = timezone.now()
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    assert Incident.objects.get().started_at >= before


def test_an_alert_takes_its_service_and_severity_from_its_tags(logged_in, teams):
    alert = make_alert(tags=["team:vro", "service:SVC-BGS-API", "priority:p2", "env:prod"])
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    incident = Incident.objects.get()
    assert (incident.service.name, incident.severity) == ("svc-bgs-api", "SEV2")
    untagged = make_alert(monitor_id=2, name="cc-app no data", tags=["service:unknown-svc"])
    logged_in.post(reverse("alert-declare", args=[untagged.pk]))
    second = Incident.objects.exclude(pk=incident.pk).get()
    assert (second.service, second.severity) == (None, "")  # to be rated


def test_an_open_incident_on_the_alerts_service_is_offered_not_duplicated(logged_in, teams):
    from rotations.models import Service

    open_one = Incident.objects.create(
        title="BGS answering 502",
        started_at=timezone.now() - timedelta(hours=1),
        state=State.ACKNOWLEDGED,
        service=Service.objects.get(name="svc-bgs-api"),
    )
    alert = make_alert(tags=["service:svc-bgs-api"])
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert f"#{open_one.pk} BGS answering 502</a> is open on svc-bgs-api" in body
    assert f"Add to #{open_one.pk}" in body and "Declare a new incident" in body
    # A declare without saying "new" (a stale page, a second tab) declares nothing.
    response = logged_in.post(reverse("alert-declare", args=[alert.pk]))
    assert response.status_code == 302 and Incident.objects.count() == 1
    # Adding it: the alert is covered by that incident, noted in its timeline.
    logged_in.post(reverse("alert-attach", args=[alert.pk]), {"incident": open_one.pk})
    alert.refresh_from_db()
    assert alert.incident == open_one
    assert open_one.updates.filter(text__contains="part of this incident").exists()
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert "Declare" not in body.split(f'id="alert-{alert.pk}"', 1)[1].split("</tr>", 1)[0]


def test_declaring_new_beside_an_open_incident_is_a_choice(logged_in, teams):
    from rotations.models import Service

    Incident.objects.create(
        title="BGS answering 502",
        started_at=timezone.now() - timedelta(hours=1),
        state=State.ACKNOWLEDGED,
        service=Service.objects.get(name="svc-bgs-api"),
    )
    alert = make_alert(tags=["service:svc-bgs-api"])
    logged_in.post(reverse("alert-declare", args=[alert.pk]), {"new": "1"})
    assert Incident.objects.count() == 2


def test_an_alert_cannot_join_a_closed_incident(logged_in, teams):
    closed = Incident.objects.create(
        title="over",
        started_at=timezone.now() - timedelta(hours=3),
        state=State.RESOLVED,
        resolved_at=timezone.now() - timedelta(hours=1),
    )
    alert = make_alert()
    response = logged_in.post(
        reverse("alert-attach", args=[alert.pk]), {"incident": closed.pk}, follow=True
    )
    assert "no longer open" in response.content.decode()
    alert.refresh_from_db()
    assert alert.incident is None

"""The metrics page: the figures of a window, each linking to its incidents, and the trend."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, State
from rotations.models import Sprint

pytestmark = pytest.mark.django_db

WINDOW = {"since": "2026-03-04T05:00:00Z", "until": "2026-03-18T04:00:00Z"}


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


def test_it_shows_the_figures_of_a_window_with_links(logged_in, scenario):
    response = logged_in.get(reverse("incident-metrics"), WINDOW)
    assert response.status_code == 200
    body = unescape(response.content.decode())
    headline = {f.label: f.value for f in response.context["figures"]["headline"]}
    assert headline == {
        "MTTR (mean)": "1 h",
        "MTTR median": "1 h",
        "MTTR p90": "1 h 21 min",
        "MTTA (mean)": "12 min",
    }
    base = "/incidents/?since=2026-03-04T05%3A00%3A00Z&until=2026-03-18T04%3A00%3A00Z"
    assert f'href="{base}&state=resolved"' in body
    assert f'href="{base}&state=counted&acknowledged=no"' in body
    assert f'href="{base}&state=counted&severity=SEV2"' in body
    assert f'href="{base}&state=counted&source=slack"' in body
    assert (
        'href="/incidents/?impacted=cc&impact_since=2026-03-04T05%3A00%3A00Z'
        '&impact_until=2026-03-18T04%3A00%3A00Z">120 min' in body
    )
    assert "Left out: inconsistent data" in body and "resolved before it started" in body


def test_every_count_links_to_as_many_incidents(logged_in, scenario):
    response = logged_in.get(reverse("incident-metrics"), WINDOW)
    figures = response.context["figures"]
    skipped = {s.id for s in response.context["skipped"]}
    for figure in figures["counts"] + figures["severities"] + figures["sources"]:
        listed = logged_in.get(figure.href).context["page"].paginator.object_list
        ids = {i.pk for i in listed} - skipped
        assert len(ids) == int(figure.value), figure.label


def test_it_defaults_to_the_current_sprint_and_draws_the_trend(logged_in, demo_team):
    now = timezone.now()
    Incident.objects.create(
        title="resolved today",
        started_at=now - timedelta(hours=3),
        resolved_at=now - timedelta(hours=1),
        state=State.RESOLVED,
        severity="SEV2",
    )
    response = logged_in.get(reverse("incident-metrics"))
    current = Sprint.objects.containing(timezone.localdate()).get()
    assert response.context["window"].sprint_number == current.number
    body = response.content.decode()
    assert f"Sprint {current.number} (" in body
    assert "<svg" in body and 'class="bar"' in body
    assert len(response.context["trend"]) == 8
    assert response.context["trend"][-1]["metrics"].mttr_seconds == 7200.0
    assert f"?sprint={current.number}&amp;state=resolved" in body


def test_it_says_what_is_wrong_with_a_window_and_shows_the_current_sprint(logged_in, demo_team):
    response = logged_in.get(reverse("incident-metrics"), {"since": "2026-03-04", "until": "soon"})
    assert response.status_code == 400
    body = unescape(response.content.decode())
    assert "until is not an ISO 8601 date or instant: 'soon'" in body
    assert "Showing Sprint" in body


def test_it_explains_when_no_sprint_covers_today(logged_in, teams):
    response = logged_in.get(reverse("incident-metrics"))
    assert "No sprint covers today" in response.content.decode()

"""Declaring an incident, the detail page and its forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import (
    DatadogMonitor,
    Incident,
    IncidentImpact,
    IncidentUpdate,
    Source,
    State,
    UpdateKind,
)
from rotations.models import Engineer, Service
from tests.incidents.test_alerts import make_alert


@pytest.fixture
def member(member):
    """The login is one of the team's engineers: it does the team's daily work."""
    Engineer.objects.create(name="Morgan Member", user=member)
    return member


pytestmark = pytest.mark.django_db


def local(moment) -> str:
    """A datetime as the `datetime-local` input sends it, on the team's clock."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def incident(teams, make_incident):
    return make_incident(
        "BIP returns 503 on claim submission",
        started_at=timezone.now() - timedelta(hours=2),
        severity="SEV2",
        source=Source.PAGERDUTY,
        external_id="PXYZ123",
        service=Service.objects.get(name="cc-app"),
    )


def test_it_requires_login(client, incident):
    urls = [
        reverse("incident-list"),
        reverse("incident-new"),
        reverse("incident-detail", args=[incident.pk]),
        reverse("incident-metrics"),
        reverse("alert-list"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    response = client.post(
        reverse("incident-transition", args=[incident.pk]), {"move-to": "resolved"}
    )
    assert response.status_code == 302
    assert Incident.objects.get().state == State.TRIGGERED


# Declaring


def test_it_declares_an_incident_by_hand(logged_in, teams, member):
    started = timezone.now() - timedelta(minutes=20)
    response = logged_in.post(
        reverse("incident-new"),
        {
            "title": "Vault token renewal failing",
            "severity": "SEV2",
            "started_at": local(started),
            "service": Service.objects.get(name="svc-bgs-api").pk,
            "reporter_team": teams["cc"].pk,
            "description": "Pods cannot renew their Vault tokens.",
            "application_non_functional": "true",
            "blocker": "",
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "incident-detail", args=[incident.pk]
    )
    assert (incident.source, incident.state, incident.severity) == ("manual", "triggered", "SEV2")
    assert incident.application_non_functional is True and incident.blocker is None
    assert incident.reporter_team == teams["cc"]
    assert incident.updates.get().text == "Declared by member."


def test_it_refuses_a_bad_declaration_and_keeps_what_was_typed(logged_in, teams):
    response = logged_in.post(
        reverse("incident-new"),
        {
            "title": "",
            "severity": "SEV9",
            "started_at": "yesterday-ish",
            "description": "Long careful description that must not be lost.",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in body
    assert "Select a valid choice. SEV9 is not one of the available choices." in body
    assert "Enter a date and time" in body
    assert "Long careful description that must not be lost." in body
    assert not Incident.objects.exists()


def test_it_refuses_a_start_in_the_future(logged_in, teams):
    response = logged_in.post(
        reverse("incident-new"),
        {"title": "x", "started_at": local(timezone.now() + timedelta(days=1))},
    )
    assert response.status_code == 400
    assert "That time is in the future" in response.content.decode()
    assert not Incident.objects.exists()


# The detail page and its forms


def test_it_shows_the_detail_page(logged_in, incident):
    IncidentUpdate.objects.create(
        incident=incident, at=incident.started_at, kind="discovery", text="Paged; BIP <b>503</b>s"
    )
    DatadogMonitor.objects.create(
        monitor_id=7,
        name="bip 5xx",
        status="Alert",
        first_seen_at=incident.started_at,
        last_seen_at=incident.started_at,
        incident=incident,
    )
    body = logged_in.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "BIP returns 503 on claim submission" in body
    assert "Paged; BIP &lt;b&gt;503&lt;/b&gt;s" in body
    assert "update overdue" in body  # SEV2, open, no update in 2 hours
    assert "bip 5xx" in body
    assert "Until one is, the metrics count Contention Classification" in body


def test_a_canceled_incident_owes_no_ticket_and_counts_no_impact(logged_in, incident):
    Incident.objects.filter(pk=incident.pk).update(state=State.CANCELED, canceled_at=timezone.now())
    body = logged_in.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert ">no ticket<" not in body and "A canceled incident needs no ticket." in body
    assert "Every incident needs a ticket." not in body
    assert "the metrics count" not in body


def test_it_answers_404_for_an_unknown_incident(logged_in, teams):
    assert logged_in.get(reverse("incident-detail", args=[999])).status_code == 404


def test_it_moves_an_incident_through_its_states(logged_in, incident):
    url = reverse("incident-transition", args=[incident.pk])
    start = incident.started_at
    steps = [
        ("acknowledged", start + timedelta(minutes=5), "acknowledged_at"),
        ("mitigated", start + timedelta(minutes=40), "mitigated_at"),
        ("resolved", start + timedelta(minutes=70), "resolved_at"),
    ]
    for state, moment, field in steps:
        response = logged_in.post(url, {"move-to": state, "move-at": local(moment)})
        assert response.status_code == 302
        incident.refresh_from_db()
        assert incident.state == state
        assert timezone.localtime(getattr(incident, field)).strftime("%H:%M") == timezone.localtime(
            moment
        ).strftime("%H:%M")
    texts = list(incident.updates.filter(kind=UpdateKind.STATUS).values_list("text", flat=True))
    assert texts == ["Acknowledged.", "Mitigated.", "Resolved."]
    assert incident.last_update_at is not None


def test_it_keeps_the_first_acknowledgement_when_reopened(logged_in, incident):
    url = reverse("incident-transition", args=[incident.pk])
    first = incident.started_at + timedelta(minutes=5)
    logged_in.post(url, {"move-to": "acknowledged", "move-at": local(first)})
    logged_in.post(url, {"move-to": "resolved", "move-at": local(first + timedelta(minutes=30))})
    logged_in.post(url, {"move-to": "triggered", "move-at": local(timezone.now())})
    incident.refresh_from_db()
    assert incident.state == State.TRIGGERED and incident.resolved_at is None
    logged_in.post(url, {"move-to": "acknowledged", "move-at": local(timezone.now())})
    incident.refresh_from_db()
    assert local(incident.acknowledged_at) == local(first)


def test_it_cancels_an_incident(logged_in, incident):
    url = reverse("incident-transition", args=[incident.pk])
    logged_in.post(url, {"move-to": "canceled", "move-at": local(timezone.now())})
    incident.refresh_from_db()
    assert incident.state == State.CANCELED and incident.canceled_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"move-to": "resolved", "move-at": "hours ago"}, "Enter a date and time"),
        ({"move-to": "archived", "move-at": "2026-01-01T10:00"}, "Select a valid choice"),
        (
            {"move-to": "resolved", "move-at": "2001-01-01T10:00"},
            "The resolution cannot come before the incident started.",
        ),
        (
            {"move-to": "acknowledged", "move-at": "2001-01-01T10:00"},
            "The acknowledgement cannot come before the incident started.",
        ),
    ],
)
def test_it_refuses_a_bad_transition_and_keeps_the_input(logged_in, incident, data, message):
    response = logged_in.post(reverse("incident-transition", args=[incident.pk]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert f'value="{data["move-at"]}"' in body
    incident.refresh_from_db()
    assert incident.state == State.TRIGGERED and incident.updates.count() == 0


def test_it_refuses_an_acknowledgement_after_the_resolution(logged_in, incident):
    url = reverse("incident-transition", args=[incident.pk])
    logged_in.post(
        url, {"move-to": "resolved", "move-at": local(incident.started_at + timedelta(minutes=30))}
    )
    response = logged_in.post(
        reverse("incident-edit", args=[incident.pk]),
        {
            "edit-title": incident.title,
            "edit-started_at": local(incident.started_at),
            "edit-resolved_at": local(incident.started_at + timedelta(minutes=30)),
            "edit-acknowledged_at": local(incident.started_at + timedelta(minutes=45)),
        },
    )
    assert response.status_code == 400
    assert "The acknowledgement cannot come after the resolution." in response.content.decode()
    incident.refresh_from_db()
    assert incident.acknowledged_at is None


def test_it_refuses_a_move_the_state_does_not_allow(logged_in, incident):
    Incident.objects.filter(pk=incident.pk).update(state=State.RESOLVED, resolved_at=timezone.now())
    response = logged_in.post(
        reverse("incident-transition", args=[incident.pk]),
        {"move-to": "acknowledged", "move-at": local(timezone.now())},
    )
    assert response.status_code == 400


def test_it_adds_a_timeline_update_and_clears_the_overdue_marker(logged_in, incident):
    response = logged_in.post(
        reverse("incident-update", args=[incident.pk]),
        {
            "update-kind": "communication",
            "update-text": "Posted in #cc-team: rollback underway.",
            "update-at": local(timezone.now()),
        },
    )
    assert response.status_code == 302
    update = incident.updates.get()
    assert (update.kind, update.author.username) == ("communication", "member")
    body = logged_in.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "update overdue" not in body
    assert "rollback underway" in body


def test_it_refuses_an_empty_update_and_keeps_the_kind(logged_in, incident):
    response = logged_in.post(
        reverse("incident-update", args=[incident.pk]),
        {"update-kind": "remediation", "update-text": "", "update-at": local(timezone.now())},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Write what happened or what was done." in body
    assert '<option value="remediation" selected>' in body
    assert not incident.updates.exists()


def test_it_records_edits_and_ends_an_impact(logged_in, incident, teams):
    start = incident.started_at
    response = logged_in.post(
        reverse("impact-add", args=[incident.pk]),
        {
            "impact-new-team": teams["ee"].pk,
            "impact-new-start": local(start),
            "impact-new-note": "Max CFI down",
        },
    )
    assert response.status_code == 302
    impact = incident.impacts.get()
    assert impact.end is None and impact.note == "Max CFI down"
    response = logged_in.post(
        reverse("impact-edit", args=[incident.pk, impact.pk]),
        {
            f"impact-{impact.pk}-team": teams["cc"].pk,
            f"impact-{impact.pk}-start": local(start + timedelta(minutes=5)),
            f"impact-{impact.pk}-note": "cc-app down",
        },
    )
    assert response.status_code == 302
    impact.refresh_from_db()
    assert (impact.team, impact.note) == (teams["cc"], "cc-app down")
    end = start + timedelta(minutes=50)
    response = logged_in.post(
        reverse("impact-end", args=[incident.pk, impact.pk]), {f"end-{impact.pk}-end": local(end)}
    )
    assert response.status_code == 302
    impact.refresh_from_db()
    assert local(impact.end) == local(end)


def test_it_refuses_an_impact_that_ends_before_it_starts(logged_in, incident, teams):
    start = incident.started_at
    response = logged_in.post(
        reverse("impact-add", args=[incident.pk]),
        {
            "impact-new-team": teams["ee"].pk,
            "impact-new-start": local(start),
            "impact-new-end": local(start - timedelta(minutes=10)),
            "impact-new-note": "typed carefully",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "The impact cannot end before it starts." in body
    assert 'value="typed carefully"' in body
    assert not IncidentImpact.objects.exists()


def test_it_refuses_to_end_an_impact_before_it_started(logged_in, incident, teams):
    impact = IncidentImpact.objects.create(
        incident=incident, team=teams["ee"], start=incident.started_at
    )
    response = logged_in.post(
        reverse("impact-end", args=[incident.pk, impact.pk]),
        {f"end-{impact.pk}-end": local(incident.started_at - timedelta(hours=1))},
    )
    assert response.status_code == 400
    assert "The impact cannot end before it starts." in response.content.decode()
    impact.refresh_from_db()
    assert impact.end is None


def test_it_edits_the_details(logged_in, incident, teams):
    response = logged_in.post(
        reverse("incident-edit", args=[incident.pk]),
        {
            "edit-title": "BIP 503s",
            "edit-severity": "SEV1",
            "edit-root_cause": "external",
            "edit-reporter_team": teams["ee"].pk,
            "edit-application_non_functional": "true",
            "edit-blocker": "false",
            "edit-description": "BIP maintenance window ran over.",
            "edit-started_at": local(incident.started_at),
        },
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert (incident.title, incident.severity, incident.root_cause) == (
        "BIP 503s",
        "SEV1",
        "external",
    )
    assert incident.reporter_team == teams["ee"] and incident.blocker is False


def test_it_refuses_bad_details_and_keeps_the_rest(logged_in, incident):
    response = logged_in.post(
        reverse("incident-edit", args=[incident.pk]),
        {
            "edit-title": "BIP 503s",
            "edit-severity": "CRITICAL",
            "edit-root_cause": "gremlins",
            "edit-description": "Everything I typed",
            "edit-started_at": local(incident.started_at),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "CRITICAL is not one of the available choices" in body
    assert "gremlins is not one of the available choices" in body
    assert "Everything I typed" in body
    incident.refresh_from_db()
    assert incident.severity == "SEV2" and incident.title == "BIP returns 503 on claim submission"


def test_it_links_an_existing_ticket(logged_in, incident):
    url = "https://github.com/department-of-veterans-affairs/abd-vro/issues/4321"
    response = logged_in.post(
        reverse("incident-ticket-link", args=[incident.pk]), {"ticket-ticket_url": url}
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.ticket_url == url


@pytest.mark.parametrize("value", ["not a url", "javascript:alert(1)", "ftp://files.example/x"])
def test_it_refuses_a_ticket_url_that_is_not_a_web_address(logged_in, incident, value):
    response = logged_in.post(
        reverse("incident-ticket-link", args=[incident.pk]), {"ticket-ticket_url": value}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter the ticket&#x27;s full address" in body or "must start with https://" in body
    incident.refresh_from_db()
    assert incident.ticket_url == ""


def test_it_reads_a_time_in_the_start_minute_as_the_start(logged_in, make_incident, teams):
    """A page at 10:10:45 acknowledged "at 10:10" (the form's minute) is not early."""
    started = (timezone.now() - timedelta(minutes=30)).replace(second=45, microsecond=0)
    incident = make_incident(started_at=started)
    response = logged_in.post(
        reverse("incident-transition", args=[incident.pk]),
        {"move-to": "acknowledged", "move-at": local(started)},
    )
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.acknowledged_at == started


def test_it_never_links_a_synced_address_that_is_not_a_web_address(logged_in, incident):
    Incident.objects.filter(pk=incident.pk).update(upstream_url="javascript:alert(1)")
    make_alert(url="javascript:alert(2)", incident=incident)
    for url in (reverse("incident-detail", args=[incident.pk]), reverse("alert-list")):
        body = logged_in.get(url).content.decode()
        assert "javascript:" not in body


def test_the_detail_page_answers_in_a_bounded_number_of_queries(
    logged_in, incident, teams, django_assert_max_num_queries
):
    IncidentImpact.objects.bulk_create(
        IncidentImpact(incident=incident, team=teams["cc"], start=incident.started_at)
        for _ in range(20)
    )
    IncidentUpdate.objects.bulk_create(
        IncidentUpdate(incident=incident, at=incident.started_at, text=f"step {n}")
        for n in range(50)
    )
    # 13: the partner app performance section reads the impacted teams' measured services
    # and the stored rows (two queries, whatever their number). 15: who is reading, to offer
    # the forms or say why not (oncall_site/permissions.py, two queries).
    with django_assert_max_num_queries(15):
        response = logged_in.get(reverse("incident-detail", args=[incident.pk]))
    assert response.content.decode().count('name="impact-') > 20 * 3


def test_the_page_names_the_owner_pagerduty_assigns(logged_in, incident):
    Engineer.objects.create(name="Alex Rivera", pagerduty_user_id="PARIVE1")
    Incident.objects.filter(pk=incident.pk).update(
        assignees=[{"id": "PARIVE1", "name": "A. R."}, {"id": "PXTERN1", "name": "<b>Sam</b>"}]
    )
    html = logged_in.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "<dt>Owner</dt><dd>Alex Rivera" in html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in html
    Incident.objects.filter(pk=incident.pk).update(assignees=[])
    html = logged_in.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert '<dt>Owner</dt><dd><span class="muted">no owner</span>' in html

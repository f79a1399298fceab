"""The incident list, declaring an incident, the detail page and its forms, and alerts."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import (
    Alert,
    Incident,
    IncidentImpact,
    IncidentUpdate,
    Source,
    State,
    UpdateKind,
)
from rotations.models import Service, Sprint

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


# The list


def test_it_lists_incidents_newest_first_with_their_markers(logged_in, teams, make_incident):
    now = timezone.now()
    make_incident(
        "old resolved",
        started_at=now - timedelta(days=3),
        state=State.RESOLVED,
        resolved_at=now - timedelta(days=3) + timedelta(hours=1),
        ticket_url="https://github.com/o/r/issues/1",
    )
    make_incident("overdue sev1", started_at=now - timedelta(hours=1), severity="SEV1")
    make_incident("fresh sev1", started_at=now - timedelta(minutes=10), severity="SEV1")
    make_incident(
        "flagged",
        started_at=now - timedelta(days=1),
        needs_review=True,
        review_reason="no created_at",
    )
    body = logged_in.get(reverse("incident-list")).content.decode()
    titles = ["fresh sev1", "overdue sev1", "flagged", "old resolved"]
    positions = [body.index(t) for t in titles]
    assert positions == sorted(positions)
    row = lambda title: body[body.index(title) : body.index("</tr>", body.index(title))]  # noqa: E731
    assert "update overdue" in row("overdue sev1") and "no ticket" in row("overdue sev1")
    assert "update overdue" not in row("fresh sev1")
    assert "needs review" in row("flagged")
    assert "no ticket" not in row("old resolved") and "update overdue" not in row("old resolved")


def test_it_escapes_external_text(logged_in, teams, make_incident):
    make_incident("<script>alert(1)</script>", started_at=timezone.now())
    body = logged_in.get(reverse("incident-list")).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"state": "open"}, {"triggered", "acked"}),
        ({"state": "resolved"}, {"resolved"}),
        ({"state": "counted"}, {"triggered", "acked", "resolved"}),
        ({"state": "canceled"}, {"canceled"}),
        ({"severity": "SEV1"}, {"triggered"}),
        ({"severity": "unknown"}, {"canceled"}),
        ({"source": "slack"}, {"acked"}),
        ({"team": "cc"}, {"triggered", "resolved"}),  # cc-app's team, or impact on CC
        ({"team": "ee"}, {"acked"}),
        ({"ticket": "no"}, {"triggered", "acked"}),  # a canceled one owes no ticket
        ({"acknowledged": "no"}, {"triggered", "canceled"}),
    ],
)
def test_it_filters(logged_in, teams, make_incident, params, expected):
    now = timezone.now()
    cc_app = Service.objects.get(name="cc-app")
    make_incident("triggered", started_at=now - timedelta(hours=1), severity="SEV1", service=cc_app)
    make_incident(
        "acked",
        started_at=now - timedelta(hours=2),
        severity="SEV2",
        source=Source.SLACK,
        acknowledged_at=now - timedelta(hours=1),
        state=State.ACKNOWLEDGED,
        service=Service.objects.get(name="ee-max-cfi-app"),
    )
    resolved = make_incident(
        "resolved",
        started_at=now - timedelta(hours=3),
        severity="SEV3",
        state=State.RESOLVED,
        acknowledged_at=now - timedelta(hours=3),
        resolved_at=now - timedelta(hours=2),
        ticket_url="https://github.com/o/r/issues/2",
    )
    IncidentImpact.objects.create(incident=resolved, team=teams["cc"], start=resolved.started_at)
    make_incident(
        "canceled",
        started_at=now - timedelta(hours=4),
        state=State.CANCELED,
        canceled_at=now - timedelta(hours=4),
    )
    response = logged_in.get(reverse("incident-list"), params)
    listed = {i.title for i in response.context["page"].object_list}
    assert listed == expected


def test_it_filters_by_sprint_and_window(logged_in, teams, make_incident, cadence):
    from rotations import services

    services.sprints_generate(cadence=cadence)
    sprint = Sprint.objects.get(number=2)
    since, until = sprint.window()
    make_incident("first minute", started_at=since)
    make_incident("last minute", started_at=until - timedelta(minutes=1))
    make_incident("next sprint", started_at=until)
    make_incident("sprint before", started_at=since - timedelta(minutes=1))
    by_sprint = logged_in.get(reverse("incident-list"), {"sprint": "2"})
    assert {i.title for i in by_sprint.context["page"]} == {"first minute", "last minute"}
    by_window = logged_in.get(
        reverse("incident-list"),
        {"since": since.isoformat(), "until": until.isoformat()},
    )
    assert {i.title for i in by_window.context["page"]} == {"first minute", "last minute"}


def test_it_names_filters_it_cannot_read_and_ignores_them(logged_in, incident):
    response = logged_in.get(
        reverse("incident-list"),
        {"severity": "SEV9", "since": "last tuesday", "sprint": "x", "state": "open"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Unknown severity &#x27;SEV9&#x27;" in body
    assert "since is not an ISO 8601" in body
    assert "Sprint must be a number" in body
    assert [i.pk for i in response.context["page"]] == [incident.pk]


def test_it_keeps_the_filters_when_paging(logged_in, teams, make_incident):
    now = timezone.now()
    for n in range(60):
        make_incident(f"incident {n}", started_at=now - timedelta(minutes=n), severity="SEV3")
    body = logged_in.get(reverse("incident-list"), {"severity": "SEV3"}).content.decode()
    assert "?severity=SEV3&amp;page=2" in body


def test_it_shows_an_empty_state(logged_in, teams):
    body = logged_in.get(reverse("incident-list")).content.decode()
    assert "No incidents yet" in body
    body = logged_in.get(reverse("incident-list"), {"state": "open"}).content.decode()
    assert "No incident matches these filters" in body


def test_the_list_answers_in_a_bounded_number_of_queries_at_10000_incidents(
    logged_in, demo_team, django_assert_max_num_queries
):
    now = timezone.now()
    rng = random.Random(4)
    services = list(Service.objects.all())
    teams = list({s.team for s in services})
    rows = []
    for n in range(10_000):
        started = now - timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        resolved = n % 3 != 0
        rows.append(
            Incident(
                title=f"incident {n}",
                started_at=started,
                state=State.RESOLVED if resolved else State.ACKNOWLEDGED,
                acknowledged_at=started + timedelta(minutes=5),
                resolved_at=started + timedelta(minutes=rng.randrange(10, 600))
                if resolved
                else None,
                severity=rng.choice(["SEV1", "SEV2", "SEV3", "SEV4", ""]),
                source=rng.choice(Source.values),
                service=rng.choice(services),
                last_update_at=started,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=2000)
    ids = list(Incident.objects.values_list("pk", "started_at")[:2000])
    IncidentImpact.objects.bulk_create(
        IncidentImpact(
            incident_id=pk,
            team=rng.choice(teams),
            start=started,
            end=started + timedelta(minutes=30),
        )
        for pk, started in ids
    )
    team = teams[0].slug
    sprint = Sprint.objects.containing(timezone.localdate()).get().number
    for params in (
        {},
        {"state": "open", "severity": "SEV1"},
        {"team": team, "page": "3"},
        {"sprint": str(sprint)},
    ):
        with django_assert_max_num_queries(10):
            response = logged_in.get(reverse("incident-list"), params)
        assert response.status_code == 200
    with django_assert_max_num_queries(14):
        response = logged_in.get(reverse("incident-metrics"))
    assert response.status_code == 200
    assert response.context["metrics"].incident_count > 0
    with django_assert_max_num_queries(8):
        response = logged_in.get(reverse("api-metrics"), {"sprint": str(sprint)})
    assert response.status_code == 200


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
    Alert.objects.create(
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


# Alerts


def make_alert(**fields) -> Alert:
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
    return Alert.objects.create(**{**defaults, **fields})


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
    Alert.objects.filter(pk=alert.pk).update(triggered_at=timezone.now())
    body = logged_in.get(reverse("alert-list")).content.decode()
    assert "Declare a new incident" in body
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    assert Incident.objects.count() == 2


def test_it_starts_an_alert_incident_now_when_datadog_gave_no_time(logged_in, teams):
    alert = make_alert(triggered_at=None)
    before = timezone.now()
    logged_in.post(reverse("alert-declare", args=[alert.pk]))
    assert Incident.objects.get().started_at >= before


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
    with django_assert_max_num_queries(12):
        response = logged_in.get(reverse("incident-detail", args=[incident.pk]))
    assert response.content.decode().count('name="impact-') > 20 * 3

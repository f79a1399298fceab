"""The incident list: newest first, its markers, its filters, in bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentImpact, Source, State
from rotations.models import PartnerTeam, Service, Sprint
from tests.incidents.conftest import add_bulk_incidents

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member):
    client.force_login(member)
    return client


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
    body = logged_in.get(reverse("incident-list"), {"state": ""}).content.decode()
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


def test_it_names_filters_it_cannot_read_and_ignores_them(logged_in, teams, make_incident):
    incident = make_incident(started_at=timezone.now())
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
    add_bulk_incidents(10_000, seed=4, open_every=3, impacts=2000)
    teams = list(PartnerTeam.objects.filter(services__isnull=False).distinct())
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
    # Partner app performance's stored rows one, the deployment figures four.
    with django_assert_max_num_queries(19):
        response = logged_in.get(reverse("incident-metrics"))
    assert response.status_code == 200
    assert response.context["metrics"].incident_count > 0
    # The security part's fourteen among them (findings: eight), the releases part's two,
    # performance one.
    with django_assert_max_num_queries(22):
        response = logged_in.get(reverse("api-metrics"), {"sprint": str(sprint)})
    assert response.status_code == 200


def test_it_opens_on_what_is_open_with_all_history_one_click_away(logged_in, teams, make_incident):
    now = timezone.now()
    make_incident("still open", started_at=now - timedelta(hours=2), state=State.ACKNOWLEDGED)
    make_incident(
        "long fixed",
        started_at=now - timedelta(days=9),
        state=State.RESOLVED,
        resolved_at=now - timedelta(days=9) + timedelta(hours=1),
    )
    body = logged_in.get(reverse("incident-list")).content.decode()
    assert "still open" in body and "long fixed" not in body
    assert "Showing the open incidents" in body and '?state=">All incidents' in body
    assert "Clear all filters" not in body
    every = logged_in.get(reverse("incident-list"), {"state": ""}).content.decode()
    assert "still open" in every and "long fixed" in every
    assert "Showing the open incidents" not in every
    page_two = logged_in.get(reverse("incident-list"), {"page": "2"}).content.decode()
    assert "Showing the open incidents" in page_two  # a page number is not a filter
    # Nothing open, but history: say so rather than "no incidents yet".
    Incident.objects.filter(title="still open").update(state=State.RESOLVED, resolved_at=now)
    body = logged_in.get(reverse("incident-list")).content.decode()
    assert "No incident is open." in body and "No incidents yet" not in body

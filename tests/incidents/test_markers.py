"""The rules where they meet the database: their SQL forms agree with the pure ones, and the
selectors hand the pages what the rules decided."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents import rules, selectors, selectors_metrics
from incidents.models import Incident, IncidentImpact, State
from rotations.models import Service
from tests.clock import NOW

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
TICKET = "https://github.com/o/r/issues/7"


@pytest.fixture
def every_kind(make_incident):
    """One incident per state, with and without a ticket."""
    for state in State.values:
        for ticket in ("", TICKET):
            make_incident(
                f"{state} {'with' if ticket else 'without'} ticket",
                started_at=NOW - 2 * HOUR,
                state=state,
                ticket_url=ticket,
                resolved_at=NOW - HOUR if state == State.RESOLVED else None,
                canceled_at=NOW - HOUR if state == State.CANCELED else None,
            )


def test_the_sql_form_of_owes_ticket_picks_the_same_rows(every_kind):
    by_rule = {i.pk for i in Incident.objects.all() if rules.owes_ticket(i)}
    assert len(by_rule) == 4  # four states without a ticket; canceled owes none
    assert set(selectors.incidents_owing_ticket().values_list("pk", flat=True)) == by_rule


def test_the_no_ticket_filter_lists_the_incidents_owing_one(every_kind):
    owing = selectors.incident_list(selectors.filters_from_params({"ticket": "no"}))
    assert {i.title for i in owing} == {
        f"{state} without ticket"
        for state in (State.TRIGGERED, State.ACKNOWLEDGED, State.MITIGATED, State.RESOLVED)
    }


def test_it_marks_each_listed_incident_as_of_now(make_incident):
    make_incident("fresh", started_at=NOW - 10 * timedelta(minutes=1), severity="SEV1")
    make_incident("stale", started_at=NOW - HOUR, severity="SEV1", ticket_url=TICKET)
    marked = {i.title: i.markers for i in selectors.with_markers(Incident.objects.all(), now=NOW)}
    assert marked["fresh"] == rules.Markers(False, True, False)
    assert marked["stale"] == rules.Markers(True, False, False)
    later = selectors.with_markers(Incident.objects.filter(title="fresh"), now=NOW + HOUR)
    assert later[0].markers.update_overdue


@pytest.mark.parametrize(
    ("service", "state", "recorded", "implied"),
    [
        ("cc-app", State.TRIGGERED, False, "Contention Classification"),
        ("cc-app", State.RESOLVED, False, "Contention Classification"),
        ("cc-app", State.CANCELED, False, None),
        ("cc-app", State.TRIGGERED, True, None),
        ("svc-bgs-api", State.TRIGGERED, False, None),  # the platform team's service
        (None, State.TRIGGERED, False, None),
    ],
)
def test_the_detail_page_names_the_team_the_metrics_count(
    teams, make_incident, service, state, recorded, implied
):
    incident = make_incident(
        started_at=NOW - 2 * HOUR,
        state=state,
        service=Service.objects.get(name=service) if service else None,
        resolved_at=NOW - HOUR if state == State.RESOLVED else None,
        canceled_at=NOW - HOUR if state == State.CANCELED else None,
    )
    if recorded:
        IncidentImpact.objects.create(
            incident=incident, team=teams["ee"], start=incident.started_at
        )
    team = selectors.implied_impact_team(selectors.incident_detail(incident.pk))
    assert (team.name if team else None) == implied
    # The metrics read the same rule from their own rows.
    facts = selectors_metrics.incident_facts(since=NOW - 3 * HOUR, until=NOW).facts
    counted = {i.team for f in facts for i in f.impacts} - {teams["ee"].name}
    assert counted == ({implied} if implied else set())

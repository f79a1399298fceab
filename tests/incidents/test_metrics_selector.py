"""The metrics selector feeds the pure functions from the ORM: hand-computed figures
(the incident set is `scenario` in conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from incidents.metrics import incident_metrics
from incidents.models import Incident, IncidentImpact, State
from incidents.selectors import incident_facts
from rotations.models import Service

from .conftest import AS_OF, SINCE, UNTIL, at

pytestmark = pytest.mark.django_db


def test_it_computes_hand_checked_figures_through_the_orm(scenario):
    result = incident_facts(since=SINCE, until=UNTIL)
    m = incident_metrics(result.facts, since=SINCE, until=UNTIL, as_of=AS_OF)
    # Counted: A B C F G J; resolved A (60 min) B (90) C (30) F (60, not 120 by the wall clock).
    assert (m.incident_count, m.resolved_count, m.open_count, m.canceled_count) == (6, 4, 2, 1)
    assert m.mttr_seconds == 3600.0
    assert m.mttr_median_seconds == 3600.0
    assert m.mttr_p90_seconds == pytest.approx(4860.0)  # 3600 + 0.7 * (5400 - 3600)
    # Acknowledged A (5 min) C (10) F (20) G (15): mean 12.5 min; B and J never.
    assert m.mtta_seconds == 750.0
    assert (m.acknowledged_count, m.unacknowledged_count) == (4, 2)
    assert dict(m.by_severity) == {"SEV1": 1, "SEV2": 2, "SEV3": 1, "SEV4": 1, "unknown": 1}
    assert dict(m.by_source) == {"datadog": 1, "manual": 2, "pagerduty": 2, "slack": 1}
    # CC: A (10:00-11:00, from its service) and B (10:30-12:00) overlap: 2 h, not 2.5 h.
    # EE: E's 04:00-06:00 clipped to the window's 05:00 start: 1 h.
    assert dict(m.partner_impact_minutes) == {
        "Contention Classification": 120.0,
        "Employee Experience": 60.0,
    }


def test_it_leaves_out_and_names_an_incident_that_contradicts_itself(scenario):
    result = incident_facts(since=SINCE, until=UNTIL)
    assert [s.id for s in result.skipped] == [scenario["bad"].pk]
    assert "resolved before it started" in result.skipped[0].reason
    assert scenario["bad"].pk not in {f.id for f in result.facts}


def test_it_counts_an_incident_resolved_after_as_of_as_still_open(scenario):
    as_of = at(5, 10, 45)  # A acknowledged, not yet resolved; B started, nothing else
    result = incident_facts(since=SINCE, until=UNTIL)
    m = incident_metrics(result.facts, since=SINCE, until=UNTIL, as_of=as_of)
    assert (m.resolved_count, m.open_count) == (1, 2)  # C resolved; A and B open
    assert m.mttr_seconds == 1800.0
    # Impact runs to as_of: CC from 10:00 to 10:45.
    assert m.partner_impact_minutes["Contention Classification"] == 45.0


def test_it_measures_a_dst_night_in_real_time(teams, make_incident):
    make_incident(
        "DST",
        started_at=at(8, 6, 30),
        resolved_at=at(8, 7, 30),
        state=State.RESOLVED,
        severity="SEV2",
    )
    day = (datetime(2026, 3, 8, 5, tzinfo=UTC), datetime(2026, 3, 9, 4, tzinfo=UTC))  # 23 h
    result = incident_facts(since=day[0], until=day[1])
    m = incident_metrics(result.facts, since=day[0], until=day[1], as_of=AS_OF)
    assert m.mttr_seconds == 3600.0


def test_it_ends_an_implied_impact_at_mitigation(teams, make_incident):
    make_incident(
        "cc-app down",
        started_at=at(6, 10),
        mitigated_at=at(6, 10, 20),
        state=State.MITIGATED,
        service=Service.objects.get(name="cc-app"),
    )
    result = incident_facts(since=SINCE, until=UNTIL)
    m = incident_metrics(result.facts, since=SINCE, until=UNTIL, as_of=AS_OF)
    assert dict(m.partner_impact_minutes) == {"Contention Classification": 20.0}
    assert m.open_count == 1


def test_it_reads_an_open_impact_from_an_older_incident_up_to_as_of(teams, make_incident):
    old = make_incident("old", started_at=at(1, 12), state=State.ACKNOWLEDGED)
    IncidentImpact.objects.create(incident=old, team=teams["ee"], start=at(1, 12))
    result = incident_facts(since=SINCE, until=UNTIL)
    m = incident_metrics(result.facts, since=SINCE, until=UNTIL, as_of=at(4, 7))
    assert m.incident_count == 0
    assert dict(m.partner_impact_minutes) == {"Employee Experience": 120.0}  # 05:00-07:00


def test_it_reads_the_window_in_a_bounded_number_of_queries(
    teams, make_incident, django_assert_num_queries
):
    for day in range(5, 15):
        incident = make_incident(str(day), started_at=at(day, 9))
        IncidentImpact.objects.create(incident=incident, team=teams["cc"], start=at(day, 9))
    with django_assert_num_queries(2):
        result = incident_facts(since=SINCE, until=UNTIL)
    assert len(result.facts) == 10


def test_the_list_links_select_the_same_incidents_as_the_figures(scenario):
    """Following a number's link lists the incidents that number counts."""
    from incidents.selectors import filters_from_params, incident_list

    result = incident_facts(since=SINCE, until=UNTIL)
    m = incident_metrics(result.facts, since=SINCE, until=UNTIL, as_of=AS_OF)
    window = {"since": "2026-03-04T05:00:00Z", "until": "2026-03-18T04:00:00Z"}

    def listed(**params: str) -> set[int]:
        filters = filters_from_params({**window, **params})
        assert filters.errors == []
        return set(incident_list(filters).values_list("pk", flat=True))

    bad = {scenario["bad"].pk}
    assert listed(state="resolved") - bad == set(m.resolved_ids)
    assert listed(state="open") == set(m.open_ids)
    assert listed(state="counted", acknowledged="no") - bad == set(m.unacknowledged_ids)
    assert listed(state="canceled") == set(m.canceled_ids)
    impacted = filters_from_params(
        {"impacted": "cc", "impact_since": window["since"], "impact_until": window["until"]}
    )
    assert set(incident_list(impacted).values_list("title", flat=True)) == {"A", "B"}
    assert Incident.objects.count() == 10

"""The metrics selector feeds the pure functions from the ORM: hand-computed figures
(the incident set is `scenario` in conftest.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from incidents import trend_cache
from incidents.metrics import incident_metrics, to_json
from incidents.models import Incident, IncidentImpact, State
from incidents.selectors_metrics import (
    incident_facts,
    metrics_document,
    sprint_trend,
    window_metrics,
)
from rotations import services
from rotations.models import Service, Sprint

from .conftest import AS_OF, MIN, SINCE, UNTIL, at

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
    with django_assert_num_queries(2):  # started in the window; older ones reaching in
        result = incident_facts(since=SINCE, until=UNTIL)
    assert len(result.facts) == 10
    assert all(len(f.impacts) == 1 for f in result.facts)


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


# The trend and the document: the same figures as a window's, from the same functions


@pytest.fixture
def sprints(cadence) -> dict[int, Sprint]:
    """Sprints 1-5 from Wednesday 2026-01-07 (and those generated ahead); sprint 5 is the
    `scenario` window, across the DST change."""
    services.sprints_generate(cadence=cadence, today=date(2026, 3, 11))
    return {s.number: s for s in Sprint.objects.all()}


def in_sprint(sprint: Sprint, days: int, hours: int = 0) -> datetime:
    return sprint.starts_at + timedelta(days=days, hours=hours)


def resolved_incident(make_incident, started: datetime, *, ack: int | None, repair: int):
    return make_incident(
        f"started {started:%b %d %H:%M}",
        started_at=started,
        acknowledged_at=None if ack is None else started + ack * MIN,
        resolved_at=started + repair * MIN,
        state=State.RESOLVED,
        severity="SEV3",
    )


def test_the_trend_gives_each_sprint_the_figures_of_its_window(sprints, scenario, make_incident):
    trend_cache.clear()
    two, three = sprints[2], sprints[3]
    resolved_incident(make_incident, in_sprint(two, 1), ack=10, repair=60)
    resolved_incident(make_incident, in_sprint(two, 3), ack=20, repair=120)
    resolved_incident(make_incident, in_sprint(three, 2), ack=None, repair=30)
    make_incident("still open", started_at=in_sprint(three, 5), acknowledged_at=in_sprint(three, 6))

    trend = sprint_trend(last=sprints[5], as_of=AS_OF)

    assert [point.sprint.number for point in trend] == [1, 2, 3, 4, 5]
    by_number = {point.sprint.number: point.metrics for point in trend}
    assert (by_number[2].mttr_seconds, by_number[2].mtta_seconds) == (5400.0, 900.0)
    assert (by_number[3].resolved_count, by_number[3].open_count) == (1, 1)
    assert by_number[3].unacknowledged_count == 1
    assert (by_number[1].incident_count, by_number[1].mttr_seconds) == (0, None)
    assert by_number[4].mttr_seconds == 25200.0  # the scenario's E, just before sprint 5
    assert by_number[5].mttr_p90_seconds == pytest.approx(4860.0)  # the scenario's
    for point in trend:
        window = window_metrics(since=point.window.since, until=point.window.until, as_of=AS_OF)
        assert trend_figures(point.metrics) == trend_figures(window.metrics), point.sprint


def trend_figures(m) -> tuple:
    return (
        m.incident_count,
        m.resolved_count,
        m.open_count,
        m.acknowledged_count,
        m.unacknowledged_count,
        m.canceled_count,
        m.mttr_seconds,
        m.mttr_median_seconds,
        m.mttr_p90_seconds,
        m.mtta_seconds,
        set(m.resolved_ids),
        set(m.open_ids),
    )


def test_it_reads_a_settled_sprint_once_and_again_after_any_correction(
    sprints, make_incident, django_assert_num_queries
):
    trend_cache.clear()
    two = sprints[2]
    a = resolved_incident(make_incident, in_sprint(two, 1), ack=10, repair=60)
    b = resolved_incident(make_incident, in_sprint(two, 3), ack=20, repair=120)

    def sprint_two():
        return {p.sprint.number: p.metrics for p in sprint_trend(last=sprints[5], as_of=AS_OF)}[2]

    with django_assert_num_queries(3):  # the sprints, their digests, their incidents
        first = sprint_two()
    with django_assert_num_queries(2):  # the sprints and their digests: nothing read again
        assert sprint_two() == first
    assert (first.mttr_seconds, first.mtta_seconds) == (5400.0, 900.0)

    # A person corrects a resolution: the save moves updated_at.
    a.resolved_at = a.started_at + 30 * MIN
    a.save()
    assert sprint_two().mttr_seconds == 4500.0  # (30 + 120) / 2 min
    # The sync finds an earlier acknowledgement (not the sprint's latest one), in bulk.
    a.acknowledged_at = a.started_at + 4 * MIN
    Incident.objects.bulk_update([a], ["acknowledged_at"])
    assert sprint_two().mtta_seconds == 720.0  # (4 + 20) / 2 min
    # A save of named fields only.
    a.acknowledged_at = a.started_at + 2 * MIN
    a.save(update_fields=["acknowledged_at"])
    assert sprint_two().mtta_seconds == 660.0  # (2 + 20) / 2 min
    # Upstream moves a start ten minutes earlier, nothing else.
    Incident.objects.filter(pk=b.pk).update(started_at=b.started_at - 10 * MIN)
    assert sprint_two().mttr_seconds == 4800.0  # (30 + 130) / 2 min
    # Reopened upstream: the state and the resolution go.
    Incident.objects.filter(pk=b.pk).update(state=State.TRIGGERED, resolved_at=None)
    assert (sprint_two().resolved_count, sprint_two().open_count) == (1, 1)
    a.delete()
    assert sprint_two().incident_count == 1


def test_it_keeps_no_figures_while_a_sprint_has_a_resolution_after_as_of(sprints, make_incident):
    trend_cache.clear()
    two = sprints[2]  # ends 2026-02-04
    make_incident(
        "resolved weeks later",
        started_at=in_sprint(two, 2),
        resolved_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        state=State.RESOLVED,
    )

    def sprint_two(as_of: datetime):
        return sprint_trend(last=two, as_of=as_of)[-1].metrics  # sprints 1 and 2, both over

    early = sprint_two(datetime(2026, 2, 10, tzinfo=UTC))  # sprint 2 over, not yet resolved
    assert (early.resolved_count, early.open_count) == (0, 1)
    assert (sprint_two(AS_OF).resolved_count, sprint_two(AS_OF).open_count) == (1, 0)


def test_the_trend_reuses_the_figures_the_page_has_read(
    sprints, scenario, django_assert_num_queries
):
    trend_cache.clear()
    known = window_metrics(since=SINCE, until=UNTIL, as_of=AS_OF)
    with django_assert_num_queries(3):  # the sprints, the digest, sprints 1-4's incidents
        sprint_trend(last=sprints[5], as_of=AS_OF, known=known)
    with django_assert_num_queries(2):  # sprints 1-4 kept; sprint 5's not read again
        trend = sprint_trend(last=sprints[5], as_of=AS_OF, known=known)
    assert trend_figures(trend[-1].metrics) == trend_figures(known.metrics)
    assert dict(trend[-1].metrics.partner_impact_minutes) == {}  # the trend has no impact


def test_the_document_carries_the_window_figures(scenario):
    document = metrics_document(since=SINCE, until=UNTIL, as_of=AS_OF)
    figures = window_metrics(since=SINCE, until=UNTIL, as_of=AS_OF)
    assert document["incidents"] == {**to_json(figures.metrics), "partner_performance": {}}
    assert (document["since"], document["until"]) == (
        "2026-03-04T05:00:00Z",
        "2026-03-18T04:00:00Z",
    )

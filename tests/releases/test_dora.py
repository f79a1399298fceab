"""DORA figures against hand-computed ones; no database, the time is passed in."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from releases.dora import (
    DeploymentFacts,
    IncidentStart,
    calendar_weeks,
    change_failure_rate,
    deployment_frequency,
)

NEW_YORK = ZoneInfo("America/New_York")
# Sprint 5 of the demo cadence: 2026-03-04..2026-03-17 local, across the 2026-03-08 DST change.
SINCE = datetime(2026, 3, 4, 5, tzinfo=UTC)  # local midnight, EST
UNTIL = datetime(2026, 3, 18, 4, tzinfo=UTC)  # local midnight, EDT
AS_OF = datetime(2026, 3, 25, tzinfo=UTC)
HOUR = timedelta(hours=1)

quick = settings(database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def deploy(id, at, environment="prod", services=("svc-a",), **kwargs) -> DeploymentFacts:
    return DeploymentFacts(
        id=id, environment=environment, deployed_at=at, services=frozenset(services), **kwargs
    )


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def frequency(deployments, **kwargs):
    kwargs = {"since": SINCE, "until": UNTIL, "as_of": AS_OF, "zone": NEW_YORK, **kwargs}
    return deployment_frequency(deployments, **kwargs)


def cfr(deployments, incidents=(), **kwargs):
    kwargs = {"since": SINCE, "until": UNTIL, "as_of": AS_OF, **kwargs}
    return change_failure_rate(deployments, incidents, **kwargs)


# --- deployment frequency ---------------------------------------------------------------


def test_it_counts_deploys_and_deploy_days_per_week_of_a_sprint():
    result = frequency(
        [
            deploy(1, at(4, 14)),
            deploy(2, at(4, 18)),  # same local day
            deploy(3, at(10)),
            deploy(4, at(12), environment="qa"),
        ]
    )
    assert (result.deployments, result.deploy_days) == (4, 3)
    # 14 days of the team's calendar are 2 weeks, though the DST change made them 335 h.
    assert result.weeks == 2
    assert result.deploys_per_week == 2
    assert result.deploy_days_per_week == 1.5


def test_production_alone_is_the_prod_environment():
    deployments = [deploy(1, at(5)), deploy(2, at(6), environment="dev")]
    result = frequency(deployments, environment="prod")
    assert (result.deployments, result.deploys_per_week) == (1, 0.5)


def test_deploy_days_are_the_teams_dates_not_utc_dates():
    # 03:00 UTC on Mar 11 is 23:00 EDT on Mar 10; 05:00 UTC on Mar 11 is Mar 11.
    result = frequency([deploy(1, at(11, 3)), deploy(2, at(10, 20)), deploy(3, at(11, 5))])
    assert result.days == (date(2026, 3, 10), date(2026, 3, 11))


def test_a_local_day_across_the_dst_change_is_one_deploy_day():
    # Sunday Mar 8 local runs 05:00 UTC to 04:00 UTC next day (23 hours).
    result = frequency([deploy(1, at(8, 5)), deploy(2, at(9, 3))])
    assert result.deploy_days == 1 and result.days == (date(2026, 3, 8),)


def test_the_window_is_half_open_and_stops_at_as_of():
    deployments = [deploy(1, SINCE), deploy(2, UNTIL), deploy(3, at(10)), deploy(4, at(12))]
    result = frequency(deployments, as_of=at(11))
    assert result.deployments == 2  # SINCE and Mar 10; UNTIL is out, Mar 12 not yet
    # Measured from Mar 4 00:00 to Mar 11 08:00 EDT: 7 days 8 hours on the wall clock.
    assert result.weeks == pytest.approx((7 + 8 / 24) / 7)


def test_nothing_measured_before_the_window_begins_is_none():
    result = frequency([], as_of=SINCE - HOUR)
    assert result.deployments == 0
    assert result.deploys_per_week is None and result.deploy_days_per_week is None


def test_calendar_weeks_ignore_the_dst_hour_in_autumn_too():
    since = datetime(2026, 10, 28, 4, tzinfo=UTC)  # Oct 28 00:00 EDT
    until = datetime(2026, 11, 11, 5, tzinfo=UTC)  # Nov 11 00:00 EST, 337 real hours later
    assert calendar_weeks(since, until, NEW_YORK) == 2


def test_it_rejects_naive_instants():
    with pytest.raises(ValueError, match="timezone-aware"):
        deploy(1, datetime(2026, 3, 5))


# --- change failure rate ----------------------------------------------------------------


def test_no_deployment_means_no_rate():
    result = cfr([])
    assert (result.failed, result.deployments, result.rate) == (0, 0, None)


def test_a_rollback_and_a_linked_incident_fail_a_deployment():
    result = cfr(
        [
            deploy(1, at(5), rolled_back=True, rolled_back_at=at(5, 14)),
            deploy(2, at(6), linked_incidents=(77,)),
            deploy(3, at(7)),
            deploy(4, at(9)),
        ]
    )
    assert (result.failed, result.deployments, result.rate) == (2, 4, 0.5)
    assert [f.deployment.id for f in result.failures] == [1, 2]
    assert result.failures[0].reasons() == ["rolled back"]
    assert result.failures[1].incident_ids == (77,)


def test_a_rollback_after_as_of_has_not_happened_yet():
    deployments = [deploy(1, at(5), rolled_back=True, rolled_back_at=at(6))]
    assert cfr(deployments, as_of=at(5, 20)).failed == 0
    assert cfr(deployments, as_of=at(6)).failed == 1


def test_an_incident_on_a_service_within_the_window_fails_its_last_deployment():
    deployments = [deploy(1, at(5), services=("svc-a", "svc-b")), deploy(2, at(9))]
    incidents = [
        IncidentStart(10, "svc-b", at(5) + 23 * HOUR),  # inside 24 h
        IncidentStart(11, "svc-a", at(9) + 24 * HOUR),  # exactly 24 h: outside
        IncidentStart(12, "svc-c", at(9) + HOUR),  # not deployed
    ]
    result = cfr(deployments, incidents)
    assert (result.failed, result.deployments) == (1, 2)
    assert result.failures[0].reasons() == ["incident 10 on svc-b"]


def test_the_next_deployment_of_the_service_ends_the_window_sooner():
    deployments = [deploy(1, at(5, 10)), deploy(2, at(5, 12))]
    incidents = [IncidentStart(10, "svc-a", at(5, 13))]  # after the second one went out
    result = cfr(deployments, incidents)
    assert [f.deployment.id for f in result.failures] == [2]


def test_a_deployment_of_another_service_does_not_end_the_window():
    deployments = [deploy(1, at(5, 10)), deploy(2, at(5, 12), services=("svc-b",))]
    result = cfr(deployments, [IncidentStart(10, "svc-a", at(5, 13))])
    assert [f.deployment.id for f in result.failures] == [1]


def test_a_next_deployment_after_the_window_ends_still_bounds_it():
    # The window ends Mar 18; the next deployment on Mar 18 01:00 is passed in for the bound.
    deployments = [deploy(1, UNTIL - 2 * HOUR), deploy(2, UNTIL - HOUR / 2)]
    deployments.append(deploy(3, UNTIL + HOUR))
    result = cfr(deployments, [IncidentStart(10, "svc-a", UNTIL + 2 * HOUR)])
    assert result.deployments == 2 and result.failed == 0


def test_incidents_fail_only_prod_deployments():
    deployments = [deploy(1, at(5), environment="qa")]
    assert cfr(deployments, [IncidentStart(10, "svc-a", at(5, 13))]).failed == 0


def test_an_incident_before_the_deployment_or_after_as_of_does_not_count():
    deployments = [deploy(1, at(5, 10))]
    incidents = [IncidentStart(10, "svc-a", at(5, 9)), IncidentStart(11, "svc-a", at(5, 15))]
    assert cfr(deployments, incidents, as_of=at(5, 14)).failed == 0
    assert cfr(deployments, incidents, as_of=at(5, 15)).failed == 1


def test_the_window_is_configurable():
    deployments = [deploy(1, at(5, 10))]
    incidents = [IncidentStart(10, "svc-a", at(5, 16))]
    assert cfr(deployments, incidents, window=4 * HOUR).failed == 0
    assert cfr(deployments, incidents, window=8 * HOUR).failed == 1


def test_the_window_counts_real_hours_across_the_dst_change():
    # Sat Mar 7 22:00 EST is 03:00 UTC Mar 8; 24 real hours later is Sun 23:00 EDT.
    deployments = [deploy(1, datetime(2026, 3, 8, 3, tzinfo=UTC))]
    inside = IncidentStart(10, "svc-a", datetime(2026, 3, 9, 2, 59, tzinfo=UTC))
    outside = IncidentStart(11, "svc-a", datetime(2026, 3, 9, 3, tzinfo=UTC))
    assert cfr(deployments, [outside]).failed == 0
    assert cfr(deployments, [inside]).failed == 1


def test_prod_scope_counts_only_prod():
    deployments = [deploy(1, at(5), rolled_back=True), deploy(2, at(6), environment="dev")]
    prod = cfr(deployments, environment="prod")
    assert (prod.failed, prod.deployments, prod.rate) == (1, 1, 1.0)
    assert cfr(deployments).rate == 0.5


def test_it_refuses_inconsistent_facts():
    with pytest.raises(ValueError, match="rolled back before"):
        deploy(1, at(5), rolled_back=True, rolled_back_at=at(4))
    with pytest.raises(ValueError, match="no rollback"):
        deploy(1, at(5), rolled_back_at=at(6))
    with pytest.raises(ValueError, match="positive"):
        cfr([], window=timedelta(0))


# --- properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 3, 1), max_value=datetime(2026, 3, 25), timezones=st.just(UTC)
)
facts = st.builds(
    lambda i, when, env, services, rolled: deploy(
        i, when, environment=env, services=services, rolled_back=rolled
    ),
    st.integers(0, 10_000),
    instants,
    st.sampled_from(["dev", "qa", "sandbox", "prod-test", "prod"]),
    st.sets(st.sampled_from(["svc-a", "svc-b", "svc-c"]), max_size=3),
    st.booleans(),
)
starts = st.builds(
    IncidentStart, st.integers(0, 10_000), st.sampled_from(["svc-a", "svc-b", "svc-c"]), instants
)


@quick
@given(st.lists(facts, max_size=40), st.lists(starts, max_size=40), instants)
def test_the_rate_is_a_fraction_of_the_frequencys_count(deployments, incidents, as_of):
    for environment in ("prod", None):
        rate = cfr(deployments, incidents, as_of=as_of, environment=environment)
        freq = frequency(deployments, as_of=as_of, environment=environment)
        assert rate.deployments == freq.deployments
        assert 0 <= rate.failed <= rate.deployments
        assert (rate.rate is None) == (rate.deployments == 0)
        assert freq.deploy_days <= freq.deployments
        assert len(rate.failures) == rate.failed


@quick
@given(st.lists(facts, max_size=30), st.lists(starts, max_size=30))
def test_a_longer_window_never_finds_fewer_failures(deployments, incidents):
    short = cfr(deployments, incidents, window=6 * HOUR)
    long = cfr(deployments, incidents, window=48 * HOUR)
    assert {id(f.deployment) for f in short.failures} <= {id(f.deployment) for f in long.failures}


@quick
@given(st.lists(facts, max_size=30), st.lists(starts, max_size=30))
def test_a_failure_at_as_of_stays_a_failure_later(deployments, incidents):
    early = cfr(deployments, incidents, as_of=at(15))
    late = cfr(deployments, incidents, as_of=AS_OF)
    assert {id(f.deployment) for f in early.failures} <= {id(f.deployment) for f in late.failures}

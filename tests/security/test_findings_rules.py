"""The findings rules (security/findings.py) on hand-made facts: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from security import findings
from security.findings import FindingFacts, Sla
from tests.clock import NOW

NY = ZoneInfo("America/New_York")
SLA = Sla(zone=NY)
RESTART = Sla(restart_after_exception=True, zone=NY)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


def facts(n: int = 1, **fields) -> FindingFacts:
    fields.setdefault("first_seen", NOW - timedelta(days=10))
    fields.setdefault("severity", "high")
    return FindingFacts(id=n, **fields)


# Severity


@pytest.mark.parametrize(
    ("security_severity", "level", "expected"),
    [
        ("critical", "error", "critical"),
        ("low", "error", "low"),  # the security severity wins over the level
        ("HIGH ", None, "high"),
        (None, "error", "high"),
        (None, "warning", "medium"),
        (None, "note", "low"),
        (None, "none", "unrated"),
        (None, None, "unrated"),
        ("", "", "unrated"),
        ("severe", "note", "low"),  # an unknown security severity counts as absent
        ("severe", "fatal", "unrated"),
        (42, ["error"], "unrated"),  # not even text: unrated, never a crash
    ],
)
def test_code_scanning_severity(security_severity, level, expected):
    assert findings.severity_from_code_scanning(security_severity, level) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("critical", "critical"),
        ("moderate", "medium"),
        ("Low", "low"),
        (None, "unrated"),
        ("x", "unrated"),
    ],
)
def test_dependabot_severity(given, expected):
    assert findings.severity_from_dependabot(given) == expected


# Due dates: calendar days on the team's clock


def test_it_is_due_the_policy_days_after_the_scanner_first_saw_it():
    first_seen = local(2026, 1, 5, 9, 0)
    assert findings.sla_due(first_seen, "critical", SLA) == local(2026, 1, 20, 9, 0)
    assert findings.sla_due(first_seen, "low", SLA) == local(2026, 7, 4, 9, 0)


def test_an_unrated_finding_has_no_due_date():
    assert findings.sla_due(NOW, "unrated", SLA) is None


def test_the_policy_days_are_used():
    policy = Sla(days={"critical": 7, "high": 14, "medium": 30, "low": 60}, zone=NY)
    assert findings.sla_due(NOW, "high", policy) == NOW + timedelta(days=14)


def test_across_the_spring_change_the_due_wall_time_stays_and_a_day_has_23_hours():
    first_seen = local(2026, 3, 1, 14, 0)  # 19:00Z, EST
    due = findings.sla_due(first_seen, "critical", SLA)
    assert due == local(2026, 3, 16, 14, 0) == utc(2026, 3, 16, 18, 0)  # EDT
    assert due - first_seen == timedelta(days=15, hours=-1)


def test_across_the_fall_change_a_day_has_25_hours():
    first_seen = local(2026, 10, 25, 14, 0)  # EDT
    due = findings.sla_due(first_seen, "critical", SLA)
    assert due == local(2026, 11, 9, 14, 0) == utc(2026, 11, 9, 19, 0)  # EST
    assert due - first_seen == timedelta(days=15, hours=1)


def test_late_evening_before_the_change_stays_on_its_local_date():
    # 15 x 24 h would land at 00:30 on March 17; the local due date is March 16.
    first_seen = local(2026, 3, 1, 23, 30)
    due = findings.sla_due(first_seen, "critical", SLA)
    assert due.astimezone(NY).date() == date(2026, 3, 16)


def test_a_wall_time_lost_in_the_spring_gap_lands_just_past_it():
    due = findings.sla_due(local(2026, 2, 6, 2, 30), "high", SLA)  # -> Mar 8 02:30: no such time
    assert due == utc(2026, 3, 8, 7, 30) == local(2026, 3, 8, 3, 30)


def test_a_wall_time_that_happens_twice_in_the_fall_is_the_first():
    due = findings.sla_due(local(2026, 10, 2, 1, 30), "high", SLA)  # -> Nov 1 01:30, twice
    # (an ambiguous wall time never compares equal across zones: compare in UTC)
    assert due == utc(2026, 11, 1, 5, 30)
    assert due.astimezone(NY).utcoffset() == timedelta(hours=-4)  # still EDT


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),
    st.sampled_from(findings.SEVERITIES),
)
def test_the_local_due_date_is_always_first_seen_plus_the_days(moment, severity):
    first_seen = moment.replace(tzinfo=UTC)
    due = findings.sla_due(first_seen, severity, SLA)
    days = SLA.days[severity]
    assert due.astimezone(NY).date() == first_seen.astimezone(NY).date() + timedelta(days=days)
    assert abs(due - first_seen - timedelta(days=days)) <= timedelta(hours=1)


def test_naive_instants_and_bad_policies_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        findings.sla_due(datetime(2026, 3, 1), "high", SLA)
    with pytest.raises(ValueError, match="SLA days for high"):
        Sla(days={"critical": 15, "high": 0, "medium": 90, "low": 180})
    with pytest.raises(ValueError, match="unknown severity"):
        facts(severity="urgent")
    with pytest.raises(ValueError, match="closed without"):
        facts(closed=NOW)


# Overdue, exceptions, breaches


def test_it_is_overdue_from_its_due_instant_on():
    finding = facts(first_seen=NOW - timedelta(days=30), severity="high")
    due = findings.sla_due(finding.first_seen, "high", SLA)
    assert not findings.finding_status(finding, SLA, due - timedelta(seconds=1)).overdue
    assert findings.finding_status(finding, SLA, due).overdue


def test_a_closed_or_unrated_finding_is_never_overdue():
    old = NOW - timedelta(days=400)
    closed = facts(first_seen=old, closed=NOW - timedelta(days=1), closed_reason="fixed")
    assert findings.finding_status(closed, SLA, NOW).state == "closed"
    assert not findings.finding_status(closed, SLA, NOW).overdue
    assert not findings.finding_status(facts(first_seen=old, severity="unrated"), SLA, NOW).overdue
    # ... but it was, before it closed
    assert findings.finding_status(closed, SLA, NOW - timedelta(days=2)).overdue


def excepted(policy_days: int = 40, expires_in: timedelta = timedelta(days=5)) -> FindingFacts:
    return facts(
        first_seen=NOW - timedelta(days=policy_days),
        severity="high",
        exception_granted=NOW - timedelta(days=1),
        exception_expires=NOW + expires_in,
    )


def test_an_exception_suspends_the_sla_until_it_expires():
    finding = excepted()
    assert findings.finding_status(finding, SLA, NOW) == findings.FindingStatus(
        "excepted", findings.sla_due(finding.first_seen, "high", SLA), overdue=False
    )


def test_when_it_expires_the_finding_reopens_overdue_from_first_seen():
    finding = excepted()
    after = NOW + timedelta(days=5)
    status = findings.finding_status(finding, SLA, after)
    assert (status.state, status.overdue) == ("open", True)


def test_with_the_restart_setting_the_sla_runs_afresh_from_the_expiry():
    finding = excepted()
    expires = finding.exception_expires
    status = findings.finding_status(finding, RESTART, expires)
    assert (status.state, status.overdue, status.due) == (
        "open",
        False,
        expires + timedelta(days=30),
    )
    assert findings.finding_status(finding, RESTART, expires + timedelta(days=30)).overdue


def test_an_exception_granted_after_as_of_was_not_known_then():
    finding = excepted()
    before_grant = NOW - timedelta(days=2)
    status = findings.finding_status(finding, RESTART, before_grant)
    assert status.due == findings.sla_due(finding.first_seen, "high", SLA)
    assert (status.state, status.overdue) == ("open", True)


def test_an_exception_through_a_date_covers_that_whole_local_day():
    assert findings.exception_expiry(date(2026, 3, 20), NY) == local(2026, 3, 21, 0, 0)
    # through the Saturday before the spring change: midnight of the Sunday, still EST
    assert findings.exception_expiry(date(2026, 3, 7), NY) == utc(2026, 3, 8, 5, 0)
    assert findings.exception_expiry(date(2026, 10, 31), NY) == utc(2026, 11, 1, 4, 0)


def test_breaches_within_names_findings_due_in_the_next_days_only():
    def due_in(delta: timedelta) -> FindingFacts:
        return facts(first_seen=findings.add_days(NOW + delta, -30, NY), severity="high")

    assert findings.breaches_within(due_in(timedelta(days=2)), SLA, NOW, 3) is not None
    assert findings.breaches_within(due_in(timedelta(days=3)), SLA, NOW, 3) is not None
    assert findings.breaches_within(due_in(timedelta(days=3, minutes=1)), SLA, NOW, 3) is None
    assert (
        findings.breaches_within(due_in(-timedelta(hours=1)), SLA, NOW, 3) is None
    )  # already late
    assert findings.breaches_within(facts(severity="unrated"), SLA, NOW, 3) is None


def test_an_excepted_finding_breaches_when_its_exception_ends_within_the_span():
    soon = excepted(expires_in=timedelta(days=2))
    assert findings.breaches_within(soon, SLA, NOW, 3) == soon.exception_expires
    assert findings.breaches_within(excepted(expires_in=timedelta(days=5)), SLA, NOW, 3) is None
    # restarting afresh at the expiry, it is not due for another 30 days
    assert findings.breaches_within(soon, RESTART, NOW, 3) is None


def test_exceptions_expiring_within_days():
    assert findings.exception_expires_within(excepted(expires_in=timedelta(days=9)), NOW, 10, NY)
    assert not findings.exception_expires_within(
        excepted(expires_in=timedelta(days=11)), NOW, 10, NY
    )
    assert not findings.exception_expires_within(facts(), NOW, 10, NY)


# What a sync's new upstream state means


@pytest.mark.parametrize(
    ("stored", "incoming", "change"),
    [
        (None, "fixed", None),  # new: nothing to record
        ("open", "open", None),
        ("open", "fixed", "closed"),
        ("open", "auto_dismissed", "closed"),
        ("fixed", "open", "reopened"),
        ("dismissed", "open", "reopened"),
        ("dismissed", "fixed", None),
        ("open", "something new", None),  # an unknown state is not a closure
    ],
)
def test_upstream_change(stored, incoming, change):
    assert findings.upstream_change(stored, incoming) == change


def test_closure_takes_the_upstream_time_else_when_we_saw_it():
    fixed_at = NOW - timedelta(hours=3)
    assert findings.closure("fixed", fixed_at, None, seen_at=NOW) == (fixed_at, "fixed")
    assert findings.closure("dismissed", None, None, seen_at=NOW) == (NOW, "dismissed")
    assert findings.closure("auto_dismissed", None, fixed_at, seen_at=NOW) == (
        fixed_at,
        "dismissed",
    )
    assert findings.closure("open", fixed_at, None, seen_at=NOW) == (None, "")


# The window's figures

SINCE, UNTIL = NOW - timedelta(days=14), NOW


def summary(rows, as_of=NOW, policy=SLA):
    return findings.findings_summary(rows, policy=policy, since=SINCE, until=UNTIL, as_of=as_of)


def test_summary_counts_open_by_severity_and_tool_with_unrated_apart():
    rows = [
        facts(1, severity="critical", tool="aqua", first_seen=NOW - timedelta(days=20)),  # overdue
        facts(2, severity="unrated", tool="other"),
        facts(3, severity="low", tool="dependabot", first_seen=NOW - timedelta(days=3 * 365)),
        excepted(),
        facts(5, closed=NOW - timedelta(days=1), closed_reason="fixed"),
    ]
    result = summary(rows)
    assert result.open == 4
    assert dict(result.open_by_severity) == {
        "critical": 1,
        "high": 1,
        "medium": 0,
        "low": 1,
        "unrated": 1,
    }
    assert dict(result.open_by_tool) == {
        "snyk": 0,
        "aqua": 1,
        "dependabot": 1,
        "manual": 0,
        "other": 2,
    }
    assert (result.under_exception, result.overdue) == (1, 2)
    assert set(result.overdue_ids) == {1, 3}


def test_summary_opened_fixed_and_mean_days_to_remediate():
    rows = [
        # first seen 10 days ago, fixed 4 days later: 4 days
        facts(
            1,
            first_seen=NOW - timedelta(days=10),
            closed=NOW - timedelta(days=6),
            closed_reason="fixed",
        ),
        # first seen before the window, fixed in it after 30 days
        facts(
            2,
            first_seen=NOW - timedelta(days=32),
            closed=NOW - timedelta(days=2),
            closed_reason="fixed",
        ),
        # dismissed in the window: counted apart, not remediation
        facts(
            3,
            first_seen=NOW - timedelta(days=5),
            closed=NOW - timedelta(days=1),
            closed_reason="dismissed",
        ),
        facts(4, first_seen=NOW - timedelta(days=1)),  # opened, still open
        facts(5, first_seen=NOW + timedelta(hours=1)),  # after as_of: not yet
    ]
    result = summary(rows)
    assert (result.opened, result.fixed, result.dismissed) == (3, 2, 1)
    assert result.mean_days_to_remediate == pytest.approx(17.0)
    assert findings.to_json(result)["mean_days_to_remediate"] == 17.0


def test_summary_as_of_the_past_counts_what_was_known_then():
    fixed_late = facts(
        1,
        first_seen=NOW - timedelta(days=10),
        closed=NOW - timedelta(days=1),
        closed_reason="fixed",
    )
    result = summary([fixed_late], as_of=NOW - timedelta(days=2))
    assert (result.open, result.fixed, result.mean_days_to_remediate) == (1, 0, None)


def test_a_durations_across_dst_is_a_difference_of_instants():
    # first seen the evening before the spring change, fixed the evening after: 47 hours
    first_seen, fixed = local(2026, 3, 7, 20, 0), local(2026, 3, 9, 20, 0)
    row = facts(1, first_seen=first_seen, closed=fixed, closed_reason="fixed")
    result = findings.findings_summary(
        [row], policy=SLA, since=utc(2026, 3, 1), until=utc(2026, 3, 15), as_of=utc(2026, 3, 15)
    )
    assert result.mean_days_to_remediate == pytest.approx(47 / 24)


def test_an_empty_window_measures_nothing():
    result = summary([])
    assert (result.open, result.overdue, result.mean_days_to_remediate) == (0, 0, None)
    with pytest.raises(ValueError, match="before it starts"):
        findings.findings_summary([], policy=SLA, since=UNTIL, until=SINCE, as_of=NOW)

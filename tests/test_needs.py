"""The order of "needs you now" (`oncall_site.needs`), on hand-made lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oncall_site.needs import URGENCY, Need, ordered, total
from tests.clock import NOW

MIN = timedelta(minutes=1)


def test_kinds_go_in_the_order_of_urgency_whatever_they_waited():
    ready = Need("dependabot_ready", "3 Dependabot PRs ready to merge", "/q", count=3)
    overdue = Need("findings_overdue", "2 findings past the SLA", "/f", count=2)
    red = Need("secrel_red", "SecRel failing", "/s", since=NOW - 300 * MIN)
    paged = Need("triggered", "#4 BIP API 502s", "/i/4", since=NOW - 2 * MIN)
    alert = Need("alert_without_incident", "cc-app p95 latency", "/a", since=NOW - 90 * MIN)
    assert ordered([ready, overdue, red, alert, paged]) == [paged, alert, red, overdue, ready]


def test_within_a_kind_the_most_severe_first_then_whatever_waited_longest():
    sev3_old = Need("triggered", "#1", "/i/1", since=NOW - 60 * MIN, rank=2)
    sev1_new = Need("triggered", "#2", "/i/2", since=NOW - 1 * MIN, rank=0)
    sev1_old = Need("triggered", "#3", "/i/3", since=NOW - 9 * MIN, rank=0)
    assert ordered([sev3_old, sev1_new, sev1_old]) == [sev1_old, sev1_new, sev3_old]


def test_a_line_with_no_time_comes_after_the_timed_ones_and_ties_go_by_title():
    untimed = Need("triggered", "#1", "/i/1")
    timed = Need("triggered", "#9", "/i/9", since=NOW - 1 * MIN)
    b = Need("ticket_owed", "b", "/b")
    a = Need("ticket_owed", "a", "/a")
    assert ordered([untimed, b, timed, a]) == [timed, untimed, a, b]


def test_the_total_counts_the_rows_each_line_stands_for():
    lines = [Need("triggered", "#1", "/i/1"), Need("findings_overdue", "12 past", "/f", count=12)]
    assert total(lines) == 13
    assert total([]) == 0


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        Need("on_fire", "?", "/")


def test_only_what_is_broken_or_waiting_on_us_is_pressing():
    assert Need("triggered", "#1", "/").pressing
    assert Need("secrel_red", "SecRel", "/").pressing
    assert not Need("dependabot_ready", "PRs", "/").pressing


lines = st.builds(
    Need,
    kind=st.sampled_from(URGENCY),
    title=st.text(max_size=5),
    url=st.just("/"),
    since=st.none() | st.integers(0, 10_000).map(lambda m: NOW - m * MIN),
    rank=st.integers(0, 5),
)


@given(st.lists(lines, max_size=20), st.randoms(use_true_random=False))
def test_the_order_does_not_depend_on_the_order_the_apps_said_them(needs, rng):
    shuffled = list(needs)
    rng.shuffle(shuffled)
    first = ordered(needs)
    assert ordered(shuffled) == first
    kinds = [URGENCY.index(n.kind) for n in first]
    assert kinds == sorted(kinds)

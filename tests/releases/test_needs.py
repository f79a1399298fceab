"""What of the releases needs the pair now (`releases.selectors_needs`): teams yet to answer
before the cut-off, deploy requests waiting."""

from __future__ import annotations

from datetime import timedelta

import pytest

from releases import deploys
from releases.selectors import next_release
from releases.selectors_needs import ANSWERS_AHEAD, deploy_needs, release_needs
from tests.clock import NOW
from tests.releases.test_deploys import ask

pytestmark = pytest.mark.django_db


def test_teams_yet_to_answer_are_asked_for_in_the_three_days_before_answers_close(train):
    release = train["release"]  # sprint 6's, Wed Mar 18 10:00 EDT; answers close then
    closes = release.answers_close
    early = closes - ANSWERS_AHEAD - timedelta(minutes=1)
    assert release_needs(next_release(now=early), now=early) == []
    inside = closes - ANSWERS_AHEAD
    [need] = release_needs(next_release(now=inside), now=inside)
    assert need.kind == "release_answers" and need.count == 2
    assert need.title == "2 teams yet to answer for sprint 6's release"
    assert need.url == "/releases/6/"
    assert "Contention Classification, Employee Experience" in need.detail
    assert "Wed Mar 18, 10:00 EDT" in need.detail  # the team's clock, not UTC
    closed = closes + timedelta(minutes=1)
    assert [
        n for n in release_needs(next_release(now=closed), now=closed) if n.url.endswith("/6/")
    ] == []
    assert release_needs(None, now=NOW) == []


def test_deploy_requests_waiting_are_one_line_from_the_oldest(claims, requester, approver):
    assert deploy_needs() == []
    first = ask(requester, claims, now=NOW - timedelta(hours=5))
    ask(requester, claims, now=NOW - timedelta(hours=1))
    [need] = deploy_needs()
    assert (need.kind, need.count, need.since) == ("deploy_requests", 2, first.requested_at)
    assert need.title == "2 deploy requests waiting" and need.url == "/releases/deploys/"
    deploys.reject(first, by=approver, reason="wrong hash", now=NOW)
    [need] = deploy_needs()
    assert need.count == 1 and need.title == "1 deploy request waiting"

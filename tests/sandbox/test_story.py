"""The story the generated world tells whatever its start (sandbox/scenario_story.py): red
streaks on develop from an Aqua finding, ended by an exception; a Snyk finding fixed by a
Dependabot PR; missed scheduled runs; a Dependabot queue with a PR in each group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sandbox_helpers import REPO, gh_headers

from sandbox import Sandbox, WorkflowRun
from sandbox.dataset import Dataset, pull_sha
from sandbox.scenario import GeneratedSource, ScenarioConfig
from sandbox.scenario_security import Vulnerability
from sandbox.secrel import AQUA_GATE, PUBLISH, secrel_jobs
from security import secrel
from tests.clock import NOW

ZONE = ZoneInfo("America/New_York")
STARTS = [
    NOW,  # the suite's: three days after the March change
    datetime(2026, 11, 30, 21, 17, tzinfo=UTC),  # four weeks after the November change
    datetime(2026, 10, 1, 14, 0, tzinfo=UTC),  # no change in the six months before
]


def world(start: datetime) -> tuple[GeneratedSource, Dataset]:
    source = GeneratedSource(ScenarioConfig(live_interval=0), start)
    return source, source.dataset(start)


def streaks(source: GeneratedSource) -> list[Vulnerability]:
    return source._story.streaks


def on_develop(ds: Dataset) -> list[WorkflowRun]:
    return [r for r in ds.runs if r.head_branch == "develop"]


def test_there_is_a_streak_five_weeks_back_and_one_going_on_at_the_start() -> None:
    source, _ = world(NOW)
    past, current = streaks(source)
    assert past.end < NOW - timedelta(days=28) and current.start < NOW < current.end
    assert {past.tool, current.tool} == {"Trivy"} and {past.step, current.step} == {AQUA_GATE}


@pytest.mark.parametrize("start", STARTS)
def test_every_run_on_develop_in_a_streak_fails_at_the_aqua_gate_and_publishes_nothing(
    start: datetime,
) -> None:
    source, ds = world(start)
    for v in streaks(source):
        inside = [r for r in on_develop(ds) if v.start <= r.created_at < v.end]
        scheduled = [r for r in inside if r.event == "schedule"]
        assert inside and all(r.conclusion == "failure" for r in inside)
        assert {r.failed_step for r in inside} == {AQUA_GATE}
        for r in inside:
            jobs = {j.name: j for j in secrel_jobs(r)}
            assert jobs[PUBLISH].conclusion == "skipped", r.run_number
            assert jobs["SecRel Pipeline"].conclusion == "failure"
        if v.end < start:  # a finished streak had its three scheduled runs
            assert len(scheduled) == 3


@pytest.mark.parametrize("start", STARTS)
def test_the_streak_ends_when_the_finding_gets_an_exception(start: datetime) -> None:
    source, ds = world(start)
    for v in streaks(source):
        (alert,) = [a for a in ds.code_scanning if a.rule_id == v.rule and a.created_at == v.start]
        assert (alert.tool, alert.dismissed_at, alert.dismissed_reason) == (
            "Trivy",
            v.end,
            "won't fix",
        )
        assert alert.fixed_at is None
        assert alert.dismissed_comment and alert.dismissed_comment.startswith("Exception AQUA-EXC-")
        decisive = [r for r in on_develop(ds) if r.conclusion in {"success", "failure"}]
        after = [r for r in decisive if r.created_at >= v.end]
        before = [r for r in decisive if r.created_at < v.start]
        assert after[0].conclusion == "success"  # the next run is green
        assert before[-1].conclusion == "success"  # and the streak is the finding's alone
        assert alert.state(v.end - timedelta(seconds=1)) == "open"
        assert alert.state(v.end) == "dismissed"


@pytest.mark.parametrize("start", STARTS)
def test_runs_on_other_branches_come_and_go_during_the_streak(start: datetime) -> None:
    source, ds = world(start)
    for v in streaks(source):
        beside = [r for r in ds.runs if v.start <= r.created_at < v.end]
        others = [r for r in beside if r.head_branch != "develop"]
        assert {"pull_request", "workflow_dispatch"} <= {r.event for r in others}
        assert {"success", "failure"} <= {r.conclusion for r in others}
        # A manual re-run on develop belongs to the streak.
        assert any(r.event == "workflow_dispatch" and r.head_branch == "develop" for r in beside)


@pytest.mark.parametrize("start", STARTS)
def test_the_snyk_alert_is_fixed_after_its_dependabot_pr_merges(start: datetime) -> None:
    _, ds = world(start)
    manifest = "domain-ee/ee-max-cfi-app/src/requirements.txt"
    (snyk,) = [
        a
        for a in ds.code_scanning
        if a.rule_id == "SNYK-PYTHON-REQUESTS-6928867" and a.path == manifest
    ]
    (pr,) = [p for p in ds.pulls if p.title.startswith("Bump requests from 2.31.0 to 2.32.0")]
    (alert,) = [a for a in ds.dependabot if a.ghsa_id == "GHSA-9wx4-h78v-vm56"]
    assert snyk.tool == "Snyk Open Source" and "vulnerable requests package" in (snyk.message or "")
    assert pr.author == "dependabot[bot]" and pr.merged_at is not None
    assert alert.created_at < pr.created_at < snyk.created_at < pr.merged_at
    assert alert.patched_version == "2.32.0" and alert.package == "requests"
    assert timedelta(0) < alert.fixed_at - pr.merged_at <= timedelta(minutes=10)  # type: ignore[operator]
    assert timedelta(0) < snyk.fixed_at - pr.merged_at <= timedelta(hours=1)  # type: ignore[operator]
    # Snyk reports the fix when the push run after the merge uploads its results.
    (push,) = [r for r in on_develop(ds) if r.display_title.endswith(f"(#{pr.number})")]
    assert push.event == "push" and push.conclusion == "success"
    assert push.completed_at == snyk.fixed_at
    checks = ds.check_runs[pull_sha(pr)]
    assert {c.conclusion for c in checks} == {"success"}


class Run:
    """A sandbox run as the SecRel rules read one."""

    def __init__(self, run: WorkflowRun) -> None:
        self.event, self.branch, self.created_at = run.event, run.head_branch, run.created_at


def judged(ds: Dataset, start: datetime, days: int) -> tuple[list[date], list]:
    runs = [Run(r) for r in ds.runs.upto(start)]
    window = {
        "branch": "develop",
        "since": start - timedelta(days=days),
        "until": start,
        "zone": ZONE,
        "as_of": start,
    }
    return secrel.missed_scheduled_runs(runs, **window), secrel.off_schedule_runs(runs, **window)


def test_the_daylight_saving_monday_is_missed_and_winter_runs_are_an_hour_early() -> None:
    _, ds = world(NOW)
    missed, off = judged(ds, NOW, 14)
    assert missed == [date(2026, 3, 9)]  # the Monday after the March change
    # Before the change the cron's 11:00 UTC is 06:xx EST: off schedule, for that reason.
    assert off and all(o.run.created_at < datetime(2026, 3, 8, tzinfo=UTC) for o in off)
    assert all(o.daylight_saving and o.started_local.hour == 6 for o in off)
    assert "(daylight saving time)" in off[0].reason
    scheduled = [r for r in on_develop(ds) if r.event == "schedule" and r.created_at < NOW]
    assert all(r.created_at.hour == 11 and r.created_at.weekday() < 5 for r in scheduled)
    since_change = [r for r in scheduled if r.created_at >= datetime(2026, 3, 9, tzinfo=UTC)]
    assert all(r.created_at.astimezone(ZONE).hour == 7 for r in since_change)


@pytest.mark.parametrize("start", STARTS)
def test_some_weekdays_miss_their_scheduled_run(start: datetime) -> None:
    _, ds = world(start)
    missed, _ = judged(ds, start, 180)
    assert missed and all(day.weekday() < 5 for day in missed)
    mondays = [d for d in missed if d.weekday() == 0]
    changes = [d for d in mondays if (d - timedelta(days=1)).isoformat() in CHANGES]
    assert mondays == changes  # a missed Monday is a daylight-saving one
    if any(start - timedelta(days=180) < _utc(c) < start for c in CHANGES):
        assert changes


CHANGES = {"2025-11-02", "2026-03-08", "2026-11-01"}  # the US changes near the starts


def _utc(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


@pytest.mark.parametrize("start", STARTS)
def test_the_queue_has_a_pr_ready_one_failing_and_one_held_as_a_draft(start: datetime) -> None:
    _, ds = world(start)
    open_now = {p.title: p for p in ds.pulls.upto(start) if p.state(start) == "open"}
    ready = open_now["Bump pydantic from 2.9.2 to 2.10.3 in /domain-cc/cc-app/src"]
    failing = open_now["Bump org.springframework.boot from 3.3.5 to 3.4.0"]
    held = open_now["Bump actions/upload-artifact from 3.1.3 to 4.4.3"]

    def results(pr) -> set[str | None]:
        return {c.conclusion for c in ds.check_runs.get(pull_sha(pr), [])}

    assert results(ready) == results(held) == {"success"}
    assert not ready.draft and held.draft
    assert "failure" in results(failing) and not failing.draft


def test_alerts_come_from_several_tools_one_unrated_and_some_years_old() -> None:
    _, ds = world(NOW)
    scans = ds.code_scanning.upto(NOW)
    assert {a.tool for a in scans} >= {"Trivy", "Aqua", "Snyk Open Source", "CodeQL", "Checkov"}
    assert any(a.security_severity is None and a.severity == "none" for a in scans)
    old = [a for a in ds.dependabot.upto(NOW) if a.created_at < NOW - timedelta(days=730)]
    assert len([a for a in old if a.state(NOW) == "open"]) == 2


def test_the_api_serves_a_red_scheduled_run_without_published_images(sandbox: Sandbox) -> None:
    """The same facts over the wire: the jobs of a scheduled run in the current streak."""
    now = sandbox.now()
    source = sandbox.state.source
    current = streaks(source)[-1]  # type: ignore[arg-type]
    run = next(
        r
        for r in on_develop(sandbox.dataset)
        if r.event == "schedule" and current.start <= r.created_at < now
    )
    jobs = requests.get(
        f"{sandbox.github_url}{REPO}/actions/runs/{run.id}/jobs",
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()["jobs"]
    assert [(j["name"], j["conclusion"]) for j in jobs] == [
        ("Check SecRel gate", "success"),
        ("SecRel Pipeline", "failure"),
        ("Publish to GHCR", "skipped"),
    ]
    steps = {s["name"]: s["conclusion"] for s in jobs[1]["steps"]}
    assert steps[AQUA_GATE] == "failure" and steps["Sign images"] == "skipped"

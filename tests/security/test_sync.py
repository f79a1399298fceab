"""The GitHub jobs' storing rules on hand-made runs and PRs: no upstream needed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_site.integrations import github
from oncall_site.integrations.errors import UpstreamError
from oncall_site.sync import SyncContext
from security.models import SecrelRun
from security.sync import prs_to_close, store_runs
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def run(run_id: int = 1, conclusion: str | None = "failure", **changes) -> github.WorkflowRun:
    fields = {
        "id": run_id,
        "run_number": 500 + run_id,
        "name": "SecRel Pipeline",
        "event": "schedule",
        "branch": "develop",
        "status": "completed" if conclusion else "in_progress",
        "conclusion": conclusion,
        "head_sha": "c" * 40,
        "created_at": NOW - timedelta(hours=run_id),
        "updated_at": NOW - timedelta(hours=run_id) + timedelta(minutes=20),
        "html_url": f"https://github.com/org/repo/actions/runs/{run_id}",
    }
    return github.WorkflowRun(**{**fields, **changes})


def step(number: int, name: str, conclusion: str) -> github.WorkflowStep:
    return github.WorkflowStep(number, name, "completed", conclusion)


AQUA_GATE = (
    github.WorkflowJob(
        11,
        "SecRel Pipeline",
        "completed",
        "failure",
        "https://github.com/org/repo/actions/runs/1/job/11",
        (step(1, "Snyk scan", "success"), step(2, "Aqua gate check", "failure")),
    ),
    github.WorkflowJob(12, "Publish signed images", "completed", "skipped", "https://x.test/j/12"),
)


def ctx() -> SyncContext:
    return SyncContext(config=None, client=None, now=NOW, cursor={}, progress=lambda m: None)


class Jobs:
    """The run -> jobs lookup a job passes in, counting what it was asked."""

    def __init__(self, jobs=AQUA_GATE, error: UpstreamError | None = None) -> None:
        self.jobs, self.error, self.asked = jobs, error, []

    def __call__(self, run_id: int):
        self.asked.append(run_id)
        if self.error:
            raise self.error
        return self.jobs


def test_a_failed_run_is_stored_with_its_failed_job_and_step():
    jobs = Jobs()
    assert store_runs(ctx(), [run()], jobs) == 1
    row = SecrelRun.objects.get()
    assert (row.failed_job, row.failed_step) == ("SecRel Pipeline", "Aqua gate check")
    assert row.images_published is False and row.conclusion == "failure"
    assert jobs.asked == [1]


def test_the_jobs_of_a_run_are_fetched_once():
    jobs = Jobs()
    store_runs(ctx(), [run()], jobs)
    assert store_runs(ctx(), [run()], jobs) == 0
    assert jobs.asked == [1]


def test_a_run_that_finished_since_is_fetched_again_and_a_success_clears_the_step():
    jobs = Jobs()
    store_runs(ctx(), [run(conclusion=None)], jobs)
    assert jobs.asked == [] and SecrelRun.objects.get().status == "in_progress"
    store_runs(ctx(), [run()], jobs)
    assert SecrelRun.objects.get().failed_step == "Aqua gate check"
    store_runs(ctx(), [run(conclusion="success", run_attempt=2)], jobs)
    row = SecrelRun.objects.get()
    assert (row.failed_job, row.failed_step, row.run_attempt) == ("", "", 2)


def test_a_run_whose_jobs_are_gone_is_stored_and_named():
    context = ctx()
    missing = UpstreamError("github", "GitHub could not find what we asked for (404)", status=404)
    store_runs(context, [run(3)], Jobs(error=missing))
    assert SecrelRun.objects.get().failed_step == ""
    assert context.warnings == ["SecRel run #503: GitHub has no jobs for it (404)"]


def test_any_other_error_fetching_jobs_fails_the_run():
    broken = UpstreamError("github", "GitHub is having trouble (HTTP 502)", status=502)
    with pytest.raises(UpstreamError):
        store_runs(ctx(), [run()], Jobs(error=broken))
    assert not SecrelRun.objects.exists()


def pull_state(number: int, state: str, merged: bool = False) -> github.PullState:
    closed_at = NOW - timedelta(hours=1) if state == "closed" else None
    return github.PullState(number, state, closed_at, closed_at if merged else None)


def test_a_pr_is_closed_only_when_github_confirms_it():
    answers = {7: pull_state(7, "closed", merged=True), 8: pull_state(8, "open"), 9: None}
    close, unknown = prs_to_close({7, 8, 9, 10}, [10], answers.__getitem__)
    assert (close, unknown) == ([answers[7]], [9])


def test_a_listed_pr_is_never_asked_about():
    asked = []
    prs_to_close({7, 8}, [7, 8], lambda n: asked.append(n))
    assert asked == []

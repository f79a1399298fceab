"""GitHub payloads (the official examples and edge cases) -> frozen dataclasses, no HTTP."""

from datetime import UTC, datetime

import pytest

from oncall_site.integrations.errors import BadPayload
from oncall_site.integrations.github import (
    ci_status,
    classify_tool,
    failed_job_and_step,
    normalize_code_scanning_alert,
    normalize_created_issue,
    normalize_dependabot_alert,
    normalize_dependabot_pr,
    normalize_job,
    normalize_workflow_run,
)

from .payloads import load


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_it_normalizes_the_spec_example_workflow_run():
    raw = load("github/workflow_runs.json")["workflow_runs"][0]

    run = normalize_workflow_run(raw)

    assert run.id == 30433642
    assert run.run_number == 562
    assert run.event == "push"
    assert run.branch == "master"
    assert (run.status, run.conclusion) == ("queued", None)
    assert run.head_sha == "acb5820ced9479c074f688cc328bf03f341a511d"
    assert run.created_at == at(2020, 1, 22, 19, 33, 8)
    assert run.html_url == "https://github.com/octo-org/octo-repo/actions/runs/30433642"
    assert (run.failed_job, run.failed_step) == (None, None)


def test_it_names_the_failed_job_and_step():
    jobs = [normalize_job(j) for j in load("github/jobs_failed.json")["jobs"]]
    raw = dict(
        load("github/workflow_runs.json")["workflow_runs"][0],
        conclusion="failure",
        status="completed",
    )

    run = normalize_workflow_run(raw, jobs=jobs)

    assert (run.failed_job, run.failed_step) == ("publish-images", "Aqua scan")


def test_it_finds_no_failure_in_the_spec_example_jobs():
    jobs = [normalize_job(j) for j in load("github/jobs.json")["jobs"]]

    assert jobs[0].name == "build" and len(jobs[0].steps) == 10
    assert failed_job_and_step(jobs) == (None, None)


def test_it_rejects_a_run_without_created_at():
    raw = dict(load("github/workflow_runs.json")["workflow_runs"][0])
    del raw["created_at"]

    with pytest.raises(BadPayload, match="GitHub sent a response we could not read"):
        normalize_workflow_run(raw)


def check(status: str = "completed", conclusion: str | None = "success") -> dict:
    return {"status": status, "conclusion": conclusion}


NO_STATUSES = {"state": "pending", "statuses": []}


@pytest.mark.parametrize(
    ("checks", "combined", "expected"),
    [
        ([check()], NO_STATUSES, "success"),
        ([check(conclusion="neutral"), check(conclusion="skipped")], None, "success"),
        ([check(), check(conclusion="failure")], NO_STATUSES, "failure"),
        ([check(conclusion="timed_out")], None, "failure"),
        ([check(), check("in_progress", None)], NO_STATUSES, "pending"),
        ([], NO_STATUSES, "pending"),  # nothing reported yet
        ([check()], {"state": "failure", "statuses": [{"state": "failure"}]}, "failure"),
        ([check()], {"state": "error", "statuses": [{"state": "error"}]}, "failure"),
        ([check()], {"state": "pending", "statuses": [{"state": "pending"}]}, "pending"),
        ([], {"state": "success", "statuses": [{"state": "success"}]}, "success"),
    ],
)
def test_it_derives_the_ci_status_of_a_commit(checks, combined, expected):
    assert ci_status(checks, combined) == expected


def test_it_reads_the_spec_example_checks_and_status_as_success():
    checks = load("github/check_runs.json")["check_runs"]  # one "neutral" check run

    assert ci_status(checks, load("github/combined_status.json")) == "success"


def test_it_normalizes_the_spec_example_pull_request():
    pr = normalize_dependabot_pr(load("github/pull.json"), ci_status="success")

    assert pr.number == 1347
    assert pr.title == "Amazing new feature"
    assert pr.head_sha == "6dcb09b5b57875f334f61aebed695e2e4193db5e"
    assert pr.base_ref == "master"
    assert pr.created_at == at(2011, 1, 26, 19, 1, 12)
    assert (pr.mergeable, pr.mergeable_state, pr.draft) == (True, "clean", False)
    assert pr.ready_to_merge


def test_it_does_not_call_a_list_item_pull_request_mergeable():
    raw = load("github/pulls.json")[0]  # list items carry no `mergeable`

    pr = normalize_dependabot_pr(raw, ci_status="success")

    assert pr.mergeable is None
    assert not pr.ready_to_merge


@pytest.mark.parametrize(
    ("tool", "kind"),
    [
        ("Snyk Open Source", "snyk"),
        ("snyk", "snyk"),
        ("Trivy", "aqua"),
        ("Aqua Security", "aqua"),
        ("CodeQL", "other"),
    ],
)
def test_it_classifies_code_scanning_tools(tool, kind):
    assert classify_tool(tool) == kind


def test_it_normalizes_the_spec_example_code_scanning_alerts():
    first, second = (
        normalize_code_scanning_alert(a) for a in load("github/code_scanning_alerts.json")
    )

    assert (first.number, first.tool, first.tool_name, first.state) == (
        4,
        "other",
        "CodeQL",
        "open",
    )
    assert first.severity == "error"
    assert first.rule_id == "js/zipslip"
    assert first.path == "spec-main/api-session-spec.ts"
    assert second.state == "dismissed"
    assert second.dismissed_at == at(2020, 2, 14, 12, 29, 18)
    assert second.dismissed_reason == "false positive"


def test_it_normalizes_snyk_and_aqua_findings():
    snyk, trivy, aqua = (
        normalize_code_scanning_alert(a)
        for a in load("github/code_scanning_alerts_edge_cases.json")
    )

    assert (snyk.tool, snyk.severity, snyk.path) == ("snyk", "high", "svc-bgs-api/build.gradle")
    assert (trivy.tool, trivy.state, trivy.fixed_at) == ("aqua", "fixed", at(2026, 3, 1, 9, 30))
    assert trivy.severity == "warning"  # no security severity: the rule severity
    assert trivy.path is None and trivy.updated_at is None
    assert (aqua.tool, aqua.dismissed_reason) == ("aqua", "won't fix")


def test_it_normalizes_the_spec_example_dependabot_alerts():
    dismissed, opened = (
        normalize_dependabot_alert(a) for a in load("github/dependabot_alerts.json")
    )

    assert (dismissed.number, dismissed.state, dismissed.package) == (2, "dismissed", "django")
    assert dismissed.severity == "high"
    assert dismissed.fixed_version == "2.0.2"
    assert dismissed.cve_id == "CVE-2018-6188"
    assert dismissed.dismissed_at == at(2022, 8, 23, 14, 29, 47)
    assert dismissed.fixed_at is None
    assert opened.state == "open"


def test_it_parses_fixed_at_and_tolerates_missing_optional_fields():
    fixed, no_fix = (
        normalize_dependabot_alert(a) for a in load("github/dependabot_alerts_edge_cases.json")
    )

    assert fixed.fixed_at == at(2026, 2, 1, 8)  # a datetime, not PyGithub's string
    assert (fixed.ecosystem, fixed.fixed_version) == ("maven", "2.0")
    assert no_fix.fixed_version is None
    assert no_fix.cve_id is None
    assert no_fix.manifest_path is None and no_fix.updated_at is None


def test_it_normalizes_the_created_issue():
    issue = normalize_created_issue(load("github/issue.json"))

    assert issue.number == 1347
    assert issue.html_url == "https://github.com/octocat/Hello-World/issues/1347"

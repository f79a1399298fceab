"""Bad input from GitHub, each stored sensibly and shown on its page, never a crash.

A SecRel run with no jobs; a failed job whose failing step has no conclusion; a
code-scanning alert from a tool we do not know (or with no tool name at all); severities
outside the known set; a Dependabot PR whose head commit has no checks; a PR title that
does not parse; and instants after our now: GitHub's clock two hours ahead of ours, so it
serves a run, alerts and a PR stamped in our future.

Future instants are stored as GitHub gives them and mean "not yet" to every rule that
takes an `as_of`: a weekday is judged only on the runs started before now (so a run
stamped later is neither missed nor on time until then), a finding first seen later is
not overdue and 0 days old, a PR opened later is 0 minutes old. A sync's cursor never runs
ahead of our clock, so one item stamped in the future (a year ahead, say) does not make
the next syncs skip what arrives meanwhile.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from oncall_site.models import SyncJobState
from oncall_site.sync import run_job
from sandbox import (
    CodeScanningAlert,
    DependabotAlert,
    Job,
    PullRequest,
    Step,
    WorkflowRun,
)
from security.models import DependabotPR, Finding, SecrelRun
from tests.clock import NOW

pytestmark = pytest.mark.django_db

AHEAD = timedelta(hours=2)  # GitHub's clock, ahead of ours
M = timedelta(minutes=1)
JOBS = ("github.secrel_runs", "github.code_scanning", "github.dependabot_alerts")


def text(response) -> str:
    """The page's words, tags stripped and spaces squeezed."""
    assert response.status_code == 200
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def no_jobs() -> WorkflowRun:
    """A run that failed before any job started (GitHub lists no jobs for it)."""
    return WorkflowRun(
        id=7001,
        run_number=701,
        created_at=NOW - 300 * M,
        completed_at=NOW - 299 * M,
        conclusion="failure",
        event="schedule",
        jobs=(),
    )


def null_step() -> WorkflowRun:
    """A failed job whose steps never got a conclusion (a runner lost mid-step)."""
    started, ended = NOW - 180 * M, NOW - 160 * M
    return WorkflowRun(
        id=7002,
        run_number=702,
        created_at=started,
        completed_at=ended,
        conclusion="failure",
        event="push",
        jobs=(
            Job(
                id=70021,
                name="SecRel Pipeline",
                started_at=started,
                completed_at=ended,
                conclusion="failure",
                steps=(
                    Step(
                        name="Set up job",
                        number=1,
                        started_at=started,
                        completed_at=started + M,
                        conclusion="success",
                    ),
                    Step(
                        name="Aqua gate check",
                        number=2,
                        started_at=started + M,
                        completed_at=ended,
                        conclusion=None,
                    ),
                ),
            ),
            Job(
                id=70022,
                name="Publish to GHCR",
                started_at=ended,
                completed_at=ended,
                conclusion="skipped",
            ),
        ),
    )


def future_run() -> WorkflowRun:
    """A push stamped an hour from now."""
    return WorkflowRun(
        id=7003,
        run_number=703,
        created_at=NOW + 60 * M,
        completed_at=NOW + 85 * M,
        event="push",
    )


def alerts() -> list[CodeScanningAlert]:
    return [
        CodeScanningAlert(
            number=31,
            tool="Semgrep OSS",
            rule_id="python.lang.security.audit.eval-detected",
            description="Use of eval",
            created_at=NOW - 3 * timedelta(days=1),
            security_severity=None,
            severity="warning",
            path="domain-cc/cc-app/src/app.py",
        ),
        CodeScanningAlert(
            number=32,
            tool="",
            rule_id="no-tool",
            description="An upload that names no tool",
            created_at=NOW - 2 * timedelta(days=1),
            security_severity="high",
            extra={"tool": {"name": None, "guid": None, "version": None}},
        ),
        CodeScanningAlert(
            number=33,
            tool="Trivy",
            rule_id="CVE-2099-0001",
            description="A severity nobody defined",
            created_at=NOW - timedelta(days=1),
            security_severity="urgent",  # type: ignore[arg-type]
            severity="none",
            path="ghcr.io/example-org/cc-app",
        ),
        CodeScanningAlert(
            number=34,
            tool="Trivy",
            rule_id="CVE-2099-0002",
            description="Reported from a clock ahead of ours",
            created_at=NOW + 30 * M,
            security_severity="critical",
            path="ghcr.io/example-org/svc-bip-api",
        ),
    ]


def dependabot_alerts() -> list[DependabotAlert]:
    return [
        DependabotAlert(
            number=41,
            package="lodash",
            ecosystem="npm",
            manifest_path="ui/package-lock.json",
            severity="unknown",  # type: ignore[arg-type]
            summary="An advisory with a severity outside GitHub's set",
            created_at=NOW - timedelta(days=8),
        ),
        DependabotAlert(
            number=42,
            package="urllib3",
            ecosystem="pip",
            manifest_path="app/requirements.txt",
            severity="high",
            summary="Advisory stamped in our future",
            created_at=NOW + 45 * M,
        ),
    ]


def pulls() -> list[PullRequest]:
    return [
        PullRequest(  # its head commit has no check run and no commit status
            number=51,
            title="Bump aquasecurity/trivy-action from 0.28.0 to 0.29.0",
            head_ref="dependabot/github_actions/aquasecurity/trivy-action-0.29.0",
            head_sha="5" * 40,
            created_at=NOW - 30 * 60 * M,
        ),
        PullRequest(  # a title no Dependabot pattern reads
            number=52,
            title="Security: lodash <script>alert(1)</script> (CVE-2021-23337)",
            head_ref="dependabot/npm_and_yarn/ui/lodash-4.17.21",
            head_sha="6" * 40,
            created_at=NOW - 26 * 60 * M,
        ),
        PullRequest(  # opened on a clock ahead of ours
            number=53,
            title="Bump httpx from 0.27.2 to 0.28.1 in /domain-cc/cc-app/src",
            head_ref="dependabot/pip/domain-cc/cc-app/src/httpx-0.28.1",
            head_sha="7" * 40,
            created_at=NOW + 20 * M,
        ),
    ]


@pytest.fixture
def bad_world(upstreams, client, member, demo_team):
    upstreams.load(
        workflow_runs=[no_jobs(), null_step(), future_run()],
        code_scanning_alerts=alerts(),
        dependabot_alerts=dependabot_alerts(),
        pulls=pulls(),
    )
    upstreams.clock.set(NOW + AHEAD)
    for job in (*JOBS, "github.dependabot_prs"):
        outcome = run_job(job, now=NOW)
        assert outcome.status == "ok", (job, outcome.message)
    client.force_login(member)
    return client


def test_a_run_with_no_jobs_and_a_step_with_no_conclusion_are_stored_and_shown(bad_world):
    no_job = SecrelRun.objects.get(run_id=7001)
    assert (no_job.failed_job, no_job.failed_step, no_job.images_published) == ("", "", None)
    lost = SecrelRun.objects.get(run_id=7002)
    assert (lost.failed_job, lost.failed_step, lost.images_published) == (
        "SecRel Pipeline",
        "",
        False,
    )
    page = text(bad_world.get("/security/secrel/"))
    assert "Failed job SecRel Pipeline Failed step not known" in page
    assert "#701" in page and "#702" in page


def test_a_run_stamped_in_the_future_is_stored_as_given_and_listed(bad_world):
    future = SecrelRun.objects.get(run_id=7003)
    assert (future.created_at, future.conclusion) == (NOW + 60 * M, "success")
    response = bad_world.get("/security/secrel/")
    rows = response.context["rows"]
    assert [row.run.run_number for row in rows] == [703, 702, 701]
    assert rows[0].duration == "25 min"


def test_a_scheduled_run_stamped_tomorrow_neither_covers_today_nor_is_judged(bad_world):
    """At the storing seam: Monday's and Tuesday's runs, none today, one stamped tomorrow."""
    from oncall_site.integrations import github
    from oncall_site.sync import SyncContext
    from security.selectors import secrel_schedule
    from security.sync import store_runs

    def scheduled(run_id: int, day: int) -> github.WorkflowRun:
        at = NOW.replace(day=day, hour=11, minute=5)  # 07:05 EDT
        return github.WorkflowRun(
            id=run_id,
            run_number=run_id,
            name="SecRel",
            event="schedule",
            branch="develop",
            status="completed",
            conclusion="success",
            head_sha="c" * 40,
            created_at=at,
            updated_at=at + 25 * M,
            html_url=f"https://github.com/org/repo/actions/runs/{run_id}",
        )

    SecrelRun.objects.all().delete()
    ctx = SyncContext(config=None, client=None, now=NOW, cursor={}, progress=lambda m: None)
    runs = [scheduled(9, 9), scheduled(10, 10), scheduled(12, 12)]
    assert store_runs(ctx, runs, lambda run_id: ()) == 3
    schedule = secrel_schedule(since=NOW - timedelta(days=14), until=NOW, as_of=NOW)
    assert schedule is not None
    assert [d.isoformat() for d in schedule.missed] == ["2026-03-11"]
    assert schedule.off_schedule == []
    page = text(bad_world.get("/security/secrel/"))
    assert "Wednesday Mar 11" in page and "#12" in page


def test_alerts_from_unknown_tools_and_severities_are_other_and_unrated(bad_world):
    semgrep = Finding.objects.get(source="code_scanning", number=31)
    assert (semgrep.tool, semgrep.tool_name, semgrep.severity) == ("other", "Semgrep OSS", "medium")
    nameless = Finding.objects.get(source="code_scanning", number=32)
    assert (nameless.tool, nameless.tool_name, nameless.severity) == ("other", "", "high")
    urgent = Finding.objects.get(source="code_scanning", number=33)
    assert (urgent.tool, urgent.severity, urgent.sla_due_at) == ("aqua", "unrated", None)
    unknown = Finding.objects.get(source="dependabot", number=41)
    assert (unknown.severity, unknown.sla_due_at) == ("unrated", None)
    page = text(bad_world.get("/security/findings/"))
    assert "Semgrep OSS" in page and "unrated: no SLA" in page
    for finding in (semgrep, nameless, urgent, unknown):
        assert bad_world.get(f"/security/findings/{finding.pk}/").status_code == 200


def test_findings_first_seen_in_the_future_are_listed_not_overdue_and_not_aged(bad_world):
    response = bad_world.get("/security/findings/")
    rows = {row.finding.number: row for row in response.context["rows"]}
    ahead = rows[34]
    assert ahead.finding.first_seen_at == NOW + 30 * M
    assert (ahead.state, ahead.status.overdue, ahead.age_days) == ("not_yet", False, 0)
    assert response.context["counts"].overdue == 0
    doc = bad_world.get(
        "/api/v1/metrics", {"since": "2026-03-01T00:00:00Z", "until": "2026-03-12T00:00:00Z"}
    ).json()
    assert doc["security"]["findings"]["overdue"] == 0


def test_a_pr_with_no_checks_waits_and_a_title_that_does_not_parse_is_shown_as_it_is(bad_world):
    unchecked = DependabotPR.objects.get(number=51)
    assert (unchecked.ci_status, unchecked.queue_group) == ("pending", "waiting")
    response = bad_world.get("/security/dependabot/")
    waiting = next(g for g in response.context["groups"] if g["key"] == "waiting")
    row = next(r for r in waiting["rows"] if r.pr.number == 51)
    assert row.ci == "no result yet"
    odd = next(r for g in response.context["groups"] for r in g["rows"] if r.pr.number == 52)
    assert (odd.parsed, odd.update) == (False, DependabotPR.objects.get(number=52).title)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.content.decode()
    ahead = next(r for g in response.context["groups"] for r in g["rows"] if r.pr.number == 53)
    assert ahead.age == "0 min"


def test_an_item_stamped_a_year_ahead_does_not_stop_the_next_syncs(upstreams):
    """The cursors stay at our now: what GitHub adds meanwhile is still read."""
    year = timedelta(days=365)
    upstreams.load(
        workflow_runs=[
            WorkflowRun(id=8001, created_at=NOW + year, completed_at=NOW + year + 20 * M),
        ],
        code_scanning_alerts=[
            CodeScanningAlert(
                number=1,
                tool="Trivy",
                rule_id="CVE-2099-9",
                description="stamped a year ahead",
                created_at=NOW + year,
            )
        ],
    )
    upstreams.clock.set(NOW + year + AHEAD)
    for job in JOBS[:2]:
        assert run_job(job, now=NOW).status == "ok"
    cursors = dict(SyncJobState.objects.values_list("job", "cursor"))
    assert cursors["github.secrel_runs"]["secrel_since"] <= NOW.isoformat()
    assert cursors["github.code_scanning"]["updated_since"] <= NOW.isoformat()
    later = NOW + 2 * timedelta(hours=1)
    upstreams.load(
        workflow_runs=[
            WorkflowRun(id=8001, created_at=NOW + year, completed_at=NOW + year + 20 * M),
            WorkflowRun(id=8002, created_at=later - 30 * M, completed_at=later - 5 * M),
        ],
        code_scanning_alerts=[
            CodeScanningAlert(
                number=1,
                tool="Trivy",
                rule_id="CVE-2099-9",
                description="stamped a year ahead",
                created_at=NOW + year,
            ),
            CodeScanningAlert(
                number=2,
                tool="Snyk Open Source",
                rule_id="SNYK-1",
                description="reported meanwhile",
                created_at=later - 20 * M,
            ),
        ],
    )
    for job in JOBS[:2]:
        assert run_job(job, now=later).status == "ok"
    assert SecrelRun.objects.filter(run_id=8002).exists()
    assert Finding.objects.filter(source="code_scanning", number=2).exists()

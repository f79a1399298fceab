"""GitHub resources through PyGithub: SecRel runs, Dependabot PRs and alerts, code scanning,
and the incident's ticket (an issue): fetch -> normalize.

Normalizers read the raw JSON (`raw`), never PyGithub's lazy properties, which would fetch
each object again. Listings stream page by page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from github import Github, GithubException, UnknownObjectException
from github.GithubObject import GithubObject
from github.PaginatedList import PaginatedList
from github.Repository import Repository
from github.WorkflowJob import WorkflowJob as PyGithubWorkflowJob

from oncall_site.integrations.github.client import GITHUB, Access, Config, upstream_errors
from oncall_site.integrations.github.types import (
    CodeScanningFinding,
    CreatedIssue,
    DependabotAlert,
    DependabotPR,
    PullState,
    WorkflowJob,
    WorkflowRun,
    WorkflowStep,
)
from oncall_site.integrations.timestamps import isoformat_z

log = logging.getLogger(__name__)

DEPENDABOT = "dependabot[bot]"
FAILED = {"failure", "timed_out", "startup_failure"}
CI_FAILED = {"failure", "timed_out", "cancelled", "action_required", "startup_failure", "stale"}


def _repo(client: Github, config: Config) -> Repository:
    return client.get_repo(config.repository)


def streamed(items: PaginatedList[Any]) -> Iterator[Any]:
    """Iterate a PaginatedList page by page, keeping only the current page in memory
    (PaginatedList itself keeps every element it ever fetched: 2,000 runs would stay)."""
    for item in items:
        yield item
        items._clear()  # the page being yielded is a separate list; this empties the cache


def raw_of(obj: GithubObject) -> Mapping[str, Any]:
    # `raw_data` would complete the lazy object with one more request per item.
    return GITHUB.mapping(obj._rawData, type(obj).__name__)


# Fetch


def iter_workflow_runs(
    client: Github,
    config: Config,
    *,
    branch: str | None = None,
    event: str | None = None,
    created_since: date | datetime | None = None,
    with_failures: bool = True,
) -> Iterator[WorkflowRun]:
    """Runs of the SecRel workflow (`config.workflow`), newest first, page by page.

    `with_failures` fetches the jobs of each failed run to name the failed job and step
    (one more request per failed run).

    Reference: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow
    """
    kwargs: dict[str, Any] = {"exclude_pull_requests": True, "branch": branch, "event": event}
    if isinstance(created_since, datetime):
        kwargs["created"] = f">={isoformat_z(created_since)}"
    elif created_since is not None:
        kwargs["created"] = f">={created_since.isoformat()}"
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    with upstream_errors(config):
        runs = _repo(client, config).get_workflow(config.workflow).get_runs(**kwargs)
        for run in streamed(runs):
            raw = raw_of(run)
            jobs: tuple[WorkflowJob, ...] | None = None
            if with_failures and raw.get("conclusion") in FAILED:
                jobs = tuple(normalize_job(raw_of(job)) for job in run.jobs())
            yield normalize_workflow_run(raw, jobs=jobs)


def fetch_run_jobs(client: Github, config: Config, run_id: int) -> tuple[WorkflowJob, ...]:
    """The jobs of one run, with their steps.

    Reference: https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run
    """
    with upstream_errors(config):
        repo = _repo(client, config)
        jobs = PaginatedList(
            PyGithubWorkflowJob,
            repo.requester,
            f"{repo.url}/actions/runs/{int(run_id)}/jobs",
            None,
            list_item="jobs",
        )
        return tuple(normalize_job(raw_of(job)) for job in jobs)


def iter_dependabot_prs(
    client: Github,
    config: Config,
    *,
    author: str = DEPENDABOT,
    with_mergeable: bool = True,
    settled: Mapping[int, tuple[str, str]] | None = None,
) -> Iterator[DependabotPR]:
    """Open PRs by Dependabot to `config.branch`, with the CI status of their head commit.

    The pulls list has no author filter (checked here) and no `mergeable` (it needs the
    single-PR call, made when `with_mergeable`). CI status combines the head commit's check
    runs and its combined commit status. `settled` (PR number -> (head sha, CI status)
    already stored) skips those calls for a PR whose head has not moved and whose CI has
    finished, so a repeat poll costs one request; such PRs come back with `mergeable`
    None, meaning "not asked again".

    Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
    """
    with upstream_errors(config):
        repo = _repo(client, config)
        for pull in streamed(repo.get_pulls(state="open", base=config.branch)):
            raw = raw_of(pull)
            if GITHUB.nested(raw, "user", "login") != author:
                continue
            sha = GITHUB.nested(raw, "head", "sha")
            if not sha:
                raise GITHUB.bad(f"pull request {raw.get('number')!r} has no head sha")
            known = (settled or {}).get(raw.get("number"))  # type: ignore[arg-type]
            if known is not None and known[0] == sha and known[1] in {"success", "failure"}:
                yield normalize_dependabot_pr(raw, ci_status=known[1])
                continue
            commit = repo.get_commit(sha)
            checks = (raw_of(check) for check in streamed(commit.get_check_runs()))
            combined = raw_of(commit.get_combined_status())
            status = ci_status(checks, combined)
            if with_mergeable:
                try:
                    raw = raw_of(pull.complete())  # GET the single PR: `mergeable` lives there
                except UnknownObjectException:
                    log.warning("pull request %s: no single-PR answer (404)", raw.get("number"))
            yield normalize_dependabot_pr(raw, ci_status=status)


def iter_closed_dependabot_prs(
    client: Github, config: Config, *, since: datetime, author: str = DEPENDABOT
) -> Iterator[tuple[DependabotPR, PullState]]:
    """Closed PRs by Dependabot to `config.branch` updated at or after `since`, most
    recently updated first, each with when it closed and merged. Reading stops at the
    first PR updated before `since`, so a repeat poll reads one page.

    This is how PRs that opened and closed between two polls (or before the first one)
    reach the history; CI status is not read for them (`ci_status` "").

    Reference: https://docs.github.com/en/rest/pulls/pulls#list-pull-requests
    """
    with upstream_errors(config):
        pulls = _repo(client, config).get_pulls(
            state="closed", base=config.branch, sort="updated", direction="desc"
        )
        for pull in streamed(pulls):
            raw = raw_of(pull)
            updated = GITHUB.timestamp(raw.get("updated_at"), "updated_at")
            if updated is not None and updated < since:
                return
            if GITHUB.nested(raw, "user", "login") != author:
                continue
            yield normalize_dependabot_pr(raw, ci_status=""), normalize_pull_state(raw)


def fetch_pull_state(client: Github, config: Config, number: int) -> PullState | None:
    """Whether PR `number` is open or closed, and when it closed and merged (None when
    GitHub does not know it).

    A PR missing from the open list is only closed once this confirms it: an empty or
    short page must not close PRs that are still open.

    Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    """
    with upstream_errors(config):
        try:
            # `lazy=True` clients return a stub: complete() makes the one GET.
            pull = _repo(client, config).get_pull(int(number)).complete()
        except UnknownObjectException:
            return None
        return normalize_pull_state(raw_of(pull))


CODE_SCANNING = Access(
    "the code-scanning alerts",
    'the security_events scope (classic token) or the "Code scanning alerts" read '
    "permission (fine-grained token)",
)
DEPENDABOT_ALERTS = Access(
    "the Dependabot alerts",
    "the security_events scope (classic token; public_repo is enough for a public "
    'repository) or the "Dependabot alerts" read permission (fine-grained token)',
)


def _listing(
    kwargs: Mapping[str, str | None], sort: str | None, direction: str | None
) -> dict[str, str]:
    every = {**kwargs, "sort": sort, "direction": direction}
    return {k: v for k, v in every.items() if v}


def iter_code_scanning_findings(
    client: Github,
    config: Config,
    *,
    state: str | None = None,
    tool_name: str | None = None,
    sort: str | None = None,
    direction: str | None = None,
) -> Iterator[CodeScanningFinding]:
    """Code-scanning alerts (Snyk, Aqua and other SARIF uploads), page by page.

    `sort="updated", direction="desc"` lists the most recently changed first, so an
    incremental reader stops at the first alert older than its cursor. A repository with no
    analysis yet answers 404 "no analysis found": that is no alerts, not an error. A 403
    names the scope the token lacks.

    Reference: https://docs.github.com/en/rest/code-scanning/code-scanning#list-code-scanning-alerts-for-a-repository
    """
    kwargs = _listing({"state": state, "tool_name": tool_name}, sort, direction)
    with upstream_errors(config, CODE_SCANNING):
        try:
            for alert in streamed(_repo(client, config).get_codescan_alerts(**kwargs)):
                yield normalize_code_scanning_alert(raw_of(alert))
        except GithubException as exc:
            if exc.status != 404 or "no analysis found" not in str(exc.data).lower():
                raise


def iter_dependabot_alerts(
    client: Github,
    config: Config,
    *,
    state: str | None = None,
    sort: str | None = None,
    direction: str | None = None,
) -> Iterator[DependabotAlert]:
    """Dependabot alerts, page by page (`sort="updated", direction="desc"`: most recently
    changed first). A 403 names the scope the token lacks.

    Reference: https://docs.github.com/en/rest/dependabot/alerts#list-dependabot-alerts-for-a-repository
    """
    kwargs = _listing({"state": state}, sort, direction)
    with upstream_errors(config, DEPENDABOT_ALERTS):
        for alert in streamed(_repo(client, config).get_dependabot_alerts(**kwargs)):
            yield normalize_dependabot_alert(raw_of(alert))


def create_issue(
    client: Github, config: Config, *, title: str, body: str, labels: Iterable[str] = ()
) -> CreatedIssue:
    """Open an issue (the incident's ticket; ZenHub boards pick it up). Not retried.

    Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
    """
    with upstream_errors(config):
        issue = _repo(client, config).create_issue(title=title, body=body, labels=list(labels))
        return normalize_created_issue(raw_of(issue))


# Normalize


def normalize_job(raw: Mapping[str, Any]) -> WorkflowJob:
    """One job of a run, with its steps.

    Reference: https://docs.github.com/en/rest/actions/workflow-jobs#get-a-job-for-a-workflow-run
    """
    raw = GITHUB.mapping(raw, "job")
    steps = tuple(
        WorkflowStep(
            number=int(step.get("number") or 0),
            name=str(step.get("name") or ""),
            status=str(step.get("status") or ""),
            conclusion=GITHUB.text(step, "conclusion"),
        )
        for step in raw.get("steps") or ()
        if isinstance(step, Mapping)
    )
    return WorkflowJob(
        id=int(GITHUB.required(raw, "id", "job")),
        name=str(raw.get("name") or ""),
        status=str(raw.get("status") or ""),
        conclusion=GITHUB.text(raw, "conclusion"),
        html_url=str(raw.get("html_url") or ""),
        steps=steps,
    )


def failed_job_and_step(jobs: Iterable[WorkflowJob]) -> tuple[str | None, str | None]:
    """The first failed job and its first failed step (None when no step is marked).

    Reference: https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run
    """
    for job in jobs:
        if job.conclusion in FAILED:
            step = next((s.name for s in job.steps if s.conclusion in FAILED), None)
            return job.name, step
    return None, None


def normalize_workflow_run(
    raw: Mapping[str, Any], *, jobs: Iterable[WorkflowJob] | None = None
) -> WorkflowRun:
    """One workflow run; `jobs` (when fetched) name the failed job and step.

    Reference: https://docs.github.com/en/rest/actions/workflow-runs#get-a-workflow-run
    """
    raw = GITHUB.mapping(raw, "workflow run")
    run_id = int(GITHUB.required(raw, "id", "workflow run"))
    what = f"workflow run {run_id}"
    failed_job, failed_step = failed_job_and_step(jobs or ())
    created_at = GITHUB.required_timestamp(raw, "created_at", what)
    return WorkflowRun(
        id=run_id,
        run_number=int(raw.get("run_number") or 0),
        name=str(raw.get("name") or raw.get("display_title") or ""),
        event=str(GITHUB.required(raw, "event", what)),
        branch=GITHUB.text(raw, "head_branch"),
        status=str(GITHUB.required(raw, "status", what)),
        conclusion=GITHUB.text(raw, "conclusion"),
        head_sha=str(raw.get("head_sha") or ""),
        created_at=created_at,
        updated_at=GITHUB.timestamp(raw.get("updated_at"), "updated_at") or created_at,
        html_url=str(raw.get("html_url") or ""),
        run_attempt=int(raw.get("run_attempt") or 1),
        failed_job=failed_job,
        failed_step=failed_step,
    )


def ci_status(
    check_runs: Iterable[Mapping[str, Any]], combined_status: Mapping[str, Any] | None
) -> str:
    """success, failure or pending for a commit, from its check runs and commit statuses.

    Any failed check or status -> failure; else anything still running, or nothing
    reported at all -> pending; else success. (A combined state of "pending" with no
    statuses only means no commit status was ever set: the check runs decide.)

    Reference: https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference
    """
    seen = pending = False
    for check in check_runs:
        seen = True
        if check.get("status") != "completed":
            pending = True
        elif check.get("conclusion") in CI_FAILED:
            return "failure"
    if combined_status:
        statuses = combined_status.get("statuses") or []
        if statuses:
            seen = True
            state = combined_status.get("state")
            if state in ("failure", "error"):
                return "failure"
            if state != "success":
                pending = True
    return "pending" if pending or not seen else "success"


def normalize_dependabot_pr(raw: Mapping[str, Any], *, ci_status: str) -> DependabotPR:
    """One pull request (list item or single PR, which adds `mergeable`).

    Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    """
    raw = GITHUB.mapping(raw, "pull request")
    number = int(GITHUB.required(raw, "number", "pull request"))
    what = f"pull request {number}"
    mergeable = raw.get("mergeable")
    return DependabotPR(
        number=number,
        title=str(raw.get("title") or ""),
        head_sha=str(GITHUB.nested(raw, "head", "sha") or ""),
        head_ref=str(GITHUB.nested(raw, "head", "ref") or ""),
        base_ref=str(GITHUB.nested(raw, "base", "ref") or ""),
        author=str(GITHUB.nested(raw, "user", "login") or ""),
        created_at=GITHUB.required_timestamp(raw, "created_at", what),
        updated_at=GITHUB.timestamp(raw.get("updated_at"), "updated_at"),
        html_url=str(raw.get("html_url") or ""),
        ci_status=ci_status,
        draft=bool(raw.get("draft")),
        mergeable=mergeable if isinstance(mergeable, bool) else None,
        mergeable_state=GITHUB.text(raw, "mergeable_state"),
    )


def normalize_pull_state(raw: Mapping[str, Any]) -> PullState:
    """A PR's state, `closed_at` and `merged_at` (GitHub sets both on a merge).

    Reference: https://docs.github.com/en/rest/pulls/pulls#get-a-pull-request
    """
    raw = GITHUB.mapping(raw, "pull request")
    number = int(GITHUB.required(raw, "number", "pull request"))
    state = raw.get("state")
    if state not in {"open", "closed"}:
        raise GITHUB.bad(f"pull request {number} has no state")
    return PullState(
        number=number,
        state=state,
        closed_at=GITHUB.timestamp(raw.get("closed_at"), "closed_at"),
        merged_at=GITHUB.timestamp(raw.get("merged_at"), "merged_at"),
    )


def classify_tool(tool_name: str) -> str:
    """snyk, aqua (Trivy is Aqua's scanner) or other, from the SARIF tool name.

    Reference: https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning#toolcomponent-object
    """
    name = tool_name.lower()
    if "snyk" in name:
        return "snyk"
    if "aqua" in name or "trivy" in name:
        return "aqua"
    return "other"


# What scanners write in an alert's message: Trivy (Aqua's scanner) one fact a line, Snyk
# one sentence naming the package.
_TRIVY_LINE = re.compile(r"^(Package|Installed Version|Fixed Version):[ \t]*(\S.*?)\s*$", re.M)
_SNYK_PACKAGE = re.compile(r"introduces a vulnerable (\S+) package")


def package_from_message(message: str) -> tuple[str | None, str | None, str | None]:
    """(package, installed version, fixed version) from a code-scanning alert's message,
    where the scanner wrote them (None for what it did not).

    Reference: https://github.com/aquasecurity/trivy/blob/main/pkg/report/sarif.go
    """
    facts = {name: value for name, value in _TRIVY_LINE.findall(message)}
    if facts:
        return facts.get("Package"), facts.get("Installed Version"), facts.get("Fixed Version")
    snyk = _SNYK_PACKAGE.search(message)
    return (snyk.group(1) if snyk else None), None, None


def normalize_code_scanning_alert(raw: Mapping[str, Any]) -> CodeScanningFinding:
    """One code-scanning alert. `severity` is the security severity, else the rule's level
    (both are kept apart too, for the findings' severity rule).

    Reference: https://docs.github.com/en/rest/code-scanning/code-scanning#get-a-code-scanning-alert
    """
    raw = GITHUB.mapping(raw, "code-scanning alert")
    number = int(GITHUB.required(raw, "number", "code-scanning alert"))
    what = f"code-scanning alert {number}"
    rule = raw.get("rule") if isinstance(raw.get("rule"), Mapping) else {}
    instance = raw.get("most_recent_instance")
    instance = instance if isinstance(instance, Mapping) else {}
    tool_name = str(GITHUB.nested(raw, "tool", "name") or "")
    message = str(GITHUB.nested(instance, "message", "text") or "")
    package, version, fixed_version = package_from_message(message)
    security_severity = GITHUB.text(rule, "security_severity_level")
    level = GITHUB.text(rule, "severity")
    return CodeScanningFinding(
        number=number,
        tool=classify_tool(tool_name),
        tool_name=tool_name,
        rule_id=GITHUB.text(rule, "id"),
        rule_name=GITHUB.text(rule, "name"),
        severity=security_severity or level,
        state=str(GITHUB.required(raw, "state", what)),
        created_at=GITHUB.required_timestamp(raw, "created_at", what),
        updated_at=GITHUB.timestamp(raw.get("updated_at"), "updated_at"),
        fixed_at=GITHUB.timestamp(raw.get("fixed_at"), "fixed_at"),
        dismissed_at=GITHUB.timestamp(raw.get("dismissed_at"), "dismissed_at"),
        dismissed_reason=GITHUB.text(raw, "dismissed_reason"),
        html_url=str(raw.get("html_url") or ""),
        path=GITHUB.nested(instance, "location", "path"),
        security_severity_level=security_severity,
        rule_level=level,
        description=str(rule.get("description") or ""),
        message=message,
        package=package,
        version=version,
        fixed_version=fixed_version,
    )


def normalize_dependabot_alert(raw: Mapping[str, Any]) -> DependabotAlert:
    """One Dependabot alert (timestamps parsed here: PyGithub leaves `fixed_at` a string).

    Reference: https://docs.github.com/en/rest/dependabot/alerts#get-a-dependabot-alert
    """
    raw = GITHUB.mapping(raw, "Dependabot alert")
    number = int(GITHUB.required(raw, "number", "Dependabot alert"))
    what = f"Dependabot alert {number}"
    vulnerability = raw.get("security_vulnerability") or {}
    advisory = raw.get("security_advisory") or {}
    package = GITHUB.nested(raw, "dependency", "package") or vulnerability.get("package") or {}
    return DependabotAlert(
        number=number,
        state=str(GITHUB.required(raw, "state", what)),
        severity=GITHUB.text(vulnerability, "severity") or GITHUB.text(advisory, "severity"),
        package=str(package.get("name") or ""),
        ecosystem=GITHUB.text(package, "ecosystem"),
        manifest_path=GITHUB.nested(raw, "dependency", "manifest_path"),
        vulnerable_range=GITHUB.text(vulnerability, "vulnerable_version_range"),
        fixed_version=GITHUB.nested(vulnerability, "first_patched_version", "identifier"),
        ghsa_id=GITHUB.text(advisory, "ghsa_id"),
        cve_id=GITHUB.text(advisory, "cve_id"),
        summary=str(advisory.get("summary") or ""),
        created_at=GITHUB.required_timestamp(raw, "created_at", what),
        updated_at=GITHUB.timestamp(raw.get("updated_at"), "updated_at"),
        fixed_at=GITHUB.timestamp(raw.get("fixed_at"), "fixed_at"),
        dismissed_at=GITHUB.timestamp(raw.get("dismissed_at"), "dismissed_at"),
        dismissed_reason=GITHUB.text(raw, "dismissed_reason"),
        html_url=str(raw.get("html_url") or ""),
    )


def normalize_created_issue(raw: Mapping[str, Any]) -> CreatedIssue:
    """The issue `create_issue` answered with.

    Reference: https://docs.github.com/en/rest/issues/issues#create-an-issue
    """
    raw = GITHUB.mapping(raw, "issue")
    return CreatedIssue(
        number=int(GITHUB.required(raw, "number", "issue")),
        html_url=str(GITHUB.required(raw, "html_url", "issue")),
        api_url=str(raw.get("url") or ""),
    )


# Deployments and their statuses (releases' github.deployments job) and the issues that name
# incidents (incidents' github.incident_tickets job) live beside this module.
from oncall_site.integrations.github.resources.deployments import (  # noqa: E402
    iter_deployments,
    normalize_deployment,
    normalize_status,
)
from oncall_site.integrations.github.resources.issues import (  # noqa: E402
    iter_issues,
    normalize_issue,
)

__all__ = [
    "iter_deployments",
    "iter_issues",
    "normalize_deployment",
    "normalize_issue",
    "normalize_status",
]

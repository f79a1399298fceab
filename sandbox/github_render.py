"""GitHub wire objects, field for field as `github-rest.openapi.json` requires them.

Runs, jobs, pull requests, commits, checks, statuses, security alerts and issues; the
shared pieces (users, repositories, labels) are in github_objects.py.
"""

from __future__ import annotations

from datetime import datetime

from .dataset import Dataset, pull_sha, run_sha
from .facts import BOT_ACTIONS, Facts
from .github_objects import (
    actions_app,
    fake_sha,
    git_person,
    label,
    merged,
    node_id,
    repo_full,
    repo_minimal,
    user,
)
from .models import (
    JSON,
    CheckRun,
    CodeScanningAlert,
    CommitStatus,
    CreatedIssue,
    DependabotAlert,
    Job,
    PullRequest,
    WorkflowRun,
)
from .secrel import secrel_jobs
from .timeutil import iso, iso_or_none


def run(base: str, ds: Dataset, r: WorkflowRun, now: datetime) -> JSON:
    facts = ds.facts
    repo_api = f"{base}/repos/{facts.repository}"
    api = f"{repo_api}/actions/runs/{r.id}"
    sha = run_sha(r)
    status = r.status(now)
    name, email = git_person(facts, r.actor)
    updated = r.completed_at if status == "completed" and r.completed_at else r.created_at
    pulls = []
    for number in r.pull_request_numbers:
        pr = next((p for p in ds.pulls if p.number == number), None)
        if pr is not None:
            pulls.append(_pull_minimal(base, facts, pr))
    suite = r.id // 4 + 17_000_000_000
    payload: JSON = {
        "id": r.id,
        "name": facts.workflow_name,
        "node_id": node_id("WorkflowRun", r.id),
        "check_suite_id": suite,
        "check_suite_node_id": node_id("CheckSuite", suite),
        "head_branch": r.head_branch,
        "head_sha": sha,
        "path": f".github/workflows/{facts.workflow_file}",
        "run_number": r.run_number,
        "run_attempt": r.run_attempt,
        "referenced_workflows": [],
        "event": r.event,
        "display_title": r.display_title,
        "status": status,
        "conclusion": r.conclusion if status == "completed" else None,
        "workflow_id": facts.workflow_id,
        "url": api,
        "html_url": f"{base}/{facts.repository}/actions/runs/{r.id}",
        "pull_requests": pulls,
        "created_at": iso(r.created_at),
        "updated_at": iso(updated),
        "actor": user(base, facts, r.actor),
        "triggering_actor": user(base, facts, r.actor),
        "run_started_at": iso(r.created_at),
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{repo_api}/check-suites/{suite}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{repo_api}/actions/workflows/{facts.workflow_id}",
        "head_commit": {
            "id": sha,
            "tree_id": sha[::-1],
            "message": r.display_title,
            "timestamp": iso(r.created_at),
            "author": {"name": name, "email": email},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repo_minimal(base, facts),
        "head_repository": repo_minimal(base, facts),
    }
    return merged(payload, r.extra)


def _phase(started: datetime | None, completed: datetime | None, now: datetime) -> str:
    if started is None or started > now:
        return "queued"
    if completed is not None and completed <= now:
        return "completed"
    return "in_progress"


def job(base: str, facts: Facts, r: WorkflowRun, j: Job, now: datetime) -> JSON:
    repo_api = f"{base}/repos/{facts.repository}"
    status = _phase(j.started_at, j.completed_at, now)
    if r.created_at > now:
        status = "queued"
    steps = []
    for s in j.steps:
        step_status = _phase(s.started_at, s.completed_at, now)
        if s.conclusion == "skipped" and status == "completed":
            step_status = "completed"
        steps.append(
            {
                "name": s.name,
                "number": s.number,
                "status": step_status,
                "conclusion": s.conclusion if step_status == "completed" else None,
                "started_at": iso_or_none(s.started_at) if step_status != "queued" else None,
                "completed_at": iso_or_none(s.completed_at) if step_status == "completed" else None,
            }
        )
    running = status != "queued" and j.conclusion != "skipped"
    return {
        "id": j.id,
        "run_id": r.id,
        "run_url": f"{repo_api}/actions/runs/{r.id}",
        "run_attempt": r.run_attempt,
        "node_id": node_id("CheckRun", j.id),
        "head_sha": run_sha(r),
        "url": f"{repo_api}/actions/jobs/{j.id}",
        "html_url": f"{base}/{facts.repository}/actions/runs/{r.id}/job/{j.id}",
        "status": status,
        "conclusion": j.conclusion if status == "completed" else None,
        "created_at": iso(r.created_at),
        "started_at": iso(j.started_at),
        "completed_at": iso_or_none(j.completed_at) if status == "completed" else None,
        "name": j.name,
        "steps": steps,
        "check_run_url": f"{repo_api}/check-runs/{j.id}",
        "labels": ["ubuntu-latest"],
        "runner_id": (j.id % 900) + 1 if running else None,
        "runner_name": f"GitHub Actions {(j.id % 900) + 1}" if running else None,
        "runner_group_id": 2 if running else None,
        "runner_group_name": "GitHub Actions" if running else None,
        "workflow_name": facts.workflow_name,
        "head_branch": r.head_branch,
    }


def jobs_of(r: WorkflowRun) -> tuple[Job, ...]:
    return secrel_jobs(r)


def _branch(base: str, facts: Facts, ref: str, sha: str, now: datetime) -> JSON:
    return {
        "label": f"{facts.owner}:{ref}",
        "ref": ref,
        "sha": sha,
        "user": user(base, facts, facts.owner),
        "repo": repo_full(base, facts, now, 0),
    }


def pull(base: str, ds: Dataset, pr: PullRequest, now: datetime, base_sha: str) -> JSON:
    facts = ds.facts
    api = f"{base}/repos/{facts.repository}/pulls/{pr.number}"
    issue_api = f"{base}/repos/{facts.repository}/issues/{pr.number}"
    web = f"{base}/{facts.repository}/pull/{pr.number}"
    sha = pull_sha(pr)
    state = pr.state(now)
    closed = pr.closed_at if state == "closed" else None
    merged_at = pr.merged_at if pr.merged_at is not None and pr.merged_at <= now else None
    updated = max(t for t in (pr.updated_at, pr.created_at, closed) if t is not None)
    payload: JSON = {
        "url": api,
        "id": 1_600_000_000 + pr.number,
        "node_id": node_id("PullRequest", 1_600_000_000 + pr.number),
        "html_url": web,
        "diff_url": f"{web}.diff",
        "patch_url": f"{web}.patch",
        "issue_url": issue_api,
        "commits_url": f"{api}/commits",
        "review_comments_url": f"{api}/comments",
        "review_comment_url": f"{base}/repos/{facts.repository}/pulls/comments{{/number}}",
        "comments_url": f"{issue_api}/comments",
        "statuses_url": f"{base}/repos/{facts.repository}/statuses/{sha}",
        "number": pr.number,
        "state": state,
        "locked": False,
        "title": pr.title,
        "user": user(base, facts, pr.author),
        "body": pr.body,
        "labels": [label(base, facts, name) for name in pr.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": iso(pr.created_at),
        "updated_at": iso(updated),
        "closed_at": iso_or_none(closed),
        "merged_at": iso_or_none(merged_at),
        "merge_commit_sha": fake_sha(pr.number) if merged_at else None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch(base, facts, pr.head_ref, sha, now),
        "base": _branch(base, facts, pr.base_ref, base_sha, now),
        "_links": {
            "self": {"href": api},
            "html": {"href": web},
            "issue": {"href": issue_api},
            "comments": {"href": f"{issue_api}/comments"},
            "review_comments": {"href": f"{api}/comments"},
            "review_comment": {
                "href": f"{base}/repos/{facts.repository}/pulls/comments{{/number}}"
            },
            "commits": {"href": f"{api}/commits"},
            "statuses": {"href": f"{base}/repos/{facts.repository}/statuses/{sha}"},
        },
        "author_association": "NONE" if pr.author.endswith("[bot]") else "MEMBER",
        "auto_merge": None,
        "draft": pr.draft,
    }
    return merged(payload, pr.extra)


def _pull_minimal(base: str, facts: Facts, pr: PullRequest) -> JSON:
    repo = {
        "id": facts.repository_id,
        "url": f"{base}/repos/{facts.repository}",
        "name": facts.repo_name,
    }
    return {
        "id": 1_600_000_000 + pr.number,
        "number": pr.number,
        "url": f"{base}/repos/{facts.repository}/pulls/{pr.number}",
        "head": {"ref": pr.head_ref, "sha": pull_sha(pr), "repo": repo},
        "base": {"ref": pr.base_ref, "sha": fake_sha(-pr.number), "repo": repo},
    }


def commit(base: str, facts: Facts, sha: str, message: str, login: str, at: datetime) -> JSON:
    api = f"{base}/repos/{facts.repository}/commits/{sha}"
    name, email = git_person(facts, login)
    parent = fake_sha(int(sha[:8], 16))
    author = (
        user(base, facts, login)
        if facts.person_by_login(login) or login.endswith("[bot]")
        else None
    )
    return {
        "url": api,
        "sha": sha,
        "node_id": node_id("Commit", int(sha[:8], 16)),
        "html_url": f"{base}/{facts.repository}/commit/{sha}",
        "comments_url": f"{api}/comments",
        "commit": {
            "url": f"{base}/repos/{facts.repository}/git/commits/{sha}",
            "author": {"name": name, "email": email, "date": iso(at)},
            "committer": {"name": "GitHub", "email": "noreply@github.com", "date": iso(at)},
            "message": message,
            "comment_count": 0,
            "tree": {
                "sha": sha[::-1],
                "url": f"{base}/repos/{facts.repository}/git/trees/{sha[::-1]}",
            },
            "verification": {
                "verified": True,
                "reason": "valid",
                "signature": None,
                "payload": None,
                "verified_at": iso(at),
            },
        },
        "author": author,
        "committer": user(base, facts, BOT_ACTIONS[0]) if author else None,
        "parents": [
            {
                "sha": parent,
                "url": f"{base}/repos/{facts.repository}/commits/{parent}",
                "html_url": f"{base}/{facts.repository}/commit/{parent}",
            }
        ],
        "stats": {"additions": 4, "deletions": 4, "total": 8},
        "files": [],
    }


def check_run(base: str, ds: Dataset, c: CheckRun, now: datetime) -> JSON:
    facts = ds.facts
    api = f"{base}/repos/{facts.repository}/check-runs/{c.id}"
    status = _phase(c.started_at, c.completed_at, now)
    prs = [
        _pull_minimal(base, facts, p)
        for p in ds.pulls
        if pull_sha(p) == c.head_sha and p.state(now) == "open"
    ]
    failed = status == "completed" and c.conclusion == "failure"
    payload: JSON = {
        "id": c.id,
        "head_sha": c.head_sha,
        "node_id": node_id("CheckRun", c.id),
        "external_id": "",
        "url": api,
        "html_url": f"{base}/{facts.repository}/runs/{c.id}",
        "details_url": f"{base}/{facts.repository}/runs/{c.id}",
        "status": status,
        "conclusion": c.conclusion if status == "completed" else None,
        "started_at": iso(c.started_at),
        "completed_at": iso_or_none(c.completed_at) if status == "completed" else None,
        "output": {
            "title": "Failed" if failed else None,
            "summary": "1 check failed" if failed else None,
            "text": None,
            "annotations_count": 1 if failed else 0,
            "annotations_url": f"{api}/annotations",
        },
        "name": c.name,
        "check_suite": {"id": c.id // 3},
        "app": actions_app(base, facts),
        "pull_requests": prs,
    }
    return merged(payload, c.extra)


def combined_status(base: str, facts: Facts, sha: str, statuses: list[CommitStatus]) -> JSON:
    latest: dict[str, CommitStatus] = {}
    for s in statuses:  # oldest first: the last per context wins, as GitHub reports it
        latest[s.context] = s
    items = sorted(latest.values(), key=lambda s: s.created_at, reverse=True)
    states = {s.state for s in items}
    if not items or "pending" in states:
        state = "pending"  # GitHub says pending when nothing has reported yet
    elif states & {"failure", "error"}:
        state = "failure"
    else:
        state = "success"
    api = f"{base}/repos/{facts.repository}"
    return {
        "state": state,
        "sha": sha,
        "total_count": len(items),
        "repository": repo_minimal(base, facts),
        "commit_url": f"{api}/commits/{sha}",
        "url": f"{api}/commits/{sha}/status",
        "statuses": [
            {
                "url": f"{api}/statuses/{sha}",
                "avatar_url": None,
                "id": s.id,
                "node_id": node_id("StatusContext", s.id),
                "state": s.state,
                "description": s.description,
                "target_url": s.target_url,
                "context": s.context,
                "created_at": iso(s.created_at),
                "updated_at": iso(s.created_at),
            }
            for s in items
        ],
    }


def code_scanning_alert(base: str, facts: Facts, a: CodeScanningAlert, now: datetime) -> JSON:
    api = f"{base}/repos/{facts.repository}/code-scanning/alerts/{a.number}"
    state = a.state(now)
    dismissed = state == "dismissed"
    updated = max(
        t for t in (a.created_at, a.fixed_at, a.dismissed_at) if t is not None and t <= now
    )
    payload: JSON = {
        "number": a.number,
        "created_at": iso(a.created_at),
        "updated_at": iso(updated),
        "url": api,
        "html_url": f"{base}/{facts.repository}/security/code-scanning/{a.number}",
        "instances_url": f"{api}/instances",
        "state": state,
        "fixed_at": iso_or_none(a.fixed_at) if state == "fixed" else None,
        "dismissed_by": user(base, facts, facts.people[0].github_login) if dismissed else None,
        "dismissed_at": iso_or_none(a.dismissed_at) if dismissed else None,
        "dismissed_reason": a.dismissed_reason if dismissed else None,
        "dismissed_comment": a.dismissed_comment if dismissed else None,
        "rule": {
            "id": a.rule_id,
            "name": a.rule_id,
            "severity": a.severity,
            "security_severity_level": a.security_severity,
            "description": a.description,
            "tags": ["security"],
        },
        "tool": {"name": a.tool, "guid": None, "version": a.tool_version},
        "most_recent_instance": {
            "ref": f"refs/heads/{facts.default_branch}",
            "analysis_key": f".github/workflows/{facts.workflow_file}:secrel",
            "environment": "{}",
            "category": a.tool.lower().replace(" ", "-"),
            "state": state,
            "commit_sha": a.commit_sha or fake_sha(a.number),
            "message": {"text": a.message or a.description},
            "location": {
                "path": a.path,
                "start_line": 1,
                "end_line": 1,
                "start_column": 1,
                "end_column": 1,
            },
            "classifications": [],
        },
    }
    return merged(payload, a.extra)


def dependabot_alert(base: str, facts: Facts, a: DependabotAlert, now: datetime) -> JSON:
    api = f"{base}/repos/{facts.repository}/dependabot/alerts/{a.number}"
    state = a.state(now)
    patched = {"identifier": a.patched_version} if a.patched_version else None
    vulnerability = {
        "package": {"ecosystem": a.ecosystem, "name": a.package},
        "severity": a.severity,
        "vulnerable_version_range": a.vulnerable_range,
        "first_patched_version": patched,
    }
    identifiers = [{"type": "GHSA", "value": a.ghsa_id}] + (
        [{"type": "CVE", "value": a.cve_id}] if a.cve_id else []
    )
    updated = max(
        t for t in (a.created_at, a.fixed_at, a.dismissed_at) if t is not None and t <= now
    )
    dismissed = state == "dismissed"
    payload: JSON = {
        "number": a.number,
        "state": state,
        "dependency": {
            "package": {"ecosystem": a.ecosystem, "name": a.package},
            "manifest_path": a.manifest_path,
            "scope": a.scope,
            "relationship": "direct",
        },
        "security_advisory": {
            "ghsa_id": a.ghsa_id,
            "cve_id": a.cve_id,
            "summary": a.summary,
            "description": a.summary + ".",
            "vulnerabilities": [vulnerability],
            "severity": a.severity,
            "cvss": {"score": a.cvss_score, "vector_string": None},
            "cwes": [],
            "identifiers": identifiers,
            "references": [{"url": f"https://github.com/advisories/{a.ghsa_id}"}],
            "published_at": iso(a.created_at),
            "updated_at": iso(a.created_at),
            "withdrawn_at": None,
        },
        "security_vulnerability": vulnerability,
        "url": api,
        "html_url": f"{base}/{facts.repository}/security/dependabot/{a.number}",
        "created_at": iso(a.created_at),
        "updated_at": iso(updated),
        "dismissed_at": iso_or_none(a.dismissed_at) if dismissed else None,
        "dismissed_by": user(base, facts, facts.people[0].github_login) if dismissed else None,
        "dismissed_reason": a.dismissed_reason if dismissed else None,
        "dismissed_comment": a.dismissed_comment if dismissed else None,
        # GitHub sends this one as a string PyGithub does not parse; keep it a plain timestamp.
        "fixed_at": iso_or_none(a.fixed_at) if state == "fixed" else None,
        "auto_dismissed_at": None,
    }
    return merged(payload, a.extra)


def issue(base: str, facts: Facts, created: CreatedIssue, author: str) -> JSON:
    api = f"{base}/repos/{facts.repository}/issues/{created.number}"
    issue_id = 2_300_000_000 + created.number
    return {
        "id": issue_id,
        "node_id": node_id("Issue", issue_id),
        "url": api,
        "repository_url": f"{base}/repos/{facts.repository}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{base}/{facts.repository}/issues/{created.number}",
        "number": created.number,
        "state": "open",
        "state_reason": None,
        "title": created.title,
        "body": created.body,
        "user": user(base, facts, author),
        "labels": [label(base, facts, name) for name in created.labels],
        "assignee": user(base, facts, created.assignees[0]) if created.assignees else None,
        "assignees": [user(base, facts, login) for login in created.assignees],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 0,
        "closed_at": None,
        "created_at": iso(created.created_at),
        "updated_at": iso(created.created_at),
        "closed_by": None,
        "author_association": "MEMBER",
    }

"""What the GitHub integration hands the rest of the site: frozen, normalized records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WorkflowStep:
    number: int
    name: str
    status: str
    conclusion: str | None


@dataclass(frozen=True)
class WorkflowJob:
    id: int
    name: str
    status: str
    conclusion: str | None
    html_url: str
    steps: tuple[WorkflowStep, ...] = ()


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    run_number: int
    name: str
    event: str  # schedule, push, pull_request, workflow_dispatch
    branch: str | None
    status: str  # queued, in_progress, completed, ...
    conclusion: str | None  # success, failure, cancelled, ... None until completed
    head_sha: str
    created_at: datetime
    updated_at: datetime
    html_url: str
    run_attempt: int = 1
    failed_job: str | None = None
    failed_step: str | None = None


@dataclass(frozen=True)
class DependabotPR:
    number: int
    title: str
    head_sha: str
    head_ref: str
    base_ref: str
    author: str
    created_at: datetime
    updated_at: datetime | None
    html_url: str
    ci_status: str  # success, failure, pending
    draft: bool = False
    mergeable: bool | None = None  # None: GitHub has not computed it (or not fetched)
    mergeable_state: str | None = None

    @property
    def ready_to_merge(self) -> bool:
        return self.ci_status == "success" and self.mergeable is True and not self.draft


@dataclass(frozen=True)
class PullState:
    """Where one PR stands: open, or closed (merged when `merged_at` is set)."""

    number: int
    state: str  # open, closed
    closed_at: datetime | None
    merged_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True)
class CodeScanningFinding:
    number: int
    tool: str  # snyk, aqua, other
    tool_name: str
    rule_id: str | None
    rule_name: str | None
    # critical/high/medium/low when the tool gives one, else error/warning/note
    severity: str | None
    state: str  # open, dismissed, fixed
    created_at: datetime
    updated_at: datetime | None
    fixed_at: datetime | None
    dismissed_at: datetime | None
    dismissed_reason: str | None
    html_url: str
    path: str | None = None  # the file, or the image for a container scan
    security_severity_level: str | None = None  # critical, high, medium, low
    rule_level: str | None = None  # error, warning, note, none
    description: str = ""  # the rule's short description
    message: str = ""  # the most recent instance's message
    package: str | None = None  # as the scanner's message names it
    version: str | None = None
    fixed_version: str | None = None


@dataclass(frozen=True)
class DependabotAlert:
    number: int
    state: str  # auto_dismissed, dismissed, fixed, open
    severity: str | None
    package: str
    ecosystem: str | None
    manifest_path: str | None
    vulnerable_range: str | None
    fixed_version: str | None
    ghsa_id: str | None
    cve_id: str | None
    summary: str
    created_at: datetime
    updated_at: datetime | None
    fixed_at: datetime | None
    dismissed_at: datetime | None
    dismissed_reason: str | None
    html_url: str


@dataclass(frozen=True)
class CreatedIssue:
    number: int
    html_url: str
    api_url: str


@dataclass(frozen=True, order=True)
class DeploymentStatus:
    created_at: datetime  # first, so statuses sort by time (then id)
    id: int
    state: str  # queued, in_progress, pending, success, failure, error, inactive
    description: str = ""
    log_url: str = ""


@dataclass(frozen=True)
class Deployment:
    """A GitHub deployment with its statuses, oldest first."""

    id: int
    environment: str
    ref: str
    sha: str
    task: str
    description: str
    creator: str
    created_at: datetime
    services: tuple[tuple[str, str], ...]  # (service, commit) from the payload
    updated_at: datetime | None = None  # moves with each new status
    statuses: tuple[DeploymentStatus, ...] | None = ()  # None: unchanged, not read again


@dataclass(frozen=True)
class Issue:
    """An issue (never a pull request) as the incident tickets job reads it."""

    number: int
    title: str
    body: str
    state: str  # open, closed
    html_url: str
    created_at: datetime
    updated_at: datetime

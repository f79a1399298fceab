"""What the sandbox serves, vendor-shaped but minimal: the servers render the full wire format.

Tests build these to feed the sandbox exactly the data they need (`Sandbox.load(...)`); the
generated scenario builds the same types. Statuses that change with time (an incident being
acknowledged, a run finishing, a PR merging) are not stored: they follow from the timestamps
and the sandbox clock, so advancing the clock moves the world forward consistently.

`extra` on the main types is merged into the rendered JSON last (shallow), for edge cases the
fields here do not cover, e.g. `Incident(..., extra={"priority": {"id": ...}})`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

JSON = dict[str, Any]

# --- PagerDuty ---------------------------------------------------------------------------

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]
LogEntryType = Literal[
    "trigger_log_entry",
    "acknowledge_log_entry",
    "unacknowledge_log_entry",
    "resolve_log_entry",
    "annotate_log_entry",
    "escalate_log_entry",
    "assign_log_entry",
    "notify_log_entry",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Incident:
    id: str
    created_at: datetime
    service_id: str = "PBGSAPI"
    title: str = "Service degraded"
    number: int = 0  # 0: numbered by creation order when loaded
    urgency: Literal["high", "low"] = "high"
    priority: str | None = None  # "P1".."P5"; None renders as JSON null (priorities unset)
    acknowledged_at: datetime | None = None  # first acknowledgement; None: never acknowledged
    acknowledged_by: str | None = None  # PagerDuty user id; None: the assignee
    resolved_at: datetime | None = None
    resolved_by: str | None = None  # user id; None: resolved by the service (auto-resolve)
    assignee_id: str | None = None  # None: the primary on call when it was created
    incident_key: str | None = None
    extra: JSON = field(default_factory=dict)

    def status(self, now: datetime) -> IncidentStatus:
        if self.resolved_at is not None and self.resolved_at <= now:
            return "resolved"
        if self.acknowledged_at is not None and self.acknowledged_at <= now:
            return "acknowledged"
        return "triggered"


@dataclass(frozen=True, slots=True, kw_only=True)
class LogEntry:
    """An explicit log entry. Loading any entry for an incident replaces that incident's
    derived trigger/acknowledge/resolve entries, so a test controls the whole timeline."""

    id: str
    incident_id: str
    type: LogEntryType
    created_at: datetime
    agent_id: str | None = None  # user id; None: the incident's service
    channel: str = "website"
    summary: str | None = None
    extra: JSON = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class OncallShift:
    user_id: str
    schedule_id: str
    escalation_level: int
    start: datetime
    end: datetime


# --- GitHub -------------------------------------------------------------------------------

RunConclusion = Literal[
    "success", "failure", "cancelled", "skipped", "timed_out", "action_required", "neutral"
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    name: str
    number: int
    started_at: datetime | None
    completed_at: datetime | None  # None: not finished
    conclusion: str | None  # success, failure, skipped, cancelled


@dataclass(frozen=True, slots=True, kw_only=True)
class Job:
    id: int
    name: str
    started_at: datetime
    completed_at: datetime | None
    conclusion: str | None
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowRun:
    id: int
    created_at: datetime
    completed_at: datetime | None = None  # None: still running
    conclusion: RunConclusion | None = "success"  # reported once completed
    event: str = "push"  # schedule, push, pull_request, workflow_dispatch
    head_branch: str = "develop"
    head_sha: str = ""  # "" derives one from the id
    display_title: str = "SecRel"
    actor: str = "dkowalski"  # GitHub login
    run_number: int = 0  # 0: numbered by creation order when loaded
    run_attempt: int = 1
    failed_step: str | None = None  # for derived jobs: where a failed run stopped
    publish_images: bool = True  # for derived jobs: whether "Publish to GHCR" runs
    pull_request_numbers: tuple[int, ...] = ()
    jobs: tuple[Job, ...] | None = None  # None: derived from the SecRel job layout
    extra: JSON = field(default_factory=dict)

    def status(self, now: datetime) -> str:
        return (
            "completed"
            if self.completed_at is not None and self.completed_at <= now
            else "in_progress"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PullRequest:
    number: int
    title: str
    head_ref: str
    created_at: datetime
    head_sha: str = ""  # "" derives one from the number
    base_ref: str = "develop"
    author: str = "dependabot[bot]"
    body: str | None = None
    updated_at: datetime | None = None  # None: the latest of created/closed
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    labels: tuple[str, ...] = ("dependencies",)
    draft: bool = False
    extra: JSON = field(default_factory=dict)

    def state(self, now: datetime) -> Literal["open", "closed"]:
        return "closed" if self.closed_at is not None and self.closed_at <= now else "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRun:
    id: int
    head_sha: str
    name: str
    started_at: datetime
    completed_at: datetime | None = None
    conclusion: str | None = "success"
    extra: JSON = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommitStatus:
    id: int
    sha: str
    context: str
    state: Literal["success", "failure", "error", "pending"]
    created_at: datetime
    description: str | None = None
    target_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeScanningAlert:
    number: int
    tool: str  # the SARIF driver name: "Snyk Open Source", "Snyk Container", "Aqua", "CodeQL"
    rule_id: str
    description: str
    created_at: datetime
    security_severity: Literal["critical", "high", "medium", "low"] | None = "high"
    severity: Literal["error", "warning", "note", "none"] = "error"
    path: str = "Dockerfile"
    fixed_at: datetime | None = None
    dismissed_at: datetime | None = None
    dismissed_reason: str | None = None  # "won't fix", "false positive", "used in tests"
    dismissed_comment: str | None = None
    commit_sha: str = ""
    tool_version: str | None = None
    message: str | None = None  # the instance's message (Trivy: package lines); else description
    extra: JSON = field(default_factory=dict)

    def state(self, now: datetime) -> Literal["open", "fixed", "dismissed"]:
        if self.fixed_at is not None and self.fixed_at <= now:
            return "fixed"
        if self.dismissed_at is not None and self.dismissed_at <= now:
            return "dismissed"
        return "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class DependabotAlert:
    number: int
    package: str
    ecosystem: str  # pip, maven, npm, actions, ...
    manifest_path: str
    severity: Literal["low", "medium", "high", "critical"]
    summary: str
    created_at: datetime
    vulnerable_range: str = "< 1.0.0"
    patched_version: str | None = "1.0.0"
    ghsa_id: str = "GHSA-xxxx-xxxx-xxxx"
    cve_id: str | None = None
    fixed_at: datetime | None = None
    dismissed_at: datetime | None = None
    dismissed_reason: str | None = (
        None  # fix_started, inaccurate, no_bandwidth, not_used, tolerable_risk
    )
    dismissed_comment: str | None = None
    scope: Literal["development", "runtime"] | None = "runtime"
    cvss_score: float = 7.5
    extra: JSON = field(default_factory=dict)

    def state(self, now: datetime) -> Literal["open", "fixed", "dismissed"]:
        if self.fixed_at is not None and self.fixed_at <= now:
            return "fixed"
        if self.dismissed_at is not None and self.dismissed_at <= now:
            return "dismissed"
        return "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """An issue in the repository (pull requests are listed with issues, but are not these).

    With `incident_id`, `{number}` and `{link}` in the title and body stand for that
    PagerDuty incident's number and web page, filled in when served (numbers are given
    when the data is loaded, the page's host when it is asked for)."""

    number: int
    title: str
    created_at: datetime
    body: str | None = None
    author: str | None = None  # None: the first engineer of the team
    incident_id: str | None = None
    updated_at: datetime | None = None  # None: the latest of created/closed
    closed_at: datetime | None = None
    labels: tuple[str, ...] = ()

    def state(self, now: datetime) -> Literal["open", "closed"]:
        return "closed" if self.closed_at is not None and self.closed_at <= now else "open"


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedIssue:
    """An issue someone POSTed; recorded so a test can assert on it."""

    number: int
    title: str
    body: str | None
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    created_at: datetime


# --- Datadog ------------------------------------------------------------------------------

MonitorStatus = Literal["Alert", "Warn", "No Data", "OK", "Ignored", "Skipped", "Unknown"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorEpisode:
    """A stretch of time a monitor spent in a non-OK state."""

    start: datetime
    end: datetime
    state: MonitorStatus = "Alert"


@dataclass(frozen=True, slots=True, kw_only=True)
class Monitor:
    id: int
    name: str
    type: str = "query alert"
    query: str = ""
    tags: tuple[str, ...] = ("team:vro",)
    status: MonitorStatus = "OK"  # outside any episode
    last_triggered_at: datetime | None = None  # before any episode
    episodes: tuple[MonitorEpisode, ...] = ()
    classification: str = "metric"
    metrics: tuple[str, ...] = ()
    creator: str = "alex.rivera@example.org"
    # Muted (a downtime silencing it) from `muted_since` until `muted_until` (None: until
    # unmuted); `muted_since` None: never muted.
    muted_since: datetime | None = None
    muted_until: datetime | None = None
    extra: JSON = field(default_factory=dict)

    def muted_at(self, now: datetime) -> bool:
        if self.muted_since is None or now < self.muted_since:
            return False
        return self.muted_until is None or now < self.muted_until

    def status_at(self, now: datetime) -> MonitorStatus:
        current = self.status
        for episode in self.episodes:
            if episode.start <= now < episode.end:
                current = episode.state
        return current

    def last_triggered(self, now: datetime) -> datetime | None:
        latest = self.last_triggered_at
        for episode in self.episodes:
            triggered = episode.state in {"Alert", "Warn"} and episode.start <= now
            if triggered and (latest is None or episode.start > latest):
                latest = episode.start
        return latest


# --- Slack --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlackMessage:
    path: str
    payload: JSON
    received_at: datetime

"""GitHub: SecRel workflow runs, Dependabot PRs and alerts, code scanning, incident tickets
(created, and found in the issues that name an incident).

from oncall_site.integrations import github

config = github.config_from_settings()          # None when not configured
client = github.build_client(config)
for run in github.iter_workflow_runs(client, config): ...
"""

from oncall_site.integrations.github.client import (
    GITHUB,
    Config,
    build_client,
    build_retry,
    config_from_settings,
)
from oncall_site.integrations.github.resources import (
    CI_FAILED,
    DEPENDABOT,
    FAILED,
    ci_status,
    classify_tool,
    create_issue,
    failed_job_and_step,
    fetch_pull_state,
    fetch_run_jobs,
    iter_closed_dependabot_prs,
    iter_code_scanning_findings,
    iter_dependabot_alerts,
    iter_dependabot_prs,
    iter_issues,
    iter_workflow_runs,
    normalize_code_scanning_alert,
    normalize_created_issue,
    normalize_dependabot_alert,
    normalize_dependabot_pr,
    normalize_issue,
    normalize_job,
    normalize_pull_state,
    normalize_workflow_run,
)
from oncall_site.integrations.github.types import (
    CodeScanningFinding,
    CreatedIssue,
    DependabotAlert,
    DependabotPR,
    Issue,
    PullState,
    WorkflowJob,
    WorkflowRun,
    WorkflowStep,
)

__all__ = [
    "CI_FAILED",
    "DEPENDABOT",
    "FAILED",
    "GITHUB",
    "CodeScanningFinding",
    "Config",
    "CreatedIssue",
    "DependabotAlert",
    "DependabotPR",
    "Issue",
    "PullState",
    "WorkflowJob",
    "WorkflowRun",
    "WorkflowStep",
    "build_client",
    "build_retry",
    "ci_status",
    "classify_tool",
    "config_from_settings",
    "create_issue",
    "failed_job_and_step",
    "fetch_pull_state",
    "fetch_run_jobs",
    "iter_closed_dependabot_prs",
    "iter_code_scanning_findings",
    "iter_dependabot_alerts",
    "iter_dependabot_prs",
    "iter_issues",
    "iter_workflow_runs",
    "normalize_code_scanning_alert",
    "normalize_created_issue",
    "normalize_dependabot_alert",
    "normalize_dependabot_pr",
    "normalize_issue",
    "normalize_job",
    "normalize_pull_state",
    "normalize_workflow_run",
]

"""GitHub jobs of the security app: SecRel workflow runs, open Dependabot PRs, and the
findings of code scanning and Dependabot alerts.

Each job reads through `oncall_site.integrations.github` and stores through the one upsert;
the storing halves (`store_runs`, `store_prs`, `prs_to_close`, `store_findings`) take plain
dataclasses or dicts, so the rules are tested on hand-made items without an upstream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from oncall_site.integrations import github
from oncall_site.integrations.errors import UpstreamError
from oncall_site.integrations.timestamps import parse_instant
from oncall_site.sync import Ownership, SyncContext, clean, job, upsert, vendors
from security import findings
from security.models import (
    DependabotPR,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingSource,
    SecrelRun,
    SlaPolicy,
    Tool,
)
from security.secrel import FAILED

# Runs can stay in progress for a while; refetch those created this long before the last run.
OVERLAP = timedelta(days=1)

RUNS: Ownership[SecrelRun] = Ownership(
    SecrelRun,
    key=("run_id",),
    upstream=(
        "run_number",
        "run_attempt",
        "event",
        "branch",
        "status",
        "conclusion",
        "head_sha",
        "created_at",
        "updated_at",
        "html_url",
        "failed_job",
        "failed_step",
        "images_published",
    ),
    links=("html_url",),
)
# What a listing says about a run; the failed job and step come from its jobs, fetched once.
RUN_LISTING = RUNS.upstream[:10]


def _keep_mergeable(row: DependabotPR, fields: dict[str, Any]) -> dict[str, Any]:
    """`mergeable` None means "not asked again this time": the stored answer stands while
    the head commit is the same."""
    if fields.get("mergeable") is None and row.head_sha == fields.get("head_sha"):
        fields["mergeable"] = row.mergeable
    return fields


PRS: Ownership[DependabotPR] = Ownership(
    DependabotPR,
    key=("number",),
    upstream=(
        "title",
        "head_sha",
        "head_ref",
        "base_ref",
        "opened_at",
        "html_url",
        "ci_status",
        "draft",
        "mergeable",
        "open",
        "closed_at",
        "merged_at",
    ),
    links=("html_url",),
    stamp="last_seen_at",
    merge=_keep_mergeable,
)


# PRs that closed before we saw them open: the queue's fields as GitHub has them, but CI
# and `mergeable` (not read for a closed PR) stay as stored, or empty on create.
CLOSED_PRS: Ownership[DependabotPR] = Ownership(
    DependabotPR,
    key=("number",),
    upstream=(
        "title",
        "head_sha",
        "head_ref",
        "base_ref",
        "opened_at",
        "html_url",
        "draft",
        "open",
        "closed_at",
        "merged_at",
    ),
    links=("html_url",),
    stamp="last_seen_at",
)
# Closed PRs updated just before the last run may be listed late; reread this much.
CLOSED_OVERLAP = timedelta(hours=1)


def closed_pr_fields(pr: github.DependabotPR, state: github.PullState) -> dict[str, Any]:
    """A closed PR as the history keeps it: a merge closes a PR, so a missing `closed_at`
    is the merge's."""
    return {
        **pr_fields(pr),
        "open": False,
        "closed_at": state.closed_at or state.merged_at,
        "merged_at": state.merged_at,
    }


def images_published(jobs: tuple[github.WorkflowJob, ...]) -> bool | None:
    """Did the run's publishing job succeed? None when the run has no such job."""
    publish = [j for j in jobs if "publish" in j.name.lower()]
    if not publish:
        return None
    return all(j.conclusion == "success" for j in publish)


def run_fields(run: github.WorkflowRun) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "run_number": run.run_number,
        "run_attempt": run.run_attempt,
        "event": run.event,
        "branch": run.branch or "",
        "status": run.status,
        "conclusion": run.conclusion or "",
        "head_sha": run.head_sha,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
        "html_url": run.html_url,
    }


def store_runs(
    ctx: SyncContext,
    runs: list[github.WorkflowRun],
    jobs_of: Callable[[int], tuple[github.WorkflowJob, ...]],
) -> int:
    """Store runs; a failed run's failed job and step (and whether images were published)
    are read from its jobs, once: only when the run is new or its listing changed."""
    stored = {
        row["run_id"]: row
        for row in SecrelRun.objects.filter(run_id__in=[r.id for r in runs]).values(
            "run_id", *RUN_LISTING
        )
    }
    items = []
    for run in runs:
        fields = clean(RUNS, run_fields(run))
        known = stored.get(run.id)
        if known is not None and all(known[k] == fields[k] for k in RUN_LISTING):
            continue
        if run.conclusion in FAILED:
            try:
                jobs = jobs_of(run.id)
            except UpstreamError as exc:
                if exc.status != 404:
                    raise
                ctx.flag(f"SecRel run #{run.run_number}: GitHub has no jobs for it (404)")
                jobs = ()
            failed_job, failed_step = github.failed_job_and_step(jobs)
            fields.update(
                failed_job=failed_job or "",
                failed_step=failed_step or "",
                images_published=images_published(jobs),
            )
        elif run.status == "completed" and run.conclusion == "success":
            fields.update(failed_job="", failed_step="")
        items.append(fields)
    return upsert(RUNS, items).total


@job(vendors.GITHUB, "secrel_runs", label="SecRel runs", minutes=5)
def secrel_runs(ctx: SyncContext) -> None:
    """Runs of SECREL_WORKFLOW created since the last run (minus a day), on every branch.

    No `created` filter: GitHub caps filtered run listings at 1,000 results. The list is
    newest first, so reading stops at the first page that reaches past `since`.
    """
    config: github.Config = ctx.config
    cursor = _not_after(parse_instant(ctx.cursor.get("secrel_since")), ctx.now)
    since = cursor - OVERLAP if cursor else ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    unfinished = SecrelRun.objects.exclude(status="completed").order_by("created_at").first()
    if unfinished is not None and unfinished.created_at < since:
        since = unfinished.created_at
    newest: datetime | None = None
    stream = _named_404(
        github.iter_workflow_runs(ctx.client, config, with_failures=False),
        f"GitHub has no workflow {config.workflow} in {config.repository} (404); "
        "check SECREL_WORKFLOW, GITHUB_REPOSITORY and the token's access",
    )
    for chunk in ctx.batches(stream, 100):
        recent = [run for run in chunk if run.created_at >= since]
        ctx.fetched += len(recent)
        ctx.written += store_runs(
            ctx, recent, lambda run_id: github.fetch_run_jobs(ctx.client, config, run_id)
        )
        if recent:
            top = max(run.created_at for run in recent)
            newest = top if newest is None or top > newest else newest
        if len(recent) < len(chunk):
            break
    ctx.cursor["secrel_since"] = min(newest or since, ctx.now).isoformat()


def _not_after(cursor: datetime | None, now: datetime) -> datetime | None:
    """A cursor never runs ahead of our clock: one item GitHub stamps in our future (its
    clock ahead, or bad data) must not make the next syncs skip what arrives meanwhile."""
    return None if cursor is None else min(cursor, now)


def _named_404(stream: Iterator[Any], message: str) -> Iterator[Any]:
    """Say which setting to check when the repository or workflow does not exist."""
    try:
        yield from stream
    except UpstreamError as exc:
        if exc.status != 404:
            raise
        raise type(exc)(exc.source, message, status=404) from exc


def pr_fields(pr: github.DependabotPR) -> dict[str, Any]:
    return {
        "number": pr.number,
        "title": pr.title,
        "head_sha": pr.head_sha,
        "head_ref": pr.head_ref,
        "base_ref": pr.base_ref,
        "opened_at": pr.created_at,
        "html_url": pr.html_url,
        "ci_status": pr.ci_status,
        "draft": pr.draft,
        "mergeable": pr.mergeable,
        "open": True,
        # A PR reopened after we marked it closed is open again, with no closing time.
        "closed_at": None,
        "merged_at": None,
    }


def prs_to_close(
    stored_open: Iterable[int],
    listed: Iterable[int],
    state_of: Callable[[int], github.PullState | None],
) -> tuple[list[github.PullState], list[int]]:
    """Which PRs stored as open to close: those missing from the open list that GitHub
    confirms are closed, with when they closed and merged. Returns (to close, unknown:
    GitHub no longer finds them).

    A PR missing from the list is not closed on that alone: a short or empty page must not
    close PRs that are still open.
    """
    missing = sorted(set(stored_open) - set(listed))
    answers = {number: state_of(number) for number in missing}
    return (
        [answer for answer in answers.values() if answer is not None and not answer.is_open],
        [n for n, answer in answers.items() if answer is None],
    )


def store_closed(ctx: SyncContext, closed: Iterable[github.PullState]) -> int:
    """Mark PRs closed with GitHub's closing and merge times (a merge closes a PR, so a
    missing `closed_at` is the merge's). One UPDATE each: a run closes a handful."""
    written = 0
    for state in closed:
        closed_at = state.closed_at or state.merged_at
        if closed_at is None:
            ctx.flag(f"Dependabot PR #{state.number}: GitHub says it is closed but not when")
        written += DependabotPR.objects.filter(number=state.number).update(
            open=False, closed_at=closed_at, merged_at=state.merged_at, last_seen_at=ctx.now
        )
    return written


@job(vendors.GITHUB, "dependabot_prs", label="Dependabot PRs", minutes=5)
def dependabot_prs(ctx: SyncContext) -> None:
    """Open Dependabot PRs to SECREL_BRANCH; those closed since the last run, from GitHub's
    closed list; and those stored open but no longer listed, asked one by one, marked
    closed with when they closed and whether they merged."""
    config: github.Config = ctx.config
    settled = {
        number: (sha, ci)
        for number, sha, ci in DependabotPR.objects.filter(open=True).values_list(
            "number", "head_sha", "ci_status"
        )
    }
    # The open list is small (Dependabot caps open PRs per ecosystem): read it whole.
    listed = list(github.iter_dependabot_prs(ctx.client, config, settled=settled))
    ctx.fetched += len(listed)
    ctx.written += upsert(PRS, (pr_fields(pr) for pr in listed), now=ctx.now).total
    closed = sync_closed_prs(ctx)
    close, unknown = prs_to_close(
        settled,
        [pr.number for pr in listed] + closed,
        lambda number: github.fetch_pull_state(ctx.client, config, number),
    )
    ctx.written += store_closed(ctx, close)
    for number in unknown:
        ctx.flag(f"Dependabot PR #{number}: GitHub no longer finds it (404); left as it was")


def sync_closed_prs(ctx: SyncContext) -> list[int]:
    """Dependabot PRs closed since the last run (the first run: `SYNC_BACKFILL_DAYS`), so
    the history counts the PRs that opened and closed between two polls, or before the
    first. Returns their numbers; the cursor `closed_since` moves only with a whole run."""
    config: github.Config = ctx.config
    cursor = _not_after(parse_instant(ctx.cursor.get("closed_since")), ctx.now)
    if cursor is not None:
        since = cursor - CLOSED_OVERLAP
    else:
        since = ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    newest, numbers = cursor, []
    for chunk in ctx.batches(github.iter_closed_dependabot_prs(ctx.client, config, since=since)):
        ctx.fetched += len(chunk)
        rows = [closed_pr_fields(pr, state) for pr, state in chunk]
        ctx.written += upsert(CLOSED_PRS, rows, now=ctx.now).total
        numbers += [pr.number for pr, _ in chunk]
        for pr, _ in chunk:
            if pr.updated_at is not None and (newest is None or pr.updated_at > newest):
                newest = pr.updated_at
    ctx.cursor["closed_since"] = min(newest or since, ctx.now).isoformat()
    return numbers


# Findings: code-scanning alerts and Dependabot alerts, each its own job, so a token without
# the security_events scope stops only the job it refuses.

# Alerts changed just before the last run may be listed late; reread this much.
FINDINGS_OVERLAP = timedelta(hours=1)
# One page at a time: a repeat sync with nothing new reads one page per job.
FINDINGS_PAGE = 100


def _keep_due(rules: findings.Sla) -> Callable[[Finding, dict[str, Any]], dict[str, Any]]:
    """The due date follows the severity that stands (a person's rating included) and the
    exception recorded here, which the upstream knows nothing of."""

    def merge(row: Finding, fields: dict[str, Any]) -> dict[str, Any]:
        fields["sla_due_at"] = findings.sla_due(
            fields["first_seen_at"],
            fields["severity"],
            rules,
            exception_expires=row.exception_expires_at,
        )
        return fields

    return merge


FINDINGS: Ownership[Finding] = Ownership(
    Finding,
    key=("source", "number"),
    upstream=(
        "tool",
        "tool_name",
        "rule_id",
        "title",
        "upstream_severity",
        "package",
        "ecosystem",
        "version",
        "fixed_version",
        "location",
        "upstream_state",
        "first_seen_at",
        "upstream_updated_at",
        "closed_at",
        "closed_reason",
        "dismissed_reason",
        "html_url",
        "sla_due_at",
    ),
    # A person's rating stands until the scanner's severity changes.
    corrections={"severity": ("upstream_severity",)},
    links=("html_url",),
)


def code_scanning_fields(
    alert: github.CodeScanningFinding, rules: findings.Sla, *, now: datetime
) -> dict[str, Any]:
    severity = findings.severity_from_code_scanning(alert.security_severity_level, alert.rule_level)
    closed_at, reason = findings.closure(
        alert.state, alert.fixed_at, alert.dismissed_at, seen_at=now
    )
    return {
        "source": FindingSource.CODE_SCANNING,
        "number": alert.number,
        "tool": alert.tool,
        "tool_name": alert.tool_name,
        "rule_id": alert.rule_id or "",
        "title": alert.description or alert.rule_name or alert.rule_id or f"Alert {alert.number}",
        "upstream_severity": severity,
        "severity": severity,
        "package": alert.package or "",
        "ecosystem": "",
        "version": alert.version or "",
        "fixed_version": alert.fixed_version or "",
        "location": alert.path or "",
        "upstream_state": alert.state,
        "first_seen_at": alert.created_at,
        "upstream_updated_at": alert.updated_at,
        "closed_at": closed_at,
        "closed_reason": reason,
        "dismissed_reason": alert.dismissed_reason or "",
        "html_url": alert.html_url,
        "sla_due_at": findings.sla_due(alert.created_at, severity, rules),
    }


def dependabot_alert_fields(
    alert: github.DependabotAlert, rules: findings.Sla, *, now: datetime
) -> dict[str, Any]:
    severity = findings.severity_from_dependabot(alert.severity)
    closed_at, reason = findings.closure(
        alert.state, alert.fixed_at, alert.dismissed_at, seen_at=now
    )
    return {
        "source": FindingSource.DEPENDABOT,
        "number": alert.number,
        "tool": Tool.DEPENDABOT,
        "tool_name": "Dependabot",
        "rule_id": alert.cve_id or alert.ghsa_id or "",
        "title": alert.summary or alert.ghsa_id or f"Alert {alert.number}",
        "upstream_severity": severity,
        "severity": severity,
        "package": alert.package,
        "ecosystem": alert.ecosystem or "",
        "version": alert.vulnerable_range or "",
        "fixed_version": alert.fixed_version or "",
        "location": alert.manifest_path or "",
        "upstream_state": alert.state,
        "first_seen_at": alert.created_at,
        "upstream_updated_at": alert.updated_at,
        "closed_at": closed_at,
        "closed_reason": reason,
        "dismissed_reason": alert.dismissed_reason or "",
        "html_url": alert.html_url,
        "sla_due_at": findings.sla_due(alert.created_at, severity, rules),
    }


def store_findings(items: list[dict[str, Any]], rules: findings.Sla, *, now: datetime) -> int:
    """Store one batch of a source's alerts; an alert closed or reopened upstream since the
    last sync gets the event in its history. Unchanged alerts write nothing."""
    if not items:
        return 0
    source = items[0]["source"]
    stored = dict(
        Finding.objects.filter(source=source, number__in=[i["number"] for i in items]).values_list(
            "number", "upstream_state"
        )
    )
    changes = {
        item["number"]: change
        for item in items
        if (change := findings.upstream_change(stored.get(item["number"]), item["upstream_state"]))
    }
    ownership = replace(FINDINGS, merge=_keep_due(rules))
    written = upsert(ownership, items, now=now).total
    if changes:
        by_number = {item["number"]: item for item in items}
        ids = dict(
            Finding.objects.filter(source=source, number__in=changes).values_list("number", "pk")
        )
        FindingEvent.objects.bulk_create(
            FindingEvent(
                finding_id=ids[number],
                kind=FindingEventKind.CLOSED if change == "closed" else FindingEventKind.REOPENED,
                at=by_number[number]["closed_at"] or now,
                note=_upstream_note(by_number[number], change),
            )
            for number, change in changes.items()
        )
    return written


def _upstream_note(item: dict[str, Any], change: str) -> str:
    state = item["upstream_state"].replace("_", " ")
    if change == "reopened":
        return "Open again upstream: the scanner reports it once more."
    why = f" ({item['dismissed_reason']})" if item["dismissed_reason"] else ""
    return f"{state.capitalize()} upstream{why}."


def sync_alerts(
    ctx: SyncContext,
    stream: Iterable[Any],
    fields_of: Callable[..., dict[str, Any]],
) -> None:
    """Read alerts most recently updated first; stop at the first page reaching past the
    cursor (minus an overlap). The first run reads every alert, whatever its age or state."""
    rules = SlaPolicy.current().rules()
    cursor = _not_after(parse_instant(ctx.cursor.get("updated_since")), ctx.now)
    since = cursor - FINDINGS_OVERLAP if cursor else None
    newest = cursor
    for chunk in ctx.batches(stream, FINDINGS_PAGE):
        recent = [a for a in chunk if since is None or (a.updated_at or a.created_at) >= since]
        ctx.fetched += len(recent)
        ctx.written += store_findings(
            [fields_of(a, rules, now=ctx.now) for a in recent],
            rules,
            now=ctx.now,
        )
        for alert in recent:
            updated = alert.updated_at or alert.created_at
            newest = updated if newest is None or updated > newest else newest
        if len(recent) < len(chunk):
            break
    if newest is not None:
        ctx.cursor["updated_since"] = min(newest, ctx.now).isoformat()


@job(vendors.GITHUB, "code_scanning", label="code scanning", minutes=5)
def code_scanning(ctx: SyncContext) -> None:
    """Code-scanning alerts (Snyk, Aqua/Trivy, other tools), every state."""
    stream = github.iter_code_scanning_findings(
        ctx.client, ctx.config, sort="updated", direction="desc"
    )
    sync_alerts(ctx, stream, code_scanning_fields)


@job(vendors.GITHUB, "dependabot_alerts", label="Dependabot alerts", minutes=5)
def dependabot_alerts(ctx: SyncContext) -> None:
    """Dependabot alerts, every state."""
    stream = github.iter_dependabot_alerts(ctx.client, ctx.config, sort="updated", direction="desc")
    sync_alerts(ctx, stream, dependabot_alert_fields)

"""Store what GitHub says about SecRel runs and Dependabot PRs: idempotent upserts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from oncall_site.integrations import github
from oncall_site.integrations.errors import UpstreamError
from oncall_site.sync import SyncContext, batched
from security.models import DependabotPR, SecrelRun

FAILED = {"failure", "timed_out", "startup_failure"}
# Runs can stay in progress for a while; refetch those created this long before the last run.
OVERLAP = timedelta(days=1)
PR_FIELDS = (
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
)
RUN_FIELDS = (
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
)


def images_published(jobs: tuple[github.WorkflowJob, ...]) -> bool | None:
    """Did the run's publishing job succeed? None when the run has no such job."""
    publish = [job for job in jobs if "publish" in job.name.lower()]
    if not publish:
        return None
    return all(job.conclusion == "success" for job in publish)


def sync_secrel_runs(ctx: SyncContext) -> None:
    """Runs of SECREL_WORKFLOW created since the last run (minus a day), on every branch.

    The jobs of a failed run (to name the failed job and step) are fetched once, when the
    run is new or has changed, not on every poll.
    """
    config: github.Config = ctx.config
    cursor = ctx.cursor.get("secrel_since")
    since = (
        datetime.fromisoformat(cursor) - OVERLAP
        if cursor
        else ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    )
    unfinished = SecrelRun.objects.exclude(status="completed").order_by("created_at").first()
    if unfinished is not None and unfinished.created_at < since:
        since = unfinished.created_at
    newest: datetime | None = None
    # No `created` filter: GitHub caps filtered run listings at 1,000 results. The list is
    # newest first, so reading stops at the first page that reaches past `since`.
    stream = _named_404(
        github.iter_workflow_runs(ctx.client, config, with_failures=False),
        f"GitHub has no workflow {config.workflow} in {config.repository} (404); "
        "check SECREL_WORKFLOW, GITHUB_REPOSITORY and the token's access",
    )
    for chunk in batched(stream, 100):
        recent = [run for run in chunk if run.created_at >= since]
        ctx.fetched += len(recent)
        ctx.written += _upsert_runs(ctx, recent)
        if recent:
            top = max(run.created_at for run in recent)
            newest = top if newest is None or top > newest else newest
        if len(recent) < len(chunk):
            break
    ctx.cursor["secrel_since"] = (newest or since).isoformat()


def _named_404(stream: Iterator[Any], message: str) -> Iterator[Any]:
    """Say which setting to check when the repository or workflow does not exist."""
    try:
        yield from stream
    except UpstreamError as exc:
        if exc.status != 404:
            raise
        raise type(exc)(exc.source, message, status=404) from exc


def _upsert_runs(ctx: SyncContext, chunk: list[github.WorkflowRun]) -> int:
    existing = {r.run_id: r for r in SecrelRun.objects.filter(run_id__in=[r.id for r in chunk])}
    creates, updates = [], []
    for run in chunk:
        fields: dict[str, Any] = {
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
        row = existing.get(run.id)
        if row is not None and all(getattr(row, k) == v for k, v in fields.items()):
            continue
        if run.conclusion in FAILED:
            jobs = github.fetch_run_jobs(ctx.client, ctx.config, run.id)
            failed_job, failed_step = github.failed_job_and_step(jobs)
            fields.update(
                failed_job=(failed_job or "")[:255],
                failed_step=(failed_step or "")[:255],
                images_published=images_published(jobs),
            )
        elif run.status == "completed" and run.conclusion == "success":
            fields.update(failed_job="", failed_step="")
        if row is None:
            creates.append(SecrelRun(run_id=run.id, **fields))
        else:
            for k, v in fields.items():
                setattr(row, k, v)
            updates.append(row)
    with transaction.atomic():
        SecrelRun.objects.bulk_create(creates)
        SecrelRun.objects.bulk_update(
            updates, [*RUN_FIELDS, "failed_job", "failed_step", "images_published"]
        )
    return len(creates) + len(updates)


def sync_dependabot_prs(ctx: SyncContext) -> None:
    """Open Dependabot PRs to SECREL_BRANCH; those no longer listed are marked closed."""
    config: github.Config = ctx.config
    stored = {pr.number: pr for pr in DependabotPR.objects.filter(open=True)}
    settled = {n: (pr.head_sha, pr.ci_status) for n, pr in stored.items()}
    # The open list is small (Dependabot caps open PRs per ecosystem): read it whole, then
    # look up the rows it names that are not stored as open (new, or reopened) in one query.
    listed = list(github.iter_dependabot_prs(ctx.client, config, settled=settled))
    ctx.fetched += len(listed)
    seen = {pr.number for pr in listed}
    stored.update(
        DependabotPR.objects.filter(number__in=seen - stored.keys()).in_bulk(field_name="number")
    )
    creates, updates = [], []
    for pr in listed:
        row = stored.get(pr.number)
        mergeable = pr.mergeable
        if mergeable is None and row is not None and row.head_sha == pr.head_sha:
            mergeable = row.mergeable  # not asked again this time
        fields = {
            "title": pr.title[:500],
            "head_sha": pr.head_sha,
            "head_ref": pr.head_ref[:255],
            "base_ref": pr.base_ref[:255],
            "opened_at": pr.created_at,
            "html_url": pr.html_url,
            "ci_status": pr.ci_status,
            "draft": pr.draft,
            "mergeable": mergeable,
            "open": True,
        }
        if row is None:
            creates.append(DependabotPR(number=pr.number, last_seen_at=ctx.now, **fields))
        elif any(getattr(row, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(row, k, v)
            row.last_seen_at = ctx.now
            updates.append(row)
    with transaction.atomic():
        DependabotPR.objects.bulk_create(creates)
        DependabotPR.objects.bulk_update(updates, [*PR_FIELDS, "last_seen_at"])
    # Gone from the open list: close only what GitHub confirms is closed (one request each).
    missing = DependabotPR.objects.filter(open=True).exclude(number__in=seen)
    closed = [
        pr.number
        for pr in missing
        if github.fetch_pull_is_open(ctx.client, config, pr.number) is False
    ]
    if closed:
        DependabotPR.objects.filter(number__in=closed).update(open=False, last_seen_at=ctx.now)
    ctx.written += len(creates) + len(updates) + len(closed)

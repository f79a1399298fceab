"""Run one sync job: claim it, run it, record how it went, never lose stored rows.

A run: load the vendor's configuration (none: "not configured", nothing recorded), claim
the job in the database (one run of a job at a time, across processes), run the job's
function (fetch -> normalize -> idempotent upsert), then record success and store the
cursor it moved. A typed upstream error records the error in words and keeps every row
already stored; the cursor is not stored, so the next run fetches the same span again. A
rejected credential (401/403) is permanent for that job: it is marked as needing attention
and the scheduled poll skips it until the configuration changes or a person runs
`manage.py sync --source vendor.job`; the vendor's other jobs go on. Whatever the outcome,
the rate limit the upstream announced last (when its client reports one) is recorded.

The claim is a conditional UPDATE (`run_token` empty or its lease expired), atomic on SQLite
and PostgreSQL alike. The lease is renewed between batches, so a long backfill keeps it, and
a run killed half-way frees the job when its lease runs out; what it wrote is kept and the
next run, starting from the old cursor, finishes the span.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from oncall_site import data_version
from oncall_site.integrations.errors import AuthError, UpstreamError
from oncall_site.integrations.retries import watched_by
from oncall_site.models import SyncJobState
from oncall_site.sync.context import SyncContext
from oncall_site.sync.registry import SyncJob, get_job

log = logging.getLogger("oncall_site.sync")

LEASE = timedelta(minutes=5)
RENEW_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class SyncOutcome:
    job: str
    title: str
    status: str  # ok, failed, not_configured, needs_attention, busy
    message: str
    fetched: int = 0
    written: int = 0
    duration_seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    recovered: bool = False  # the first success after failures: the job's error is cleared

    @property
    def ok(self) -> bool:
        """Nothing went wrong (a job skipped because another run holds it is not an error)."""
        return self.status in {"ok", "not_configured", "busy"}


class ClaimLost(Exception):
    """This run's lease expired and another run took the job over: stop writing."""


def config_fingerprint(config: Any) -> str:
    """Changes when the URL or credentials change, so a fixed token clears 'needs attention'."""
    return hashlib.sha256(repr(config).encode()).hexdigest()[:16]


def job_state(declared: SyncJob) -> SyncJobState:
    state, _ = SyncJobState.objects.get_or_create(
        job=declared.key, defaults={"vendor": declared.vendor.key}
    )
    return state


def claim(state: SyncJobState) -> str | None:
    """Take the job for this run; None when another run holds an unexpired lease."""
    token = secrets.token_hex(8)
    wall = timezone.now()
    taken = (
        SyncJobState.objects.filter(pk=state.pk)
        .filter(Q(run_token="") | Q(lease_until__lt=wall) | Q(lease_until__isnull=True))
        .update(run_token=token, running_since=wall, lease_until=wall + LEASE)
    )
    return token if taken else None


def _renewer(state: SyncJobState, token: str) -> Callable[[], None]:
    last = time.monotonic()

    def renew() -> None:
        nonlocal last
        if time.monotonic() - last < RENEW_EVERY_SECONDS:
            return
        last = time.monotonic()
        kept = SyncJobState.objects.filter(pk=state.pk, run_token=token).update(
            lease_until=timezone.now() + LEASE
        )
        if not kept:
            raise ClaimLost(f"{state.job}: another run took over after this one's lease expired")

    return renew


def run_job(
    job: SyncJob | str,
    *,
    now: datetime | None = None,
    manual: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SyncOutcome:
    """Run one job once and record the outcome on its state row.

    The pages kept before it are recomputed after it when it changed what they show: it
    wrote rows, or it failed or crashed (the Data sources panel shows the error), or it is
    the first success after failures (the panel clears the error). A run that found nothing
    new, or did not run (not configured, skipped, busy), leaves them kept: jobs poll every
    few minutes, and raising the version for each would leave almost nothing kept. Times like "last synced" are a minute behind
    at most, since a kept page lasts one minute of the clock.
    """
    outcome = None
    try:
        outcome = _run_job(job, now=now, manual=manual, progress=progress)
        return outcome
    finally:
        if outcome is None or outcome.status == "failed" or outcome.written or outcome.recovered:
            data_version.bump()


def _run_job(
    job: SyncJob | str,
    *,
    now: datetime | None,
    manual: bool,
    progress: Callable[[str], None] | None,
) -> SyncOutcome:
    declared = get_job(job) if isinstance(job, str) else job
    key, title = declared.key, declared.title
    say = progress or (lambda message: log.info("%s: %s", key, message))
    config = declared.vendor.load_config()
    if config is None:
        return SyncOutcome(
            key, title, "not_configured", f"{declared.vendor.label} is not configured."
        )

    state = job_state(declared)
    fingerprint = config_fingerprint(config)
    if state.needs_attention and not manual and state.config_fingerprint == fingerprint:
        return SyncOutcome(
            key,
            title,
            "needs_attention",
            f"needs attention: {state.last_error} Fix the configuration, or run "
            f"`manage.py sync --source {key}` to retry.",
        )
    token = claim(state)
    if token is None:
        state.refresh_from_db()
        since = timezone.localtime(state.running_since) if state.running_since else None
        when = f" since {since:%H:%M:%S}" if since else ""
        return SyncOutcome(key, title, "busy", f"another run is in progress{when}; skipped.")

    now = now or timezone.now()
    started = time.monotonic()
    mine = SyncJobState.objects.filter(pk=state.pk, run_token=token)
    mine.update(last_attempt_at=now)
    # A new token or URL starts incremental syncs afresh.
    same_config = state.config_fingerprint == fingerprint
    ctx = SyncContext(
        config=config,
        client=None,
        now=now,
        cursor=dict(state.cursor) if same_config else {},
        cursor_is_valid=same_config,
        progress=say,
        keepalive=_renewer(state, token),
    )
    try:
        with watched_by(ctx):
            ctx.client = declared.vendor.build_client(config)
            declared.run(ctx)
    except ClaimLost as exc:
        log.warning("%s", exc)
        return SyncOutcome(key, title, "busy", str(exc), ctx.fetched, ctx.written)
    except Exception as exc:
        duration = time.monotonic() - started
        outcome = _failure(mine, declared, exc, ctx, duration, fingerprint)
        if not isinstance(exc, UpstreamError):
            raise
        return outcome

    duration = time.monotonic() - started
    released = mine.update(
        last_success_at=now,
        last_error="",
        last_error_kind="",
        last_warnings="\n".join(ctx.warnings),
        needs_attention=False,
        consecutive_failures=0,
        items_fetched=ctx.fetched,
        rows_written=ctx.written,
        duration_seconds=round(duration, 3),
        cursor=ctx.cursor,
        config_fingerprint=fingerprint,
        run_token="",
        running_since=None,
        lease_until=None,
        **rate_limit_fields(ctx),
    )
    if not released:
        log.warning("%s: finished after another run took over; its cursor was not stored", key)
    message = f"fetched {ctx.fetched} item(s), wrote {ctx.written} row(s) in {duration:.1f}s"
    if ctx.warnings:
        shown = "; ".join(ctx.warnings[:3])
        more = f" (and {len(ctx.warnings) - 3} more)" if len(ctx.warnings) > 3 else ""
        message += f"; {shown}{more}"
    return SyncOutcome(
        key,
        title,
        "ok",
        message,
        ctx.fetched,
        ctx.written,
        duration,
        tuple(ctx.warnings),
        recovered=state.consecutive_failures > 0,
    )


def rate_limit_fields(ctx: SyncContext) -> dict[str, Any]:
    """The figures the upstream's last answer announced; a run that heard none keeps the
    last ones stored."""
    reading = ctx.rate_limit
    if reading is None:
        return {}
    return {
        "rate_limit_remaining": max(reading.remaining, 0),
        "rate_limit_limit": max(reading.limit, 0),
        "rate_limit_reset_at": reading.reset_at,
    }


def _failure(
    mine: Any,
    declared: SyncJob,
    exc: BaseException,
    ctx: SyncContext,
    duration: float,
    fingerprint: str,
) -> SyncOutcome:
    permanent = isinstance(exc, AuthError)
    if isinstance(exc, UpstreamError):
        kind, text = type(exc).__name__, str(exc)
    else:
        kind, text = "InternalError", f"Internal error: {type(exc).__name__}: {exc}"
    log.warning("sync of %s failed: %s", declared.key, text)
    fields: dict[str, Any] = {
        "last_error": text,
        "last_error_kind": kind,
        "last_error_at": ctx.now,
        "last_warnings": "\n".join(ctx.warnings),
        "needs_attention": permanent,
        "consecutive_failures": F("consecutive_failures") + 1,
        "items_fetched": ctx.fetched,
        "rows_written": ctx.written,
        "duration_seconds": round(duration, 3),
        "run_token": "",
        "running_since": None,
        "lease_until": None,
        **rate_limit_fields(ctx),
    }
    # Keep the old cursor (the next run refetches the span), but remember which
    # configuration was rejected so the poller can skip it until it changes; a cursor that
    # belonged to another configuration is dropped with it.
    if permanent:
        fields["config_fingerprint"] = fingerprint
        if not ctx.cursor_is_valid:
            fields["cursor"] = {}
    mine.update(**fields)
    return SyncOutcome(
        declared.key,
        declared.title,
        "failed",
        text,
        ctx.fetched,
        ctx.written,
        duration,
        tuple(ctx.warnings),
    )

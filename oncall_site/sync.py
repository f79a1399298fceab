"""The sync engine: run one upstream source, record how it went, never lose stored rows.

Each source is a list of steps (`<app>/sync.py` functions). A run: load the source's
configuration (no configuration: "not configured", nothing recorded as an error), then
fetch -> normalize -> idempotent upsert in each step, then mark success and move the
incremental cursor. A typed upstream error records the error in words and keeps every row
already stored; the cursor does not move, so the next run fetches the same span again.
A rejected credential (401/403) is permanent: the source is marked as needing attention
and the scheduled poll skips it until the configuration changes or a person runs
`manage.py sync --source NAME` by hand.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from oncall_site.integrations import datadog, github, pagerduty
from oncall_site.integrations.errors import AuthError, UpstreamError
from oncall_site.models import SourceName, SourceState

log = logging.getLogger(__name__)


@dataclass
class SyncContext:
    """What a step gets: the source's config and client, the time, the cursor to move, counters."""

    config: Any
    client: Any
    now: datetime
    cursor: dict[str, Any]
    progress: Callable[[str], None]
    fetched: int = 0
    written: int = 0
    warnings: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.progress(message)


Step = Callable[[SyncContext], None]


def batched(items: Iterable[Any], size: int = 500) -> Iterator[list[Any]]:
    """Chunks of a stream, so upserts go in batches and memory stays flat."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass(frozen=True)
class SourceSpec:
    name: str
    label: str
    load_config: Callable[[], Any]
    build_client: Callable[[Any], Any]
    steps: Callable[[], list[Step]]  # imported late: apps import this module's models


def _github_steps() -> list[Step]:
    from security import sync

    return [sync.sync_secrel_runs, sync.sync_dependabot_prs]


def _pagerduty_steps() -> list[Step]:
    from incidents import sync
    from rotations.sync import sync_pagerduty_oncalls

    return [sync.sync_pagerduty_incidents, sync_pagerduty_oncalls]


def _datadog_steps() -> list[Step]:
    from incidents import sync

    return [sync.sync_datadog_monitors]


SOURCES: dict[str, SourceSpec] = {
    SourceName.GITHUB: SourceSpec(
        "github", "GitHub", github.config_from_settings, github.build_client, _github_steps
    ),
    SourceName.PAGERDUTY: SourceSpec(
        "pagerduty",
        "PagerDuty",
        pagerduty.config_from_settings,
        pagerduty.build_client,
        _pagerduty_steps,
    ),
    SourceName.DATADOG: SourceSpec(
        "datadog", "Datadog", datadog.config_from_settings, datadog.build_client, _datadog_steps
    ),
}


@dataclass(frozen=True)
class SyncOutcome:
    source: str
    status: str  # ok, failed, not_configured, needs_attention
    message: str
    fetched: int = 0
    written: int = 0
    duration_seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status in {"ok", "not_configured"}


def config_fingerprint(config: Any) -> str:
    """Changes when the URL or credentials change, so a fixed token clears 'needs attention'."""
    return hashlib.sha256(repr(config).encode()).hexdigest()[:16]


def run_source(
    source: str,
    *,
    now: datetime | None = None,
    manual: bool = False,
    progress: Callable[[str], None] | None = None,
) -> SyncOutcome:
    """Run every step of one source once and record the outcome on its SourceState."""
    spec = SOURCES[source]
    say = progress or (lambda message: log.info("%s: %s", source, message))
    config = spec.load_config()
    if config is None:
        return SyncOutcome(source, "not_configured", f"{spec.label} is not configured.")

    state, _ = SourceState.objects.get_or_create(source=source)
    fingerprint = config_fingerprint(config)
    if state.needs_attention and not manual and state.cursor.get("config") == fingerprint:
        return SyncOutcome(
            source,
            "needs_attention",
            f"{spec.label} needs attention: {state.last_error} "
            f"Fix the configuration, or run `manage.py sync --source {source}` to retry.",
        )

    now = now or timezone.now()
    started = time.monotonic()
    state.last_attempt_at = now
    state.save(update_fields=["last_attempt_at"])
    # A new token or URL starts incremental syncs afresh.
    cursor = dict(state.cursor) if state.cursor.get("config") == fingerprint else {}
    ctx = SyncContext(config=config, client=None, now=now, cursor=cursor, progress=say)
    try:
        ctx.client = spec.build_client(config)
        for step in spec.steps():
            say(f"{step.__name__.removeprefix('sync_').replace('_', ' ')}…")
            step(ctx)
    except UpstreamError as exc:
        duration = time.monotonic() - started
        _record_failure(state, exc, ctx, duration, fingerprint)
        return SyncOutcome(source, "failed", str(exc), ctx.fetched, ctx.written, duration)
    except Exception as exc:
        duration = time.monotonic() - started
        _record_failure(state, exc, ctx, duration, fingerprint)
        raise
    duration = time.monotonic() - started
    ctx.cursor["config"] = fingerprint
    state.last_success_at = now
    state.last_error = ""
    state.last_error_kind = ""
    state.needs_attention = False
    state.consecutive_failures = 0
    state.items_fetched = ctx.fetched
    state.rows_written = ctx.written
    state.duration_seconds = round(duration, 3)
    state.cursor = ctx.cursor
    state.save()
    message = f"fetched {ctx.fetched} item(s), wrote {ctx.written} row(s) in {duration:.1f}s"
    if ctx.warnings:
        message += "; " + "; ".join(ctx.warnings)
    return SyncOutcome(source, "ok", message, ctx.fetched, ctx.written, duration)


def _record_failure(
    state: SourceState, exc: BaseException, ctx: SyncContext, duration: float, fingerprint: str
) -> None:
    permanent = isinstance(exc, AuthError)
    kind = type(exc).__name__ if isinstance(exc, UpstreamError) else "InternalError"
    text = (
        str(exc)
        if isinstance(exc, UpstreamError)
        else f"Internal error: {type(exc).__name__}: {exc}"
    )
    log.warning("sync of %s failed: %s", state.source, text)
    with transaction.atomic():
        state.refresh_from_db()
        state.last_error = text
        state.last_error_kind = kind
        state.last_error_at = ctx.now
        state.needs_attention = permanent
        state.consecutive_failures += 1
        state.items_fetched = ctx.fetched
        state.rows_written = ctx.written
        state.duration_seconds = round(duration, 3)
        # Keep the old cursor (the next run refetches the span), but remember which
        # configuration was rejected so the poller can skip it until it changes.
        state.cursor = {**state.cursor, "config": fingerprint} if permanent else state.cursor
        state.save()


def source_states() -> list[dict[str, Any]]:
    """Freshness of every source for the dashboard and the admin (one query)."""
    stored = {s.source: s for s in SourceState.objects.all()}
    out = []
    for name, spec in SOURCES.items():
        out.append(
            {
                "name": name,
                "label": spec.label,
                "configured": spec.load_config() is not None,
                "state": stored.get(name),
            }
        )
    return out

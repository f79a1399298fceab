"""Reads of the security app: SecRel status, schedule, run history and figures; open
Dependabot PRs; the `security` part of the metrics document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from oncall_site.integrations.text import one_line
from oncall_site.integrations.timestamps import isoformat_z, parse_instant
from rotations.models import team_zone
from security import secrel
from security.models import SecrelRun
from security.secrel import DECISIVE, FAILED, PASSED, OffSchedule, ScheduledDay, SecrelStatus
from security.secrel import secrel_status as status_of
from security.selectors_dependabot import QueueSummary, dependabot_document, queue_summary
from security.selectors_findings import findings_document

# The page's schedule panel looks this far back.
SCHEDULE_LOOKBACK = timedelta(days=14)
# A day's scheduled run is read with the day, even when it starts outside the window; and a
# run is taken to finish within a day of its start, as the sync takes it (`sync.OVERLAP`),
# so the runs decided in a window are among those started from a day before it.
_DAY = timedelta(days=1)
# The branch and trigger menus offer what the latest runs used (any other is still accepted).
RECENT_RUNS = 1_000


def secrel_status(
    *, branch: str | None = None, as_of: datetime | None = None
) -> SecrelStatus[SecrelRun]:
    """The rule of `security.secrel` over the stored runs: only the runs since the last
    success on the branch are read (two queries), whatever the history's length. Only the
    runs decided by `as_of` (default: now) count, so a run GitHub stamps after our now (its
    clock ahead of ours) says nothing until ours reaches its end."""
    branch = branch or settings.SECREL_BRANCH
    as_of = as_of or timezone.now()
    decisive = SecrelRun.objects.filter(
        branch=branch,
        status="completed",
        conclusion__in=DECISIVE,
        created_at__lt=as_of,
        updated_at__lte=as_of,
    )
    last_pass = (
        decisive.filter(conclusion__in=PASSED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    runs = decisive if last_pass is None else decisive.filter(created_at__gte=last_pass)
    return status_of(runs, branch=branch)


def open_dependabot_prs(limit: int = 5) -> tuple[int, QueueSummary]:
    """The open count and the dashboard card's summary: each group's count and the `limit`
    most pressing PRs (the queue page at /security/dependabot/ lists them all)."""
    summary = queue_summary(now=timezone.now(), limit=limit)
    return summary.total, summary


# --- The weekday schedule ------------------------------------------------------------------


@dataclass(frozen=True)
class SecrelSchedule:
    """The schedule rule over a window, judged from `judged_since`: the first stored run
    (any branch). Before the history we have, a weekday is unknown, not missed."""

    since: datetime
    until: datetime
    judged_since: datetime
    days: list[ScheduledDay[SecrelRun]]
    off_schedule: list[OffSchedule[SecrelRun]]

    @property
    def missed(self) -> list[date]:
        return [d.day for d in self.days if d.state == "missed"]

    @property
    def pending(self) -> list[date]:
        return [d.day for d in self.days if d.state == "pending"]


def _history_start() -> datetime | None:
    """When the oldest stored run started: before it we know nothing."""
    return SecrelRun.objects.order_by("created_at").values_list("created_at", flat=True).first()


def _runs_started(since: datetime, until: datetime, **narrower: str) -> list[SecrelRun]:
    """The runs started in [since, until) (any branch and event unless `narrower` says);
    the rules pick what they judge."""
    return list(SecrelRun.objects.filter(created_at__gte=since, created_at__lt=until, **narrower))


def _schedule_of(
    runs: list[SecrelRun],
    first: datetime | None,
    *,
    branch: str,
    since: datetime,
    until: datetime,
    as_of: datetime,
) -> SecrelSchedule | None:
    if first is None or first >= min(until, as_of):
        return None
    judged_since = max(since, first)
    window = {"branch": branch, "since": judged_since, "until": until, "as_of": as_of}
    zone = team_zone()
    return SecrelSchedule(
        since=since,
        until=until,
        judged_since=judged_since,
        days=secrel.scheduled_days(runs, zone=zone, **window),
        off_schedule=secrel.off_schedule_runs(runs, zone=zone, **window),
    )


def secrel_schedule(
    *, since: datetime, until: datetime, as_of: datetime, branch: str | None = None
) -> SecrelSchedule | None:
    """Missed and off-schedule runs on the branch in [since, until); None when no run is
    stored from before the window's end (nothing to judge). Two queries."""
    first = _history_start()
    if first is None:
        return None
    branch = branch or settings.SECREL_BRANCH
    runs = _runs_started(
        max(since, first) - _DAY,
        min(until + _DAY, as_of),
        branch=branch,
        event=secrel.SCHEDULE_EVENT,
    )
    window = {"since": since, "until": until, "as_of": as_of}
    return _schedule_of(runs, first, branch=branch, **window)


# --- The run history -------------------------------------------------------------------------

EVENTS: dict[str, str] = {
    "schedule": "Schedule",
    "push": "Push",
    "pull_request": "Pull request",
    "workflow_dispatch": "Manual dispatch",
}
CONCLUSION_RED = "red"
CONCLUSION_RUNNING = "running"
CONCLUSIONS: dict[str, str] = {
    CONCLUSION_RED: "Failed (any way)",
    "success": "Success",
    "failure": "Failure",
    "timed_out": "Timed out",
    "startup_failure": "Startup failure",
    "cancelled": "Cancelled",
    "skipped": "Skipped",
    CONCLUSION_RUNNING: "Not finished",
}


@dataclass
class RunFilters:
    """What the run history is narrowed to; every field is optional."""

    branch: str = ""
    event: str = ""
    conclusion: str = ""
    since: datetime | None = None  # runs started at or after
    until: datetime | None = None  # runs started before (a sprint's end, from its report)
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.branch or self.event or self.conclusion or self.since or self.until)


@dataclass
class RunChoices:
    branches: list[str]  # the main branch first, then the others by name
    events: dict[str, str]  # value -> label; events seen upstream beyond the known four too


def run_choices() -> RunChoices:
    """The branches and events of the latest runs; one query, whatever the history."""
    latest = SecrelRun.objects.order_by("-created_at").values_list("branch", "event")
    pairs = set(latest[:RECENT_RUNS])
    branches = {b for b, _ in pairs}
    main = settings.SECREL_BRANCH
    events = dict(EVENTS)
    for event in sorted({e for _, e in pairs} - set(EVENTS)):
        events[event] = event.replace("_", " ").capitalize()
    return RunChoices(branches=[main, *sorted(branches - {main})], events=events)


def run_filters_from_params(params: Mapping[str, str], choices: RunChoices) -> RunFilters:
    """The filters in a query string; a value no run has is dropped and named in `errors`,
    so a mistyped link says what went wrong instead of showing nothing. A branch or event
    older runs used is added to `choices` (one query each, only then)."""
    filters = RunFilters()
    # Compared in SQL: PostgreSQL refuses a NUL in any text parameter.
    branch = one_line(params.get("branch"))
    if branch and branch not in choices.branches:
        if SecrelRun.objects.filter(branch=branch).exists():
            choices.branches.append(branch)
        else:
            filters.errors.append(
                f"No SecRel run on branch {branch[:80]!r}: that filter is ignored."
            )
    filters.branch = branch if branch in choices.branches else ""
    event = one_line(params.get("event"))
    if event and event not in choices.events and SecrelRun.objects.filter(event=event).exists():
        choices.events[event] = event.replace("_", " ").capitalize()
    for name, value, allowed in (
        ("event", event, choices.events),
        ("conclusion", (params.get("conclusion") or "").strip(), CONCLUSIONS),
    ):
        if value and value not in allowed:
            listed = ", ".join(allowed)
            filters.errors.append(
                f"Unknown {name} {value[:40]!r} (one of {listed}): that filter is ignored."
            )
        else:
            setattr(filters, name, value)
    for name in ("since", "until"):
        raw = (params.get(name) or "").strip()
        if not raw:
            continue
        try:
            setattr(filters, name, parse_instant(raw))
        except ValueError:
            filters.errors.append(
                f"{name} is not an ISO 8601 instant: {raw[:40]!r} (try 2026-03-02T12:00:00Z);"
                " that filter is ignored."
            )
    return filters


def secrel_runs(filters: RunFilters) -> QuerySet[SecrelRun]:
    """Runs newest first, narrowed by `filters`."""
    runs = SecrelRun.objects.order_by("-created_at", "-run_id")
    if filters.branch:
        runs = runs.filter(branch=filters.branch)
    if filters.event:
        runs = runs.filter(event=filters.event)
    if filters.conclusion == CONCLUSION_RED:
        runs = runs.filter(status="completed", conclusion__in=FAILED)
    elif filters.conclusion == CONCLUSION_RUNNING:
        runs = runs.exclude(status="completed")
    elif filters.conclusion:
        runs = runs.filter(status="completed", conclusion=filters.conclusion)
    if filters.since is not None:
        runs = runs.filter(created_at__gte=filters.since)
    if filters.until is not None:
        runs = runs.filter(created_at__lt=filters.until)
    return runs


# --- Figures of a window: the metrics document -------------------------------------------


def _standing_run(branch: str, since: datetime) -> SecrelRun | None:
    """The run whose verdict stood when the window began: the latest (by start) decided
    before it."""
    return (
        SecrelRun.objects.filter(
            branch=branch,
            status="completed",
            conclusion__in=DECISIVE,
            created_at__lt=since,
            updated_at__lt=since,
        )
        .order_by("-created_at")
        .first()
    )


def _off_schedule_json(off: OffSchedule[SecrelRun]) -> dict[str, Any]:
    return {
        "run_number": off.run.run_number,
        "started_at": isoformat_z(off.run.created_at),
        "reason": off.reason,
    }


def secrel_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """SecRel on `SECREL_BRANCH` as of `as_of`, and its schedule and figures over
    [since, until); null where nothing is measured."""
    branch = settings.SECREL_BRANCH
    status = secrel_status(branch=branch, as_of=as_of)
    latest, first_red = status.latest, status.failing_since
    state = "unknown" if status.passing is None else "passing" if status.passing else "failing"
    window = {"branch": branch, "since": since, "until": until, "as_of": as_of}
    # The branch's runs started from a day before the window to a day after (the schedule's
    # days, the runs decided in it), and the verdict standing at its start.
    runs = _runs_started(since - _DAY, min(until + _DAY, as_of), branch=branch)
    schedule = _schedule_of(runs, _history_start(), **window)
    standing = _standing_run(branch, since)
    if standing is not None and standing.created_at < since - _DAY:
        runs.append(standing)  # else it is among them already
    return {
        "state": state,
        "failing_since_run_number": first_red.run_number if first_red else None,
        "failing_since": isoformat_z(first_red.created_at) if first_red else None,
        "red_runs": None if latest is None else status.red_runs,
        "failed_job": (latest.failed_job or None) if first_red else None,
        "failed_step": (latest.failed_step or None) if first_red else None,
        "images_published": latest.images_published if latest else None,
        "missed_scheduled_runs": (
            None if schedule is None else [day.isoformat() for day in schedule.missed]
        ),
        "off_schedule_runs": (
            None if schedule is None else [_off_schedule_json(o) for o in schedule.off_schedule]
        ),
        "pass_rate": secrel.pass_rate(runs, **window),
        "hours_red": secrel.hours_red(runs, **window),
    }


def security_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """The metrics document's `security` part: one key per subject."""
    return {
        "secrel": secrel_document(since=since, until=until, as_of=as_of),
        "findings": findings_document(since=since, until=until, as_of=as_of),
        "dependabot": dependabot_document(since=since, until=until, as_of=as_of),
    }

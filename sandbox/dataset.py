"""An immutable, indexed snapshot of everything the fake upstreams serve.

Items are kept sorted by creation time next to a list of epoch seconds, so "what exists at
`now`" and "what falls in [since, until)" are bisections, and a page is a slice. Full wire
objects are rendered only for the page being served. PagerDuty log entries are not stored at
all unless loaded explicitly: a compact index of (time, kind, incident) tuples stands in for
them and each entry is built when a page asks for it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TypeVar, overload
from zoneinfo import ZoneInfo

from .facts import Facts
from .models import (
    CheckRun,
    CodeScanningAlert,
    CommitStatus,
    DependabotAlert,
    Incident,
    Issue,
    LogEntry,
    Monitor,
    OncallShift,
    PullRequest,
    WorkflowRun,
)
from .rng import Rand

T = TypeVar("T")

# Log index kinds; explicit entries point into Dataset.explicit_log instead of an incident.
TRIGGER, ACKNOWLEDGE, RESOLVE, EXPLICIT = 0, 1, 2, 3
_DERIVED_TYPES = {
    TRIGGER: "trigger_log_entry",
    ACKNOWLEDGE: "acknowledge_log_entry",
    RESOLVE: "resolve_log_entry",
}


@dataclass
class Items:
    """Plain lists of items; what `Sandbox.load()` takes and the scenario produces."""

    incidents: list[Incident] = field(default_factory=list)
    log_entries: list[LogEntry] = field(default_factory=list)
    oncalls: list[OncallShift] | None = None  # None: derived from the team's rotation
    workflow_runs: list[WorkflowRun] = field(default_factory=list)
    pulls: list[PullRequest] = field(default_factory=list)
    check_runs: list[CheckRun] = field(default_factory=list)
    commit_statuses: list[CommitStatus] = field(default_factory=list)
    code_scanning_alerts: list[CodeScanningAlert] = field(default_factory=list)
    dependabot_alerts: list[DependabotAlert] = field(default_factory=list)
    monitors: list[Monitor] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def extend(self, other: Items) -> None:
        self.incidents += other.incidents
        self.log_entries += other.log_entries
        self.workflow_runs += other.workflow_runs
        self.pulls += other.pulls
        self.check_runs += other.check_runs
        self.commit_statuses += other.commit_statuses
        self.code_scanning_alerts += other.code_scanning_alerts
        self.dependabot_alerts += other.dependabot_alerts
        self.monitors += other.monitors
        self.issues += other.issues


class Timeline(Sequence[T]):
    """Items sorted by a timestamp, with the timestamps alongside for bisecting."""

    def __init__(self, items: Iterable[T], key: Callable[[T], datetime]) -> None:
        pairs = sorted(((key(item).timestamp(), n, item) for n, item in enumerate(items)))
        self.items: list[T] = [item for _, _, item in pairs]
        self.times: list[float] = [t for t, _, _ in pairs]

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.items[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def upto(self, now: datetime) -> list[T]:
        """Items whose time is at or before `now`."""
        return self.items[: bisect_right(self.times, now.timestamp())]

    def window(self, lo: datetime | None, hi: datetime | None, now: datetime) -> tuple[int, int]:
        """Index range of items in [lo, hi) that exist at `now`."""
        start = 0 if lo is None else bisect_left(self.times, lo.timestamp())
        end = bisect_right(self.times, now.timestamp())
        if hi is not None:
            end = min(end, bisect_left(self.times, hi.timestamp()))
        return start, max(start, end)


class LogView(Sequence[LogEntry]):
    """A newest-first window of the log index; entries are built only when read."""

    def __init__(self, dataset: Dataset, start: int, end: int) -> None:
        self._dataset, self._start, self._end = dataset, start, end

    def __len__(self) -> int:
        return self._end - self._start

    @overload
    def __getitem__(self, index: int) -> LogEntry: ...
    @overload
    def __getitem__(self, index: slice) -> list[LogEntry]: ...
    def __getitem__(self, index: int | slice) -> LogEntry | list[LogEntry]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._dataset.log_entry_at(self._end - 1 - index)


def _numbered(items: list[T], attr: str, start: int = 1) -> list[T]:
    """Give items without a number (0) the next numbers in the order they come (creation order)."""
    used = {getattr(x, attr) for x in items}
    nxt = max([n for n in used if n] + [start - 1]) + 1
    out = []
    for item in items:
        if getattr(item, attr) == 0:
            item = replace(item, **{attr: nxt})  # type: ignore[type-var]
            nxt += 1
        out.append(item)
    return out


class Dataset:
    """Everything served, indexed; immutable once built (a new one replaces it)."""

    def __init__(self, facts: Facts, items: Items) -> None:
        self.facts = facts
        self.tz = ZoneInfo(facts.account_tz)
        by_created: Callable[[Incident], datetime] = lambda x: x.created_at  # noqa: E731
        incidents = _numbered(Timeline(items.incidents, by_created).items, "number")
        self.incidents = Timeline(incidents, by_created)
        self.incident_pos = {inc.id: n for n, inc in enumerate(self.incidents)}
        self.explicit_log = sorted(items.log_entries, key=lambda e: (e.created_at, e.id))
        self._explicit_by_incident: dict[str, list[LogEntry]] = {}
        for entry in self.explicit_log:
            self._explicit_by_incident.setdefault(entry.incident_id, []).append(entry)
        self._build_log_index()
        self.oncall_shifts = items.oncalls
        runs = _numbered(Timeline(items.workflow_runs, lambda r: r.created_at).items, "run_number")
        self.runs = Timeline(runs, lambda r: r.created_at)
        self.run_by_id = {run.id: run for run in self.runs}
        pulls = _numbered(Timeline(items.pulls, lambda p: p.created_at).items, "number")
        self.pulls = Timeline(pulls, lambda p: p.created_at)
        self.check_runs: dict[str, list[CheckRun]] = {}
        for check in sorted(items.check_runs, key=lambda c: (c.started_at, c.id)):
            self.check_runs.setdefault(check.head_sha, []).append(check)
        self.statuses: dict[str, list[CommitStatus]] = {}
        for status in sorted(items.commit_statuses, key=lambda s: (s.created_at, s.id)):
            self.statuses.setdefault(status.sha, []).append(status)
        scans = _numbered(
            Timeline(items.code_scanning_alerts, lambda a: a.created_at).items, "number"
        )
        self.code_scanning = Timeline(scans, lambda a: a.created_at)
        deps = _numbered(Timeline(items.dependabot_alerts, lambda a: a.created_at).items, "number")
        self.dependabot = Timeline(deps, lambda a: a.created_at)
        self.monitors = sorted(items.monitors, key=lambda m: m.id)
        # Issues share GitHub's numbers with pull requests: theirs start well clear.
        issues = _numbered(Timeline(items.issues, lambda i: i.created_at).items, "number", 3001)
        self.issues = Timeline(issues, lambda i: i.created_at)

    # --- PagerDuty -----------------------------------------------------------------------

    def _build_log_index(self) -> None:
        index: list[tuple[float, int, int]] = []
        for pos, inc in enumerate(self.incidents):
            if inc.id not in self._explicit_by_incident:
                index += self._entries_for(inc, pos)
        index += [(e.created_at.timestamp(), EXPLICIT, n) for n, e in enumerate(self.explicit_log)]
        index.sort()
        self.log_index = index
        self.log_times = [t for t, _, _ in index]

    def incident(self, incident_id: str) -> Incident | None:
        pos = self.incident_pos.get(incident_id)
        return None if pos is None else self.incidents[pos]

    def derived_entry(self, inc: Incident, kind: int) -> LogEntry:
        rand = Rand("log", inc.id, kind)
        if kind == TRIGGER:
            return LogEntry(
                id="R" + rand.token("id", 13),
                incident_id=inc.id,
                type="trigger_log_entry",
                created_at=inc.created_at,
                agent_id=None,
                channel="api",
                summary="Triggered through the API",
            )
        if kind == ACKNOWLEDGE:
            assert inc.acknowledged_at is not None
            who = inc.acknowledged_by or self.assignee(inc)
            person = self.facts.person(who)
            return LogEntry(
                id="R" + rand.token("id", 13),
                incident_id=inc.id,
                type="acknowledge_log_entry",
                created_at=inc.acknowledged_at,
                agent_id=who,
                channel="mobile",
                summary=f"Acknowledged by {person.name if person else who}",
            )
        assert inc.resolved_at is not None
        if inc.resolved_by is None:
            return LogEntry(
                id="R" + rand.token("id", 13),
                incident_id=inc.id,
                type="resolve_log_entry",
                created_at=inc.resolved_at,
                agent_id=None,
                channel="api",
                summary="Resolved through the API",
            )
        person = self.facts.person(inc.resolved_by)
        return LogEntry(
            id="R" + rand.token("id", 13),
            incident_id=inc.id,
            type="resolve_log_entry",
            created_at=inc.resolved_at,
            agent_id=inc.resolved_by,
            channel="website",
            summary=f"Resolved by {person.name if person else inc.resolved_by}",
        )

    def log_entry_at(self, position: int) -> LogEntry:
        _, kind, ref = self.log_index[position]
        if kind == EXPLICIT:
            return self.explicit_log[ref]
        return self.derived_entry(self.incidents[ref], kind)

    def log_window(self, lo: datetime | None, hi: datetime | None, now: datetime) -> LogView:
        start = 0 if lo is None else bisect_left(self.log_times, lo.timestamp())
        end = bisect_right(self.log_times, now.timestamp())
        if hi is not None:
            end = min(end, bisect_left(self.log_times, hi.timestamp()))
        return LogView(self, start, max(start, end))

    def incident_log(self, inc: Incident, now: datetime) -> list[LogEntry]:
        """The incident's entries that exist at `now`, newest first."""
        explicit = self._explicit_by_incident.get(inc.id)
        if explicit is not None:
            entries = list(explicit)
        else:
            pos = self.incident_pos[inc.id]
            kinds = [k for t, k, p in self._entries_for(inc, pos)]
            entries = [self.derived_entry(inc, k) for k in kinds]
        return sorted(
            (e for e in entries if e.created_at <= now), key=lambda e: e.created_at, reverse=True
        )

    def _entries_for(self, inc: Incident, pos: int) -> list[tuple[float, int, int]]:
        out = [(inc.created_at.timestamp(), TRIGGER, pos)]
        if inc.acknowledged_at is not None and (
            inc.resolved_at is None or inc.acknowledged_at <= inc.resolved_at
        ):
            out.append((inc.acknowledged_at.timestamp(), ACKNOWLEDGE, pos))
        if inc.resolved_at is not None:
            out.append((inc.resolved_at.timestamp(), RESOLVE, pos))
        return out

    def assignee(self, inc: Incident) -> str:
        if inc.assignee_id:
            return inc.assignee_id
        on_call = [
            s for s in self.oncalls(inc.created_at, inc.created_at) if s.escalation_level == 1
        ]
        return on_call[0].user_id if on_call else self.facts.rotation[0]

    def oncalls(self, since: datetime, until: datetime) -> list[OncallShift]:
        """Shifts overlapping [since, until] (a point when equal), by level then start."""
        if self.oncall_shifts is not None:
            shifts = [s for s in self.oncall_shifts if s.start <= until and s.end > since]
        else:
            shifts = rotation_shifts(self.facts, since, until)
        return sorted(shifts, key=lambda s: (s.escalation_level, s.start, s.user_id))

    # --- GitHub --------------------------------------------------------------------------

    def commit_shas(self) -> dict[str, tuple[str, str, datetime]]:
        """sha -> (message, author login, date) for every commit the data mentions."""
        out: dict[str, tuple[str, str, datetime]] = {}
        for run in self.runs:
            out.setdefault(
                run_sha(run), (run.display_title, run.actor, run.created_at - timedelta(minutes=2))
            )
        for pr in self.pulls:
            out.setdefault(
                pull_sha(pr), (pr.title, pr.author, pr.created_at - timedelta(minutes=1))
            )
        return out


def run_sha(run: WorkflowRun) -> str:
    return run.head_sha or Rand("run-sha", run.id).hex("sha")


def pull_sha(pr: PullRequest) -> str:
    return pr.head_sha or Rand("pr-sha", pr.number).hex("sha")


def sprint_start(facts: Facts, index: int) -> datetime:
    """Local midnight of sprint `index` (0 = the anchor) as an aware datetime in the team zone."""
    tz = ZoneInfo(facts.account_tz)
    day = facts.rotation_anchor + timedelta(days=facts.sprint_days * index)
    return datetime(day.year, day.month, day.day, tzinfo=tz)


def sprint_index(facts: Facts, at: datetime) -> int:
    local = at.astimezone(ZoneInfo(facts.account_tz)).date()
    index = (local - facts.rotation_anchor).days // facts.sprint_days
    return index if sprint_start(facts, index) <= at else index - 1


def rotation_shifts(facts: Facts, since: datetime, until: datetime) -> list[OncallShift]:
    """PagerDuty's view of the rotation: primary (level 1) and secondary (level 2) per sprint.

    Every fifth sprint the pair swapped its first two days (an override in PagerDuty), so the
    dashboard has a real mismatch with the rotation to show.
    """
    out: list[OncallShift] = []
    n = len(facts.rotation)
    primary_id, secondary_id = facts.schedules[0].id, facts.schedules[1].id
    for index in range(sprint_index(facts, since), sprint_index(facts, until) + 1):
        start, end = sprint_start(facts, index), sprint_start(facts, index + 1)
        first, second = facts.rotation[index % n], facts.rotation[(index + 1) % n]
        pieces = [(start, end, first, second)]
        if index % 5 == 0:
            swap_end = start + timedelta(days=2)
            pieces = [(start, swap_end, second, first), (swap_end, end, first, second)]
        for lo, hi, p, s in pieces:
            if lo <= until and hi > since:
                out.append(
                    OncallShift(
                        user_id=p, schedule_id=primary_id, escalation_level=1, start=lo, end=hi
                    )
                )
                out.append(
                    OncallShift(
                        user_id=s, schedule_id=secondary_id, escalation_level=2, start=lo, end=hi
                    )
                )
    return out

"""Reads for the Dependabot queue: its page, the dashboard's card and the metrics API.

The rules are `security.dependabot`'s, applied here to stored rows; each read is a fixed
number of queries whatever the number of PRs. Titles are parsed as they are read, not
stored parsed: closed PRs never come back from GitHub, so a parse stored with them would
keep any mistake the parser once made, while parsing on read fixes the whole history with
the parser (a page parses only the rows it shows).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from rotations.models import Sprint, team_today
from security.dependabot import (
    ATTENTION,
    GROUPS,
    READY,
    WAITING,
    Bump,
    PRFacts,
    age,
    dependabot_figures,
    parse_bump,
    queue_group,
    time_to_merge,
    to_json,
)
from security.models import DependabotPR

MERGED, CLOSED = "merged", "closed"  # what became of a closed PR
OUTCOMES = (MERGED, CLOSED)
SPRINTS_SHOWN = 6
INSTANTS = ("opened_at", "closed_at", "merged_at")
# What a queue row shows; the rest of a PR (head sha, base, last seen) is not read.
SHOWN = ("number", "title", "head_ref", "html_url", "ci_status", "draft", "mergeable", "open")
SHOWN += INSTANTS
FLAGS = ("mergeable", "draft", "open")


def _rows(queryset: QuerySet[DependabotPR], names: Sequence[str]) -> list[tuple[Any, ...]]:
    """`queryset.values_list(*names)` (unordered), read straight from the database driver.

    Django's per-value converters were most of the time of reading a few thousand rows (as
    `incidents.selectors_metrics` found): the drivers already return datetimes (SQLite's naive, of
    Django's stored UTC; PostgreSQL's aware) and booleans, so instants are only made aware.
    """
    instants = [i for i, name in enumerate(names) if name in INSTANTS]
    sql, params = queryset.order_by().values_list(*names).query.sql_with_params()
    out = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for raw in cursor.fetchall():
            row = list(raw)
            for i in instants:
                if row[i] is not None and row[i].tzinfo is None:
                    row[i] = row[i].replace(tzinfo=UTC)
            out.append(tuple(row))
    return out


@dataclass(frozen=True)
class QueueItem:
    """One PR as the queue shows it: the row, what it updates, its group and age."""

    pr: DependabotPR
    bump: Bump
    group: str | None  # None once closed
    age: timedelta

    @property
    def time_to_merge(self) -> timedelta | None:
        return time_to_merge(self.pr.opened_at, self.pr.merged_at)


def queue_ids() -> dict[str, list[int]]:
    """The id of every open PR, by group (`queue_group`), oldest first.

    One query of four small columns: the group is the rule's, decided here in Python, so
    the page's counts and pages, the card and the API cannot disagree with it.
    """
    groups: dict[str, list[int]] = {group: [] for group in GROUPS}
    rows = (
        DependabotPR.objects.filter(open=True)
        .order_by("opened_at", "number")
        .values_list("pk", "ci_status", "mergeable", "draft")
    )
    for pk, ci_status, mergeable, draft in rows:
        groups[queue_group(ci_status=ci_status, mergeable=mergeable, draft=draft)].append(pk)
    return groups


def items(rows: Iterable[DependabotPR], *, now: datetime) -> list[QueueItem]:
    return [
        QueueItem(
            pr=pr,
            bump=parse_bump(pr.title, pr.head_ref),
            group=pr.queue_group,
            age=age(pr.opened_at, now),
        )
        for pr in rows
    ]


def queue_items(ids: Sequence[int], *, now: datetime) -> list[QueueItem]:
    """The PRs of `ids`, in that order, parsed: one query (none for no ids)."""
    if not ids:
        return []
    rows = DependabotPR.objects.only(*SHOWN).in_bulk(ids)
    return items((rows[pk] for pk in ids if pk in rows), now=now)


@dataclass(frozen=True)
class QueueSummary:
    """The dashboard's card: the count of each group and the most pressing PRs (needing
    attention, then ready to merge, then waiting; oldest first). Iterating gives those."""

    counts: dict[str, int]
    first: list[QueueItem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ready(self) -> int:
        return self.counts[READY]

    @property
    def attention(self) -> int:
        return self.counts[ATTENTION]

    @property
    def waiting(self) -> int:
        return self.counts[WAITING]

    @property
    def more(self) -> int:
        return self.total - len(self.first)

    def __iter__(self) -> Iterator[QueueItem]:
        return iter(self.first)

    def __len__(self) -> int:
        return len(self.first)


def queue_summary(*, now: datetime, limit: int = 5) -> QueueSummary:
    """Two queries: the queue's ids, then the first `limit` rows."""
    groups = queue_ids()
    pressing = [pk for group in GROUPS for pk in groups[group]][:limit]
    counts = {group: len(ids) for group, ids in groups.items()}
    return QueueSummary(counts=counts, first=queue_items(pressing, now=now))


# Merged and closed PRs


@dataclass(frozen=True)
class SprintClosures:
    sprint: Sprint
    merged: int
    closed: int  # without merging


def recent_sprints(*, now: datetime, count: int = SPRINTS_SHOWN) -> list[Sprint]:
    """The last `count` sprints started by today, newest first: one query."""
    today = team_today(now)
    return list(Sprint.objects.filter(start_date__lte=today).order_by("-number")[:count])


def _closed_in(outcome: str, since: datetime, until: datetime) -> Q:
    """Merged in [since, until) by `merged_at`, or closed without merging by `closed_at`."""
    if outcome == MERGED:
        return Q(merged_at__gte=since, merged_at__lt=until)
    if outcome == CLOSED:
        return Q(merged_at__isnull=True, closed_at__gte=since, closed_at__lt=until)
    return _closed_in(MERGED, since, until) | _closed_in(CLOSED, since, until)


def closures_by_sprint(sprints: Sequence[Sprint]) -> list[SprintClosures]:
    """PRs merged and closed without merging in each sprint: one query of counts, no rows.
    Each count is its list's length (`closed_prs`, the same conditions)."""
    if not sprints:
        return []
    windows = [sprint.window() for sprint in sprints]
    span = _closed_in("", min(w[0] for w in windows), max(w[1] for w in windows))
    counts = DependabotPR.objects.filter(span).aggregate(
        **{
            f"{outcome}_{i}": Count("pk", filter=_closed_in(outcome, since, until))
            for i, (since, until) in enumerate(windows)
            for outcome in OUTCOMES
        }
    )
    return [
        SprintClosures(sprint, counts[f"{MERGED}_{i}"], counts[f"{CLOSED}_{i}"])
        for i, sprint in enumerate(sprints)
    ]


def closed_prs(*, since: datetime, until: datetime, outcome: str = "") -> QuerySet[DependabotPR]:
    """PRs merged (by `merged_at`) or closed without merging (by `closed_at`) in
    [since, until), newest first; `outcome` "merged" or "closed" keeps one kind."""
    chosen = _closed_in(outcome if outcome in OUTCOMES else "", since, until)
    return DependabotPR.objects.filter(chosen).order_by("-closed_at", "-number")


# The metrics API


def dependabot_document(*, since: datetime, until: datetime, as_of: datetime) -> dict:
    """`{"open", "ready_to_merge", "failing", "waiting", "merged", "median_hours_to_merge"}`
    for the window (the rule: `security.dependabot.dependabot_figures`); null where nothing
    is measured. One query: the PRs open at the window's end (or `as_of`) and those merged
    in the window."""
    moment = min(until, as_of)
    rows = _rows(
        DependabotPR.objects.filter(opened_at__lte=moment).filter(
            Q(open=True) | Q(closed_at__gt=moment) | Q(merged_at__gte=since, merged_at__lt=until)
        ),
        ("number", *INSTANTS, "ci_status", *FLAGS),
    )
    facts = [
        PRFacts(
            number=number,
            opened_at=opened,
            closed_at=closed,
            merged_at=merged,
            ci_status=ci_status,
            mergeable=mergeable,
            draft=draft,
            closed=not is_open,
        )
        for number, opened, closed, merged, ci_status, mergeable, draft, is_open in rows
    ]
    return to_json(dependabot_figures(facts, since=since, until=until, as_of=as_of))

"""Reads of findings for the findings pages, the daily message and the metrics document,
each in a bounded number of queries whatever the number of findings.

The rules are `security.findings`'; here rows become `FindingFacts` and the stored due date
(`Finding.sla_due_at`, kept by the same rule) lets the list filter and count in SQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from oncall_site.integrations.timestamps import isoformat_z, parse_instant
from rotations.sprints import local_date
from security import findings
from security.findings import FindingFacts, FindingStatus
from security.models import (
    PER_ROW,
    Finding,
    FindingEvent,
    FindingSource,
    Rating,
    SlaPolicy,
    Tool,
)

SOON_DAYS = 7  # the list's "breaching soon" filter
STATES: dict[str, str] = {
    "unresolved": "Open or under exception",
    "open": "Open (SLA running)",
    "excepted": "Under exception",
    "closed": "Fixed or dismissed",
    "all": "All",
}
DEFAULT_STATE = "unresolved"
OVERDUE: dict[str, str] = {"yes": "Overdue", "soon": f"Due within {SOON_DAYS} days"}
# A window's figures (the sprint report's opened and fixed) list their findings.
WINDOWS: dict[str, str] = {"opened": "first seen", "fixed": "fixed"}


@dataclass
class FindingFilters:
    """What the list is narrowed to; unreadable values are dropped and named in `errors`."""

    tool: str = ""
    severity: str = ""
    state: str = DEFAULT_STATE
    overdue: str = ""
    source: str = ""
    window: str = ""  # "opened" or "fixed" in [since, until)
    since: datetime | None = None
    until: datetime | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return (
            bool(self.tool or self.severity or self.overdue or self.source or self.window)
            or self.state != DEFAULT_STATE
        )

    def query(self, **changes: str) -> str:
        """This list's query string with `changes` (for the counts' links)."""
        values = {
            "state": self.state if self.state != DEFAULT_STATE else "",
            "severity": self.severity,
            "tool": self.tool,
            "overdue": self.overdue,
            "source": self.source,
            "window": self.window,
            "since": isoformat_z(self.since) if self.window and self.since else "",
            "until": isoformat_z(self.until) if self.window and self.until else "",
            **changes,
        }
        return "&".join(f"{k}={v}" for k, v in values.items() if v)


def _choice(params: Mapping[str, str], name: str, allowed: Iterable[str], errors: list[str]) -> str:
    value = (params.get(name) or "").strip()
    if value and value not in set(allowed):
        errors.append(f"Unknown {name} {value[:40]!r}: that filter is ignored.")
        return ""
    return value


def filters_from_params(params: Mapping[str, str]) -> FindingFilters:
    errors: list[str] = []
    filters = FindingFilters(
        tool=_choice(params, "tool", Tool.values, errors),
        severity=_choice(params, "severity", Rating.values, errors),
        state=_choice(params, "state", STATES, errors) or DEFAULT_STATE,
        overdue=_choice(params, "overdue", OVERDUE, errors),
        source=_choice(params, "source", FindingSource.values, errors),
        window=_choice(params, "window", WINDOWS, errors),
        errors=errors,
    )
    for name in ("since", "until") if filters.window else ():
        try:
            setattr(filters, name, parse_instant(params.get(name)))
        except ValueError:
            errors.append(f"{name} is not an ISO 8601 instant: that filter is ignored.")
    return filters


def _excepted(now: datetime) -> Q:
    return Q(closed_at__isnull=True, exception_expires_at__gt=now)


def _running(now: datetime) -> Q:
    """Open with its SLA running: not closed, no exception in force."""
    return Q(closed_at__isnull=True) & (
        Q(exception_expires_at__isnull=True) | Q(exception_expires_at__lte=now)
    )


def _overdue(now: datetime) -> Q:
    return _running(now) & Q(sla_due_at__lte=now)


def _due_soon(now: datetime, rules: findings.Sla) -> Q:
    horizon = findings.add_days(now, SOON_DAYS, rules.zone)
    return _running(now) & Q(sla_due_at__gt=now, sla_due_at__lte=horizon)


def finding_list(filters: FindingFilters, *, now: datetime, rules: findings.Sla) -> QuerySet:
    """The findings the filters select: the most urgent first (due soonest; unrated after
    the rated ones), closed ones most recently closed first."""
    rows = Finding.objects.all()
    state_q = {
        "unresolved": Q(closed_at__isnull=True),
        "open": _running(now),
        "excepted": _excepted(now),
        "closed": Q(closed_at__isnull=False),
        "all": Q(),
    }[filters.state]
    rows = rows.filter(state_q)
    if filters.tool:
        rows = rows.filter(tool=filters.tool)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.source:
        rows = rows.filter(source=filters.source)
    if filters.overdue == "yes":
        rows = rows.filter(_overdue(now))
    elif filters.overdue == "soon":
        rows = rows.filter(_due_soon(now, rules))
    if filters.window:
        # As the window's figures count them (`findings.findings_summary`).
        column = "first_seen_at" if filters.window == "opened" else "closed_at"
        if filters.window == "fixed":
            rows = rows.filter(closed_reason=findings.FIXED)
        if filters.since:
            rows = rows.filter(**{f"{column}__gte": filters.since})
        if filters.until:
            rows = rows.filter(**{f"{column}__lt": filters.until})
    if filters.state == "closed":
        return rows.order_by("-closed_at", "-pk")
    return rows.order_by(F("sla_due_at").asc(nulls_last=True), "first_seen_at", "pk")


@dataclass(frozen=True)
class FindingCounts:
    """The unresolved findings at a glance; each links to the list behind it."""

    unresolved: int
    by_severity: dict[str, int]  # critical..low, rated only
    unrated: int
    by_tool: dict[str, int]
    overdue: int
    due_soon: int
    excepted: int


def finding_counts(*, now: datetime, rules: findings.Sla) -> FindingCounts:
    """The unresolved findings counted by severity and tool, and how many are overdue, due
    soon or under exception, in four queries that each read an index alone (SQLite tests
    a condition per row slowly; an index range counts in C):

    - the counts by severity and tool (at most 25 groups);
    - of all unresolved findings, those due by now, and those due within `SOON_DAYS`;
    - of those under an exception in force, how many, and the same two.
    A finding is overdue or due soon only while its SLA runs (`_running`): all of them less
    the excepted ones.
    """
    unresolved = Finding.objects.filter(closed_at__isnull=True).order_by()
    horizon = findings.add_days(now, SOON_DAYS, rules.zone)
    groups = unresolved.values_list("severity", "tool").annotate(n=Count("pk"))
    # Two plain range counts: SQLite counts an index range without testing each row.
    due = {
        "late": unresolved.filter(sla_due_at__lte=now).count(),
        "soon": unresolved.filter(sla_due_at__gt=now, sla_due_at__lte=horizon).count(),
    }
    held = unresolved.filter(exception_expires_at__gt=now).aggregate(
        n=Count("pk"),
        late=Count("pk", filter=Q(sla_due_at__lte=now)),
        soon=Count("pk", filter=Q(sla_due_at__gt=now, sla_due_at__lte=horizon)),
    )
    by_severity = dict.fromkeys(Rating.values, 0)
    by_tool = dict.fromkeys(Tool.values, 0)
    for severity, tool, n in groups:
        by_severity[severity] = by_severity.get(severity, 0) + n
        by_tool[tool] = by_tool.get(tool, 0) + n
    return FindingCounts(
        unresolved=sum(by_severity.values()),
        by_severity={s: by_severity[s] for s in findings.SEVERITIES},
        unrated=by_severity[findings.UNRATED],
        by_tool={t: by_tool[t] for t in Tool.values},
        overdue=due["late"] - held["late"],
        due_soon=due["soon"] - held["soon"],
        excepted=held["n"],
    )


def _reason(closed: datetime | None, reason: str) -> str:
    """A closed row's reason; one edited in the admin without a reason counts as dismissed
    (not as remediation) rather than failing the page."""
    if closed is None:
        return ""
    return reason if reason in (findings.FIXED, findings.DISMISSED) else findings.DISMISSED


def facts_of(finding: Finding) -> FindingFacts:
    return FindingFacts(
        id=finding.pk,
        first_seen=finding.first_seen_at,
        severity=finding.severity,
        tool=finding.tool,
        closed=finding.closed_at,
        closed_reason=_reason(finding.closed_at, finding.closed_reason),
        exception_granted=finding.exception_granted_at if finding.exception_expires_at else None,
        exception_expires=finding.exception_expires_at if finding.exception_granted_at else None,
    )


@dataclass(frozen=True)
class FindingRow:
    """A finding as a page shows it, as of `now`."""

    finding: Finding
    status: FindingStatus
    age_days: int  # days since first seen (until closed, for a closed one)
    due_soon: bool
    exception_through: date | None = None  # the last local day the exception covers

    @property
    def state(self) -> str:
        return self.status.state


def finding_rows(
    rows: Iterable[Finding], *, now: datetime, rules: findings.Sla
) -> list[FindingRow]:
    horizon = findings.add_days(now, SOON_DAYS, rules.zone)
    out = []
    for finding in rows:
        status = findings.finding_status(facts_of(finding), rules, now)
        end = finding.closed_at if finding.closed_at and finding.closed_at <= now else now
        age = max((end - finding.first_seen_at) // findings.DAY, 0)
        soon = (
            status.state == findings.OPEN
            and not status.overdue
            and status.due is not None
            and status.due <= horizon
        )
        expires = finding.exception_expires_at
        # An exception ends at the midnight after its last day: show that day.
        through = local_date(expires - timedelta(microseconds=1), rules.zone) if expires else None
        out.append(FindingRow(finding, status, age, soon, through))
    return out


def finding_detail(finding_id: int) -> Finding | None:
    return Finding.objects.filter(pk=finding_id).first()


def finding_history(finding: Finding) -> list[FindingEvent]:
    return list(finding.events.select_related("user").order_by("at", "pk"))


# The daily message


@dataclass(frozen=True)
class Reminder:
    breaching: list[tuple[Finding, datetime]]  # open findings due within the span
    expiring: list[tuple[Finding, datetime]]  # exceptions ending within the span


def reminder(
    *, now: datetime, breach_days: int = 3, expiry_days: int = 10, limit: int = 20
) -> Reminder:
    """Findings that breach their SLA within `breach_days` and exceptions that expire within
    `expiry_days`, soonest first (at most `limit` of each; two queries)."""
    rules = SlaPolicy.current().rules()
    breach_horizon = findings.add_days(now, breach_days, rules.zone)
    expiry_horizon = findings.add_days(now, expiry_days, rules.zone)
    # Excepted findings whose exception ends in the span may breach at its end: read them too.
    candidates = Finding.objects.filter(closed_at__isnull=True).filter(
        (_running(now) & Q(sla_due_at__gt=now, sla_due_at__lte=breach_horizon))
        | Q(exception_expires_at__gt=now, exception_expires_at__lte=expiry_horizon)
    )
    breaching, expiring = [], []
    for finding in candidates.order_by("sla_due_at", "pk"):
        facts = facts_of(finding)
        due = findings.breaches_within(facts, rules, now, breach_days)
        if due is not None:
            breaching.append((finding, due))
        expires = findings.exception_expires_within(facts, now, expiry_days, rules.zone)
        if expires is not None:
            expiring.append((finding, expires))
    breaching.sort(key=lambda pair: (pair[1], pair[0].pk))
    expiring.sort(key=lambda pair: (pair[1], pair[0].pk))
    return Reminder(breaching[:limit], expiring[:limit])


# The metrics document


def findings_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """The findings' figures of [since, until) as of `as_of` (see `security.findings`):
    `open`, `open_by_severity`, `open_by_tool`, `under_exception`, `overdue`, `opened`,
    `fixed`, `dismissed`, `mean_days_to_remediate`.

    Two years of findings are tens of thousands of rows, so the database counts those whose
    stored due date is the rule's at any `as_of` (no exception, a due date stored when
    rated) in three queries, two of which read one index alone; the rules read the rest one
    by one: `PER_ROW` (an exception counts only once granted) and those closed in the window
    (days to remediate).
    """
    rules = SlaPolicy.current().rules()
    closed_in_window = Q(closed_at__gte=since, closed_at__lt=until, closed_at__lte=as_of)
    by_rows = Q(
        exception_granted_at__isnull=True,
        exception_expires_at__isnull=True,
    ) & (Q(sla_due_at__isnull=False) | Q(severity=findings.UNRATED))
    # Open at `as_of`: never closed, or closed after it. Two ranges of one index, each read
    # alone (an OR of both makes SQLite scan another index whole).
    open_then = [
        Finding.objects.filter(by_rows, when, first_seen_at__lte=as_of).order_by()
        for when in (Q(closed_at__isnull=True), Q(closed_at__gt=as_of))
    ]
    never_closed, closed_later = open_then
    open_by_severity_tool: Counter[tuple[str, str]] = Counter(
        {
            (severity, tool): n
            for severity, tool, n in never_closed.values_list("severity", "tool").annotate(
                n=Count("pk")
            )
        }
    )
    # Grouped, these would make SQLite scan the severity index whole; read, they are a
    # range of the closed-at index (none at all when `as_of` is now).
    open_by_severity_tool.update(closed_later.values_list("severity", "tool"))
    opened = (
        Finding.objects.filter(by_rows, first_seen_at__gte=since, first_seen_at__lt=until)
        .filter(first_seen_at__lte=as_of)
        .exclude(closed_in_window)
    )
    counted = findings.Counted(
        open_by_severity_tool=open_by_severity_tool,
        overdue=sum(rows.filter(sla_due_at__lte=as_of).count() for rows in open_then),
        opened=opened.count(),
    )
    one_by_one = Finding.objects.filter(PER_ROW, first_seen_at__lte=as_of).filter(
        Q(closed_at__isnull=True)
        | Q(closed_at__gt=as_of)
        | Q(closed_at__gte=since, closed_at__lt=until)
        | Q(first_seen_at__gte=since, first_seen_at__lt=until)
    )
    closed_rows = Finding.objects.filter(by_rows, closed_in_window, first_seen_at__lte=as_of)
    columns = (
        "pk",
        "first_seen_at",
        "severity",
        "tool",
        "closed_at",
        "closed_reason",
        "exception_granted_at",
        "exception_expires_at",
    )
    facts = (
        FindingFacts(
            id=pk,
            first_seen=first_seen,
            severity=severity,
            tool=tool,
            closed=closed,
            closed_reason=_reason(closed, reason),
            exception_granted=granted if expires else None,
            exception_expires=expires if granted else None,
        )
        for rows in (one_by_one, closed_rows)
        for pk, first_seen, severity, tool, closed, reason, granted, expires in rows.values_list(
            *columns
        ).order_by()
    )
    summary = findings.findings_summary(
        facts, policy=rules, since=since, until=until, as_of=as_of, counted=counted
    )
    return findings.to_json(summary)

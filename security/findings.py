"""Security findings: severity, SLA due dates, state and the window's figures, as pure
functions (no ORM, no clock: the caller passes `as_of`).

Rules (DESIGN.md, "Security"):

- Severity is critical, high, medium, low, or unrated. Code scanning: the rule's
  `security_severity_level`, else its level (error -> high, warning -> medium,
  note -> low), else unrated. Dependabot: the advisory's severity (GitHub's older
  "moderate" is medium). A value outside these sets is treated as absent, so anything
  unknown ends as unrated, never as an error.
- The SLA gives each severity a number of days (defaults critical 15, high 30, medium 90,
  low 180), counted from the finding's first report by its scanner (the upstream's
  `created_at`, not when we synced it). Unrated findings have no due date until a person
  rates them. Days are calendar days on the team's clock: a finding first seen at 14:00 is
  due at 14:00 local N days later, whatever daylight-saving change lies between (so the
  local due date is always first-seen date + N). Due dates are instants; pages show them
  as local dates.
- A finding is overdue from its due instant on (`as_of >= due`), while it is open.
- An exception granted covers the finding until its expiry (the end of the local date it
  is granted through): meanwhile the finding is "excepted", never overdue. When it
  expires the finding is open again; its SLA runs from first seen as before, or, when the
  policy says to restart it, afresh from the expiry.
- Fixed or dismissed upstream closes the finding at the upstream's time (or when we saw it,
  if the upstream gives none). Open again upstream after that reopens it: same finding,
  same history, and its SLA still runs from first seen (the scanner's `created_at` does
  not move when an alert reappears).
- Figures of a window [since, until) as of `as_of`: `opened` counts findings first seen in
  the window; `fixed` those fixed in it (dismissed ones are counted apart, not as
  remediation); `mean_days_to_remediate` is the mean of (fixed - first seen) over the
  fixed ones, in days of 24 hours (a difference of UTC instants). `open`, `overdue` and the
  breakdowns describe `as_of` itself. A figure with nothing to measure is None.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")
UNRATED = "unrated"
RATINGS: tuple[str, ...] = (*SEVERITIES, UNRATED)
TOOLS: tuple[str, ...] = ("snyk", "aqua", "dependabot", "manual", "other")
RULE_LEVELS: Mapping[str, str] = MappingProxyType(
    {"error": "high", "warning": "medium", "note": "low"}
)
DEFAULT_SLA_DAYS: Mapping[str, int] = MappingProxyType(
    {"critical": 15, "high": 30, "medium": 90, "low": 180}
)

OPEN, EXCEPTED, CLOSED, NOT_YET = "open", "excepted", "closed", "not_yet"
FIXED, DISMISSED = "fixed", "dismissed"
UPSTREAM_CLOSED: Mapping[str, str] = MappingProxyType(
    {"fixed": FIXED, "dismissed": DISMISSED, "auto_dismissed": DISMISSED}
)
DAY = timedelta(days=1)


def as_utc(value: datetime, name: str = "datetime") -> datetime:
    """`value` as a UTC instant; a naive datetime is an error, not a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def _known(value: object, allowed: Iterable[str]) -> str | None:
    text = value.strip().lower() if isinstance(value, str) else ""
    return text if text in set(allowed) else None


def severity_from_code_scanning(security_severity_level: object, rule_level: object) -> str:
    """The rule's security severity, else its level (error high, warning medium, note low),
    else unrated. Unknown values count as absent."""
    known = _known(security_severity_level, SEVERITIES)
    if known:
        return known
    level = _known(rule_level, RULE_LEVELS)
    return RULE_LEVELS[level] if level else UNRATED


def severity_from_dependabot(severity: object) -> str:
    """The advisory's severity; GitHub's older "moderate" is medium; unknown is unrated."""
    text = severity.strip().lower() if isinstance(severity, str) else ""
    text = "medium" if text == "moderate" else text
    return text if text in SEVERITIES else UNRATED


@dataclass(frozen=True)
class Sla:
    """The SLA as plain values (the admin's singleton, read once per request or run)."""

    days: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SLA_DAYS))
    restart_after_exception: bool = False
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/New_York"))

    def __post_init__(self) -> None:
        for severity in SEVERITIES:
            days = self.days.get(severity)
            if not isinstance(days, int) or days < 1:
                raise ValueError(f"SLA days for {severity} must be a whole number from 1")
        object.__setattr__(self, "days", MappingProxyType(dict(self.days)))


def add_days(instant: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The instant `days` calendar days after `instant` at the same wall time on `zone`'s
    clock, in UTC. A wall time that does not exist that day (the spring-forward gap) lands
    just past the gap; one that happens twice (fall back) is the first."""
    local = as_utc(instant, "instant").astimezone(zone)
    naive = local.replace(tzinfo=None) + timedelta(days=days)
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def exception_expiry(valid_through: date, zone: ZoneInfo) -> datetime:
    """An exception granted through a date covers that whole local day: it expires at the
    next local midnight (the first instant that exists that day)."""
    next_day = valid_through + DAY
    return datetime.combine(next_day, time(0), tzinfo=zone).astimezone(UTC)


def sla_start(
    first_seen: datetime, policy: Sla, *, exception_expires: datetime | None = None
) -> datetime:
    """Where the SLA clock starts: first seen, or the last exception's expiry when the
    policy restarts the SLA then (an exception that ended before first seen changes
    nothing)."""
    first_seen = as_utc(first_seen, "first seen")
    if policy.restart_after_exception and exception_expires is not None:
        return max(first_seen, as_utc(exception_expires, "exception expiry"))
    return first_seen


def sla_due(
    first_seen: datetime,
    severity: str,
    policy: Sla,
    *,
    exception_expires: datetime | None = None,
) -> datetime | None:
    """When the finding breaches its SLA, unless excepted or closed by then; None when
    unrated (or of a severity the policy does not know)."""
    days = policy.days.get(severity)
    if days is None:
        return None
    start = sla_start(first_seen, policy, exception_expires=exception_expires)
    return add_days(start, days, policy.zone)


@dataclass(frozen=True)
class FindingFacts:
    """What the rules need about one finding; every instant is kept in UTC.

    `closed` is the latest fix or dismissal (None while open), `closed_reason` fixed or
    dismissed; `exception_granted`/`exception_expires` the last exception granted.
    """

    id: int | str
    first_seen: datetime
    severity: str = UNRATED
    tool: str = "other"
    closed: datetime | None = None
    closed_reason: str = ""
    exception_granted: datetime | None = None
    exception_expires: datetime | None = None

    def __post_init__(self) -> None:
        if self.severity not in RATINGS:
            raise ValueError(f"finding {self.id} has unknown severity {self.severity!r}")
        if self.closed is not None and self.closed_reason not in (FIXED, DISMISSED):
            raise ValueError(f"finding {self.id} is closed without being fixed or dismissed")
        for name in ("first_seen", "closed", "exception_granted", "exception_expires"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, as_utc(value, f"finding {self.id} {name}"))
        granted, expires = self.exception_granted, self.exception_expires
        if (granted is None) != (expires is None):
            raise ValueError(f"finding {self.id}: an exception needs both its grant and expiry")


@dataclass(frozen=True)
class FindingStatus:
    """A finding as of an instant: its state, its due instant and whether it is late."""

    state: str  # open, excepted, closed, not_yet (first seen after as_of)
    due: datetime | None
    overdue: bool

    @property
    def open(self) -> bool:
        return self.state in (OPEN, EXCEPTED)


def exception_in_force(facts: FindingFacts, as_of: datetime) -> bool:
    as_of = as_utc(as_of, "as_of")
    granted, expires = facts.exception_granted, facts.exception_expires
    return granted is not None and expires is not None and granted <= as_of < expires


def finding_state(facts: FindingFacts, as_of: datetime) -> str:
    as_of = as_utc(as_of, "as_of")
    if facts.first_seen > as_of:
        return NOT_YET
    if facts.closed is not None and facts.closed <= as_of:
        return CLOSED
    return EXCEPTED if exception_in_force(facts, as_of) else OPEN


def finding_status(facts: FindingFacts, policy: Sla, as_of: datetime) -> FindingStatus:
    """State, due and overdue as of `as_of`. An exception known at `as_of` moves the due
    date (when the policy restarts the SLA) only once it is known: a grant after `as_of`
    had not happened yet."""
    as_of = as_utc(as_of, "as_of")
    state = finding_state(facts, as_of)
    known = facts.exception_granted is not None and facts.exception_granted <= as_of
    due = sla_due(
        facts.first_seen,
        facts.severity,
        policy,
        exception_expires=facts.exception_expires if known else None,
    )
    overdue = state == OPEN and due is not None and as_of >= due
    return FindingStatus(state, due, overdue)


def breaches_within(
    facts: FindingFacts, policy: Sla, as_of: datetime, days: int
) -> datetime | None:
    """The due instant if the finding, open at `as_of`, breaches its SLA in the next
    `days` calendar days (as_of < due <= as_of + days); else None. An excepted finding
    breaches nothing while its exception holds, so it is named only if the exception ends
    and the due instant both fall in the span."""
    as_of = as_utc(as_of, "as_of")
    status = finding_status(facts, policy, as_of)
    horizon = add_days(as_of, days, policy.zone)
    if not status.open:
        return None
    due = status.due
    if status.state == EXCEPTED:
        expires = facts.exception_expires
        assert expires is not None  # excepted implies an expiry
        if expires > horizon:
            return None
        due = sla_due(facts.first_seen, facts.severity, policy, exception_expires=expires)
        due = None if due is None else max(due, expires)
    if due is None or not as_of < due <= horizon:
        return None
    return due


def exception_expires_within(
    facts: FindingFacts, as_of: datetime, days: int, zone: ZoneInfo
) -> datetime | None:
    """The expiry if an exception in force at `as_of` ends in the next `days` calendar days."""
    as_of = as_utc(as_of, "as_of")
    if finding_state(facts, as_of) != EXCEPTED:
        return None
    expires = facts.exception_expires
    return expires if expires is not None and expires <= add_days(as_of, days, zone) else None


def upstream_change(stored_state: str | None, incoming_state: str) -> str | None:
    """What a sync's new upstream state means here: "closed" (open -> fixed/dismissed),
    "reopened" (fixed/dismissed -> open), else None (new, or no change of openness)."""
    if stored_state is None:
        return None
    was_closed = stored_state in UPSTREAM_CLOSED
    is_closed = incoming_state in UPSTREAM_CLOSED
    if was_closed == is_closed:
        return None
    return "closed" if is_closed else "reopened"


def closure(
    state: str,
    fixed_at: datetime | None,
    dismissed_at: datetime | None,
    *,
    seen_at: datetime,
) -> tuple[datetime | None, str]:
    """(closed at, fixed or dismissed) for an upstream state; (None, "") while open. The
    upstream's own time, else when we saw it closed."""
    reason = UPSTREAM_CLOSED.get(state)
    if reason is None:
        return None, ""
    when = fixed_at if reason == FIXED else dismissed_at
    return as_utc(when or seen_at, "closed at"), reason


@dataclass(frozen=True)
class FindingsSummary:
    """A window's figures; `*_ids` let every number link to the findings behind it."""

    open: int
    open_by_severity: Mapping[str, int]
    open_by_tool: Mapping[str, int]
    under_exception: int
    overdue: int
    opened: int
    fixed: int
    dismissed: int
    mean_days_to_remediate: float | None
    overdue_ids: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class Counted:
    """Findings already counted elsewhere (the database counts most of them at scale):
    open at `as_of` with no exception ever, by (severity, tool); how many of those are
    overdue; how many were first seen in the window. None of them closed in the window."""

    open_by_severity_tool: Mapping[tuple[str, str], int] = field(default_factory=dict)
    overdue: int = 0
    opened: int = 0


def findings_summary(
    findings: Iterable[FindingFacts],
    *,
    policy: Sla,
    since: datetime,
    until: datetime,
    as_of: datetime,
    counted: Counted | None = None,
) -> FindingsSummary:
    """The figures of [since, until) as known at `as_of` (see the module's rules), of
    `findings` plus what `counted` already counted (`overdue_ids` names only the former)."""
    since, until, as_of = as_utc(since, "since"), as_utc(until, "until"), as_utc(as_of, "as_of")
    if until < since:
        raise ValueError(f"window ends ({until.isoformat()}) before it starts ({since})")
    counted = counted or Counted()
    by_severity: Counter[str] = Counter({s: 0 for s in RATINGS})
    by_tool: Counter[str] = Counter({t: 0 for t in TOOLS})
    for (severity, tool), n in counted.open_by_severity_tool.items():
        by_severity[severity] += n
        by_tool[tool] += n
    excepted = fixed = dismissed = 0
    opened = counted.opened
    overdue: list[int | str] = []
    days_to_fix: list[float] = []
    for facts in findings:
        status = finding_status(facts, policy, as_of)
        if status.open:
            by_severity[facts.severity] += 1
            by_tool[facts.tool] += 1
            excepted += status.state == EXCEPTED
            if status.overdue:
                overdue.append(facts.id)
        if since <= facts.first_seen < until and facts.first_seen <= as_of:
            opened += 1
        closed = facts.closed
        if closed is not None and since <= closed < until and closed <= as_of:
            if facts.closed_reason == FIXED:
                fixed += 1
                days_to_fix.append((closed - facts.first_seen) / DAY)
            else:
                dismissed += 1
    mean = math.fsum(days_to_fix) / len(days_to_fix) if days_to_fix else None
    return FindingsSummary(
        open=sum(by_severity.values()),
        open_by_severity=MappingProxyType(dict(by_severity)),
        open_by_tool=MappingProxyType(dict(by_tool)),
        under_exception=excepted,
        overdue=len(overdue) + counted.overdue,
        opened=opened,
        fixed=fixed,
        dismissed=dismissed,
        mean_days_to_remediate=mean,
        overdue_ids=tuple(overdue),
    )


def to_json(summary: FindingsSummary) -> dict[str, Any]:
    """The object the metrics API and command put under `security.findings`."""
    mean = summary.mean_days_to_remediate
    return {
        "open": summary.open,
        "open_by_severity": dict(summary.open_by_severity),
        "open_by_tool": dict(summary.open_by_tool),
        "under_exception": summary.under_exception,
        "overdue": summary.overdue,
        "opened": summary.opened,
        "fixed": summary.fixed,
        "dismissed": summary.dismissed,
        "mean_days_to_remediate": None if mean is None else round(mean, 2),
    }

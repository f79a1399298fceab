"""The primary's load, and when to call for help: pure rules, the time and zone passed in.

**Bands.** A page (an incident that reached PagerDuty) is banded by the team's local wall
clock, as PagerDuty's operational reviews band interruptions:
- `business`: Monday to Friday, 08:00 to 18:00;
- `evening`: the rest of the waking day, 08:00 to 22:00 (weekday evenings, and weekends);
- `night`: 22:00 to 08:00, any day.
A band starts on its hour (08:00 is business on a weekday, 18:00 evening, 22:00 night). The
local time is the instant's in the zone, so a page at 01:30 on the night clocks go back is
a night page whichever 01:30 it was.

**Load.** A score of what the primary carries now, from `Load`'s counts with `WEIGHTS`:
each open SEV1 5, SEV2 3, other or unrated 1; each night page of the sprint 2, each evening
or weekend page 1 (business-hours pages are the job); each pending deploy request 1; SecRel
red 3; each 5 findings past their SLA 1; each 5 Dependabot PRs waiting 1 (rounded down).
At or above the threshold (set in the admin) the primary is overloaded: the dashboard says
so and names who can help.

**Who can help.** The secondary first; then the next free engineer: active, not in the
pair, not away today, who has gone longest without being on call (never counts as longest;
ties by name), by the rotation's own fairness rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from oncall_site.needs import counted
from rotations.proposals import Candidate, longest_without_duty

BUSINESS, EVENING, NIGHT = "business", "evening", "night"
BANDS = (BUSINESS, EVENING, NIGHT)
DAY_STARTS, BUSINESS_ENDS, NIGHT_STARTS = time(8), time(18), time(22)

WEIGHTS: Mapping[str, int] = {
    "SEV1": 5,
    "SEV2": 3,
    "other_open": 1,
    "night_page": 2,
    "evening_page": 1,
    "pending_deploy": 1,
    "secrel_red": 3,
}
PER_FIVE = 5  # findings past their SLA and PRs waiting count one per five


def band(instant: datetime, zone: ZoneInfo) -> str:
    """The band of one page (see the module's rule)."""
    if instant.tzinfo is None:
        raise ValueError("a page's time must be aware")
    local = instant.astimezone(zone)
    clock = local.time()
    if clock >= NIGHT_STARTS or clock < DAY_STARTS:
        return NIGHT
    if local.weekday() < 5 and clock < BUSINESS_ENDS:
        return BUSINESS
    return EVENING


def pages_by_band(pages: Iterable[datetime], zone: ZoneInfo) -> dict[str, int]:
    counts = dict.fromkeys(BANDS, 0)
    for instant in pages:
        counts[band(instant, zone)] += 1
    return counts


@dataclass(frozen=True)
class Load:
    """What the primary carries now."""

    open_by_severity: Mapping[str, int]  # severity ("" unrated) -> open incidents
    pages: Mapping[str, int]  # band -> pages this sprint
    pending_deploys: int = 0
    secrel_red: bool = False
    findings_overdue: int = 0
    prs_waiting: int = 0


@dataclass(frozen=True)
class Score:
    total: int
    parts: tuple[tuple[str, int], ...]  # (what, in words with its count; points), non-zero


def score(load: Load) -> Score:
    """The load's points by `WEIGHTS`, with what each came from."""
    sev1 = load.open_by_severity.get("SEV1", 0)
    sev2 = load.open_by_severity.get("SEV2", 0)
    others = sum(load.open_by_severity.values()) - sev1 - sev2
    overdue, waiting = load.findings_overdue, load.prs_waiting
    night, evening = load.pages.get(NIGHT, 0), load.pages.get(EVENING, 0)
    parts = {
        counted(sev1, "open SEV1 incident"): sev1 * WEIGHTS["SEV1"],
        counted(sev2, "open SEV2 incident"): sev2 * WEIGHTS["SEV2"],
        counted(others, "other open incident"): others * WEIGHTS["other_open"],
        counted(night, "night page"): night * WEIGHTS["night_page"],
        counted(evening, "evening or weekend page"): evening * WEIGHTS["evening_page"],
        counted(load.pending_deploys, "pending deploy request"): load.pending_deploys
        * WEIGHTS["pending_deploy"],
        "SecRel red": WEIGHTS["secrel_red"] if load.secrel_red else 0,
        counted(overdue, "finding past its SLA", "findings past their SLA"): overdue // PER_FIVE,
        counted(waiting, "Dependabot PR waiting", "Dependabot PRs waiting"): waiting // PER_FIVE,
    }
    shown = sorted(((k, v) for k, v in parts.items() if v), key=lambda kv: (-kv[1], kv[0]))
    return Score(sum(parts.values()), tuple(shown))


def next_free(
    candidates: Sequence[Candidate],
    last_duty: Mapping[int, date],
    *,
    pair: set[int],
    today: date,
) -> Candidate | None:
    """The engineer to call after the secondary (see the module's rule); None if nobody.
    The order is the rotation's (`proposals.longest_without_duty`)."""
    tomorrow = today + timedelta(days=1)
    free = [c for c in candidates if c.id not in pair and c.is_eligible(today, tomorrow)]
    ordered = longest_without_duty(free, last_duty)
    return ordered[0] if ordered else None


# Fairness: who carried the rotation, sprint after sprint.


@dataclass(frozen=True)
class Duty:
    """One sprint's pair, as stored: the sprint's span is its real hours (a DST change makes
    a two-week sprint 335 or 337 hours)."""

    sprint: int
    starts_at: datetime
    ends_at: datetime
    primary: str
    secondary: str


@dataclass(frozen=True)
class EngineerLoad:
    name: str
    sprints_primary: int
    sprints_secondary: int
    hours_on_call: float  # primary or secondary: both carry the pager
    pages: Mapping[str, int]  # band -> pages while they were primary

    @property
    def out_of_hours(self) -> int:
        return self.pages.get(EVENING, 0) + self.pages.get(NIGHT, 0)


def fairness(
    duties: Iterable[Duty], pages: Iterable[datetime], zone: ZoneInfo
) -> list[EngineerLoad]:
    """Per engineer over the duties given: sprints as primary and as secondary, hours on call
    (the sprints' real hours), and the pages of the sprints they were primary in, by band
    (a page belongs to the sprint whose [start, end) holds it). Most out-of-hours pages
    first, then most hours, then by name."""
    spans = sorted(duties, key=lambda d: d.starts_at)
    stamps = sorted(pages)
    tally: dict[str, dict] = {}

    def row(name: str) -> dict:
        return tally.setdefault(
            name, {"primary": 0, "secondary": 0, "hours": 0.0, "pages": dict.fromkeys(BANDS, 0)}
        )

    for duty in spans:
        # In UTC: Python subtracts two times of one zone on the wall clock, DST ignored.
        hours = (duty.ends_at.astimezone(UTC) - duty.starts_at.astimezone(UTC)).total_seconds()
        hours /= 3600
        for name, role in ((duty.primary, "primary"), (duty.secondary, "secondary")):
            entry = row(name)
            entry[role] += 1
            entry["hours"] += hours
        primary = row(duty.primary)["pages"]
        for instant in stamps:
            if duty.starts_at <= instant < duty.ends_at:
                primary[band(instant, zone)] += 1
    loads = [
        EngineerLoad(name, t["primary"], t["secondary"], t["hours"], t["pages"])
        for name, t in tally.items()
    ]
    return sorted(loads, key=lambda e: (-e.out_of_hours, -e.hours_on_call, e.name))

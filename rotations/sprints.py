"""Sprint calendar arithmetic: pure functions, no database, no clock.

Sprints are consecutive runs of `length_days` calendar days. Sprint `anchor_number`
starts on `anchor_start`; every other sprint is counted from there. A sprint starts at
local midnight in the team's zone, so its length in hours changes across DST.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class SprintDates:
    number: int
    start: date
    end: date  # exclusive: the next sprint's first day

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)


def sprint_dates(
    *, anchor_start: date, anchor_number: int, length_days: int, number: int
) -> SprintDates:
    if length_days < 1:
        raise ValueError("a sprint lasts at least one day")
    start = anchor_start + timedelta(days=(number - anchor_number) * length_days)
    return SprintDates(number=number, start=start, end=start + timedelta(days=length_days))


def sprint_number_on(*, day: date, anchor_start: date, anchor_number: int, length_days: int) -> int:
    """The number of the sprint that contains `day` (floor division, so days before the anchor work)."""
    if length_days < 1:
        raise ValueError("a sprint lasts at least one day")
    return anchor_number + (day - anchor_start).days // length_days


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of `day` on the team's clock, in UTC.

    Where midnight falls in a DST gap (clocks jump from 00:00 to 01:00), fold=0 takes the
    pre-transition offset, which lands on the first instant that exists that day.
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    """The calendar day an aware instant falls on, on the team's clock."""
    if instant.tzinfo is None:
        raise ValueError("an aware datetime is needed to find its local day")
    return instant.astimezone(tz).date()


def window(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The half-open UTC window [since, until) covering local days start..end-1."""
    return local_midnight(start, tz), local_midnight(end, tz)

"""The SecRel rules, as pure functions of runs (no ORM, no clock): the status, the weekday
schedule, and the figures of a window.

Rule (DESIGN.md, "Security"): the status of SecRel on the main branch (`SECREL_BRANCH`) is
decided by its latest completed run there. A success means passing. A failure means
"failing since <the first failed run of the current streak>, N red runs" until a success
ends the streak. Only the main branch counts: runs on other branches (a pull request, a
manual dispatch on a feature branch) never break or end its streak. Runs that were
cancelled or skipped say nothing about the pipeline's health: they neither break nor end a
streak, and are never "the latest" the status names.

The schedule rule is below `SCHEDULED_AT`; the window's figures (pass rate, hours red) at the
end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Generic, Literal, Protocol, TypeVar

FAILED = frozenset({"failure", "timed_out", "startup_failure"})
PASSED = frozenset({"success"})
DECISIVE = FAILED | PASSED


class Run(Protocol):
    branch: str
    status: str
    conclusion: str
    created_at: datetime


R = TypeVar("R", bound=Run)


@dataclass(frozen=True)
class SecrelStatus(Generic[R]):
    branch: str
    latest: R | None  # the latest completed run on the branch that passed or failed
    failing_since: R | None  # the first failed run of the current red streak
    red_runs: int = 0  # failed runs in the current streak

    @property
    def passing(self) -> bool | None:
        """True or False; None when no run on the branch has passed or failed yet."""
        return None if self.latest is None else self.failing_since is None


def is_decisive(run: Run) -> bool:
    return run.status == "completed" and run.conclusion in DECISIVE


def secrel_status(runs: Iterable[R], *, branch: str) -> SecrelStatus[R]:
    """The status of SecRel on `branch`, from any runs (any order, any branches)."""
    mine = sorted(
        (r for r in runs if r.branch == branch and is_decisive(r)), key=lambda r: r.created_at
    )
    if not mine:
        return SecrelStatus(branch, None, None)
    latest = mine[-1]
    if latest.conclusion in PASSED:
        return SecrelStatus(branch, latest, None)
    streak: list[R] = []
    for run in reversed(mine):
        if run.conclusion in PASSED:
            break
        streak.append(run)
    return SecrelStatus(branch, latest, streak[-1], len(streak))


# --- The weekday schedule --------------------------------------------------------------------
#
# Rule (DESIGN.md, "Security"): the scheduled run (event `schedule`) is expected on the main
# branch every weekday, Monday to Friday in the team's zone, at 07:00 local.
# - A weekday is judged on the scheduled runs on the branch that started on that local date
#   (before `as_of`; one that started outside the window still counts for its day). With
#   none, the day is *missed* once 10:00 local has passed (three hours of grace), and
#   *pending* until then.
# - A scheduled run starting more than 30 minutes away from 07:00 local on its day is *off
#   schedule*. When it is off by the zone's daylight-saving shift, the reason says so: a
#   cron written in UTC (`0 11 * * 1-5`) is 07:00 in daylight time and 06:00 in standard
#   time. GitHub starts scheduled runs late, never early, so "off by the shift" is the
#   shift plus up to 30 minutes' delay (06:00-06:29 EST, or 08:00-08:29 EDT for a cron set
#   for standard time), never less.
# - A weekday belongs to the window [since, until) when its 07:00 local does.
# Local times come from `zoneinfo`, so a Monday after a daylight-saving change expects its
# run at 07:00 on the new offset.

SCHEDULED_AT = time(7, 0)
GRACE = timedelta(hours=3)
TOLERANCE = timedelta(minutes=30)
SCHEDULE_EVENT = "schedule"


class ScheduledRun(Protocol):
    event: str
    branch: str
    created_at: datetime


S = TypeVar("S", bound=ScheduledRun)
DayState = Literal["ran", "missed", "pending"]


@dataclass(frozen=True)
class ScheduledDay(Generic[S]):
    day: date  # a weekday, on the team's clock
    expected_at: datetime  # 07:00 local, in UTC
    deadline: datetime  # 10:00 local, in UTC
    runs: tuple[S, ...]  # the scheduled runs on the branch that started that local day
    state: DayState


@dataclass(frozen=True)
class OffSchedule(Generic[S]):
    run: S
    started_local: datetime  # when it started, on the team's clock
    off_by: timedelta  # signed: negative when early
    daylight_saving: bool  # off by the zone's daylight-saving shift
    reason: str


def _aware(*moments: datetime) -> None:
    if any(m.tzinfo is None or m.utcoffset() is None for m in moments):
        raise ValueError("naive datetime: pass aware instants")


def expected_at(day: date, zone: tzinfo) -> datetime:
    """07:00 on `day` in `zone`, as a UTC instant."""
    return datetime.combine(day, SCHEDULED_AT, tzinfo=zone).astimezone(UTC)


def weekdays_in(since: datetime, until: datetime, zone: tzinfo) -> list[date]:
    """The weekdays whose 07:00 local falls in [since, until), oldest first."""
    _aware(since, until)
    day = since.astimezone(zone).date() - timedelta(days=1)
    last = until.astimezone(zone).date()
    days = []
    while day <= last:
        if day.weekday() < 5 and since <= expected_at(day, zone) < until:
            days.append(day)
        day += timedelta(days=1)
    return days


def _scheduled_on(runs: Iterable[S], branch: str, as_of: datetime) -> list[S]:
    return [
        r for r in runs if r.event == SCHEDULE_EVENT and r.branch == branch and r.created_at < as_of
    ]


def scheduled_days(
    runs: Iterable[S],
    *,
    branch: str,
    since: datetime,
    until: datetime,
    zone: tzinfo,
    as_of: datetime,
) -> list[ScheduledDay[S]]:
    """Each weekday of the window with its scheduled runs: ran, missed or pending."""
    _aware(since, until, as_of)
    by_day: dict[date, list[S]] = {}
    for run in _scheduled_on(runs, branch, as_of):
        by_day.setdefault(run.created_at.astimezone(zone).date(), []).append(run)
    out = []
    for day in weekdays_in(since, until, zone):
        mine = tuple(sorted(by_day.get(day, ()), key=lambda r: r.created_at))
        deadline = expected_at(day, zone) + GRACE
        state: DayState = "ran" if mine else "missed" if as_of >= deadline else "pending"
        out.append(ScheduledDay(day, expected_at(day, zone), deadline, mine, state))
    return out


def missed_scheduled_runs(
    runs: Iterable[ScheduledRun],
    *,
    branch: str,
    since: datetime,
    until: datetime,
    zone: tzinfo,
    as_of: datetime,
) -> list[date]:
    """The weekdays of the window whose scheduled run never came, once their grace is over."""
    days = scheduled_days(runs, branch=branch, since=since, until=until, zone=zone, as_of=as_of)
    return [d.day for d in days if d.state == "missed"]


def daylight_saving_shift(day: date, zone: tzinfo) -> timedelta:
    """How far `zone`'s clocks move for daylight saving in `day`'s year (0 where they don't)."""
    offsets = _offsets_of_year(day.year, zone)
    return max(offsets) - min(offsets)


def _offsets_of_year(year: int, zone: tzinfo) -> dict[timedelta, str]:
    """Each UTC offset `zone` uses in `year` (sampled mid-month) and its abbreviation."""
    out: dict[timedelta, str] = {}
    for month in range(1, 13):
        moment = datetime(year, month, 15, 12, tzinfo=zone)
        out.setdefault(moment.utcoffset() or timedelta(0), moment.tzname() or "")
    return out


def _span(delta: timedelta) -> str:
    minutes = round(abs(delta).total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _utc_offset_name(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    hours, rest = divmod(abs(offset), timedelta(hours=1))
    return f"UTC{sign}{hours:02d}:{rest // timedelta(minutes=1):02d}"


def schedule_check(run: S, zone: tzinfo) -> OffSchedule[S] | None:
    """The run, off schedule and why; None when it started within 30 minutes of 07:00."""
    _aware(run.created_at)
    local = run.created_at.astimezone(zone)
    off_by = run.created_at - expected_at(local.date(), zone)
    if abs(off_by) <= TOLERANCE:
        return None
    name = local.tzname() or _utc_offset_name(local.utcoffset() or timedelta(0))
    reason = f"started {local:%H:%M} {name}, {_span(off_by)} {'early' if off_by < timedelta(0) else 'late'}"
    offsets = _offsets_of_year(local.year, zone)
    shift = max(offsets) - min(offsets)
    here = local.utcoffset() or timedelta(0)
    # In daylight time a cron set for 07:00 standard time runs `shift` late; in standard
    # time one set for 07:00 daylight time runs `shift` early.
    other = here - shift if here == max(offsets) else here + shift
    lag = off_by - (here - other)  # how late it is for 07:00 on the other offset
    daylight_saving = bool(shift) and timedelta(0) <= lag < TOLERANCE
    if daylight_saving:
        cron = datetime.combine(local.date(), SCHEDULED_AT) - other
        here_at = cron + here
        other_name = offsets.get(other) or _utc_offset_name(other)
        reason += (
            f": a cron at {cron:%H:%M} UTC is 07:00 {other_name} but {here_at:%H:%M} {name}"
            " (daylight saving time)"
        )
    return OffSchedule(run, local, off_by, daylight_saving, reason)


def off_schedule_runs(
    runs: Iterable[S],
    *,
    branch: str,
    since: datetime,
    until: datetime,
    zone: tzinfo,
    as_of: datetime,
) -> list[OffSchedule[S]]:
    """The scheduled runs on the branch started in [since, until) (and before `as_of`) more
    than 30 minutes away from 07:00 local, oldest first, each with its reason."""
    _aware(since, until, as_of)
    mine = sorted(
        (r for r in _scheduled_on(runs, branch, as_of) if since <= r.created_at < until),
        key=lambda r: r.created_at,
    )
    return [off for off in (schedule_check(r, zone) for r in mine) if off is not None]


# --- As of an instant ----------------------------------------------------------------------


class TimedRun(Run, Protocol):
    updated_at: datetime  # for a completed run, when it completed


T = TypeVar("T", bound=TimedRun)


def decided_by(runs: Iterable[T], as_of: datetime) -> list[T]:
    """The decisive runs whose verdict was known at `as_of`: started before it and completed
    by then (a run still going at `as_of` had not passed or failed yet)."""
    return [r for r in runs if is_decisive(r) and r.created_at < as_of and r.updated_at <= as_of]


def run_duration(run: TimedRun) -> timedelta | None:
    """How long a completed run took (`updated_at - created_at`); None while it runs."""
    if run.status != "completed" or run.updated_at < run.created_at:
        return None
    return run.updated_at - run.created_at


# --- Figures over a window -----------------------------------------------------------------


def pass_rate(
    runs: Iterable[TimedRun], *, branch: str, since: datetime, until: datetime, as_of: datetime
) -> float | None:
    """Successes / decisive runs on `branch` started in [since, until) and decided by
    `as_of`; None when there is no such run."""
    window = [
        r for r in decided_by(runs, as_of) if r.branch == branch and since <= r.created_at < until
    ]
    if not window:
        return None
    return sum(r.conclusion in PASSED for r in window) / len(window)


def hours_red(
    runs: Iterable[TimedRun], *, branch: str, since: datetime, until: datetime, as_of: datetime
) -> float | None:
    """Hours of [since, min(until, as_of)) during which SecRel on `branch` was failing.

    At any instant t the status is `secrel_status` over the runs decided by t: a run's
    verdict counts from when it completed, and the latest run by start decides. So a red
    streak begins when its first failure completes and ends when a success completes; one
    still open runs to `as_of`. None when no run on the branch was decided in time to say
    anything about the window (nothing measured), 0.0 when it was green throughout.
    """
    end = min(until, as_of)
    mine = sorted(
        (r for r in decided_by(runs, as_of) if r.branch == branch), key=lambda r: r.updated_at
    )
    if end <= since or not mine or mine[0].updated_at >= end:
        return None
    red = timedelta(0)
    latest: TimedRun | None = None
    for run, following in zip(mine, [*mine[1:], None], strict=True):
        if latest is None or run.created_at >= latest.created_at:
            latest = run  # a late-finishing older run does not overrule a newer verdict
        if latest.conclusion in PASSED:
            continue
        # Red from this completion until the next one (which may or may not turn it green).
        stop = end if following is None else min(following.updated_at, end)
        red += max(stop - max(run.updated_at, since), timedelta(0))
    return red.total_seconds() / 3600

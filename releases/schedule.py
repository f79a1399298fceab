"""The release train's rules: pure functions, no database, no clock (`now` is passed in).

- Release day: the first Wednesday on or after the sprint's first day, whatever weekday the
  cadence starts on.
- Release time: local wall-clock time in the team's zone, so a release after a DST change
  is still at the captain's hour; stored as a UTC instant.
- Reminder: exactly 24 hours of real time before the release (UTC arithmetic, so across a
  DST change it is 09:00 or 11:00 local the day before a 10:00 release, never 23 or 25 h).
  It is due from then, or from when the release was last moved if that is later (a release
  moved to under 24 h away is announced at once). It is never posted once the release has
  started. A reminder posted more than `LATE_AFTER` after it fell due says it is late.
- Manifest: every active platform service goes out; a partner team's services go out only
  when it opted in, at the hashes it gave. No answer, or an opt-out, sends only platform.
- A hash is 7-40 hexadecimal characters and names a service of the answering team.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEDNESDAY = 2  # date.weekday()
REMINDER_AHEAD = timedelta(hours=24)
# The schedule runs every 5 minutes: a post later than two runs means the worker was down.
LATE_AFTER = timedelta(minutes=10)
HASH = re.compile(r"[0-9a-f]{7,40}")


def release_day(sprint_start: date) -> date:
    """The first Wednesday on or after `sprint_start` (the day itself when a Wednesday)."""
    return sprint_start + timedelta(days=(WEDNESDAY - sprint_start.weekday()) % 7)


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at wall-clock `at` in `zone`, as a UTC instant.

    A time in a DST gap (02:30 on a spring-forward day) does not exist: fold=0 reads it
    with the pre-transition offset, which lands an hour later on the new clock (03:30).
    A time that happens twice (a fall-back night) is taken at its first occurrence.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).astimezone(UTC)


def scheduled_release(sprint_start: date, at: time, zone: ZoneInfo) -> datetime:
    """When a sprint's release is, by default: its release day at the local time `at`."""
    return local_instant(release_day(sprint_start), at, zone)


def reminder_at(scheduled_at: datetime) -> datetime:
    """24 hours of real time before the release."""
    return scheduled_at - REMINDER_AHEAD


def reminder_due_from(scheduled_at: datetime, moved_at: datetime | None) -> datetime:
    """When the reminder falls due: 24 h before, or the move if the release moved closer."""
    due = reminder_at(scheduled_at)
    return max(due, moved_at) if moved_at is not None else due


@dataclass(frozen=True)
class ReminderState:
    """Where a release's reminder stands at `now`: `state` is one of
    waiting (not due yet), due (to post now), late (due, and overdue by more than
    LATE_AFTER: the post will say so), sent, or missed (the release started unannounced)."""

    state: str
    due_from: datetime

    @property
    def postable(self) -> bool:
        return self.state in ("due", "late")


def reminder_state(
    *,
    scheduled_at: datetime,
    sent_at: datetime | None,
    moved_at: datetime | None,
    now: datetime,
) -> ReminderState:
    due_from = reminder_due_from(scheduled_at, moved_at)
    if sent_at is not None:
        return ReminderState("sent", due_from)
    if now >= scheduled_at:
        return ReminderState("missed", due_from)
    if now < due_from:
        return ReminderState("waiting", due_from)
    return ReminderState("late" if now - due_from > LATE_AFTER else "due", due_from)


# Answers and the manifest


@dataclass(frozen=True)
class ServiceFact:
    name: str
    team: str  # the team's slug
    platform: bool


@dataclass(frozen=True)
class TeamAnswer:
    team: str  # slug
    opted_in: bool
    hashes: Mapping[str, str]


@dataclass(frozen=True)
class ManifestLine:
    service: str
    team: str
    commit: str | None  # None: a platform service going out at its main branch's head


def manifest(services: Iterable[ServiceFact], answers: Iterable[TeamAnswer]) -> list[ManifestLine]:
    """What goes out: every platform service, at the hash the platform team gave if any, and
    the services an opted-in partner team gave a hash for. Sorted by service name."""
    given = {a.team: a for a in answers if a.opted_in}
    lines = []
    for service in services:
        answer = given.get(service.team)
        commit = answer.hashes.get(service.name) if answer is not None else None
        if service.platform or commit:
            lines.append(ManifestLine(service.name, service.team, commit or None))
    return sorted(lines, key=lambda line: line.service)


def normalize_hash(value: str) -> str:
    return value.strip().lower()


def hash_errors(
    hashes: Mapping[str, str], *, team_services: Iterable[str], known_services: Iterable[str]
) -> list[str]:
    """Why an answer's service → hash map is refused, in words (empty when it is fine)."""
    team, known = set(team_services), set(known_services)
    errors = []
    for service, commit in hashes.items():
        if service not in known:
            errors.append(f"“{service}” is not a service we know.")
        elif service not in team:
            errors.append(f"{service} belongs to another team; answer only for your own services.")
        elif not HASH.fullmatch(normalize_hash(commit)):
            errors.append(
                f"The hash for {service} (“{commit}”) is not a commit hash: "
                "7 to 40 hexadecimal characters (0-9, a-f)."
            )
    return errors


def parse_hash_lines(text: str) -> tuple[dict[str, str], list[str]]:
    """`service hash` (or `service: hash`, `service=hash`) per line into a map, with the
    lines that could not be read."""
    hashes: dict[str, str] = {}
    errors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = re.split(r"[\s:=@]+", line, maxsplit=1)
        if len(parts) != 2 or not parts[1].strip():
            errors.append(f"Line {number} (“{line}”) needs a service and a hash: svc-name abc1234.")
            continue
        service, commit = parts[0].strip(), normalize_hash(parts[1])
        if service in hashes:
            errors.append(f"{service} is listed twice.")
            continue
        hashes[service] = commit
    return hashes, errors

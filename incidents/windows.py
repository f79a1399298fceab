"""Reading `since` / `until` / `as_of` from a query string or a command line, without the ORM.

One parser for the metrics page, the incident list, the JSON API and the `metrics` command,
so a link copied from one works in the others. Accepted:

- an ISO 8601 instant with an offset or `Z` (`2026-01-07T05:00:00Z`, `2026-01-07T00:00-05:00`);
- an ISO 8601 date (`2026-01-07`): the team's local midnight starting that day, the way a
  sprint starts;
- a datetime without an offset: read on the team's clock.

A `+` in an unencoded query string arrives as a space (`...T00:00:00 05:00`); that form is
read as the `+` it was meant to be.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from oncall_site.integrations.timestamps import RANGE, within_range
from rotations.sprints import local_midnight

EXAMPLE = "2026-01-07T05:00:00Z"
_SPACED_OFFSET = re.compile(r"^(.*\d)\s(\d{2}:?\d{2})$")


class WindowError(ValueError):
    """A since/until/as_of value a person has to fix; the message says how."""


@dataclass(frozen=True)
class Window:
    """Incidents that started in [since, until), both aware UTC instants."""

    since: datetime
    until: datetime
    label: str = ""
    sprint_number: int | None = None


def parse_instant(raw: str | None, name: str, zone: ZoneInfo) -> datetime:
    """`raw` as an aware UTC instant; WindowError naming `name` when it is missing or unreadable."""
    value = (raw or "").strip()
    if not value:
        raise WindowError(f"{name} is missing: give an ISO 8601 instant such as {EXAMPLE}")
    spaced = _SPACED_OFFSET.match(value)
    if spaced and "T" in value:
        value = f"{spaced.group(1)}+{spaced.group(2)}"
    try:
        if len(value) == 10:
            parsed = local_midnight(date.fromisoformat(value), zone)
        else:
            parsed = datetime.fromisoformat(value)
    except ValueError:
        raise WindowError(
            f"{name} is not an ISO 8601 date or instant: {value[:40]!r} (try {EXAMPLE})"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        return within_range(parsed, value)
    except ValueError:
        raise WindowError(f"{name} must be {RANGE}: {value[:40]!r} (try {EXAMPLE})") from None


def parse_window(since_raw: str | None, until_raw: str | None, zone: ZoneInfo) -> Window:
    """The window [since, until); WindowError when a bound is missing, unreadable or reversed."""
    since = parse_instant(since_raw, "since", zone)
    until = parse_instant(until_raw, "until", zone)
    if until <= since:
        raise WindowError(
            f"until ({isoformat_utc(until)}) must be after since ({isoformat_utc(since)})"
        )
    return Window(since=since, until=until)


def isoformat_utc(moment: datetime) -> str:
    """`2026-01-07T05:00:00Z` (fractions of a second kept when there are any)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")

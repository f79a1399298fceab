"""Reading and writing the instants upstreams send and accept.

Every integration reads an upstream's timestamps with `parse_instant`, so one value means
the same instant whichever vendor sent it, and writes the ones it sends with `isoformat_z`.
"""

from __future__ import annotations

from datetime import UTC, datetime

# The instants the site reads: the rules add and subtract hours and weeks, and a year 1 or
# 9999 with an offset is not even a datetime in UTC. Outside, it is a slip or an attack.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
RANGE = "between 1900 and 2999"


def parse_instant(value: object) -> datetime | None:
    """An upstream's ISO 8601 timestamp as an aware UTC datetime; None when it is missing.

    - Missing: None, "" or only spaces -> None (many fields are null until something happens).
    - Any UTC offset is accepted, `Z` too, with or without fractions of a second; the result
      is the same instant in UTC (`2026-03-08T01:30:00-05:00` -> `2026-03-08T06:30:00Z`).
    - No offset: read as UTC. Every API here writes UTC; a naive value is a vendor's
      shorthand for it, not local time.
    - Anything else (a number, words, an impossible date, an instant before 1900 or after
      2999) raises ValueError, so a caller decides whether an unreadable field is an error
      (a normalizer) or a gap (a webhook).

    Reference: https://docs.python.org/3/library/datetime.html#datetime.datetime.fromisoformat
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return within_range(parsed, value)


def within_range(moment: datetime, value: object) -> datetime:
    """`moment` in UTC; ValueError naming `value` when it is not between 1900 and 2999."""
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, year 9999 west of it
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"not an instant {RANGE}: {value!r}"[:120])
    return utc


def isoformat_z(moment: datetime) -> str:
    """An aware datetime as `2026-01-07T05:00:00Z`, the form every API here accepts."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

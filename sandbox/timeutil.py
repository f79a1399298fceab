"""Timestamps as the vendors write them, and the date filters their query strings carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ONE_DAY = timedelta(days=1)


def utc(dt: datetime) -> datetime:
    """Aware UTC; naive values are taken to be UTC already."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime, tz: tzinfo | None = None) -> str:
    """`2026-03-04T15:00:00Z` (GitHub, PagerDuty default) or with the offset of `tz`."""
    if tz is None:
        return utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")
    return dt.astimezone(tz).isoformat(timespec="seconds")


def iso_or_none(dt: datetime | None, tz: tzinfo | None = None) -> str | None:
    return None if dt is None else iso(dt, tz)


def epoch(dt: datetime) -> int:
    return int(utc(dt).timestamp())


def zone(name: str | None, default: tzinfo | None) -> tzinfo | None:
    """A `time_zone` query parameter; unknown names raise ValueError (the API answers 400).

    UTC comes back as None, which `iso()` renders with a `Z` as the vendors do.
    """
    if not name:
        return default
    if name in {"UTC", "Etc/UTC", "Z"}:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}") from None


def parse_instant(text: str, default_tz: tzinfo = UTC) -> datetime:
    """ISO 8601 date or date-time as clients send it; a value without offset is in `default_tz`."""
    raw = text.strip()
    if not raw:
        raise ValueError("empty date")
    if len(raw) == 10:
        day = date.fromisoformat(raw)
        return datetime.combine(day, time(0), tzinfo=default_tz).astimezone(UTC)
    head, sep, tail = raw.partition("T")
    if sep and " " in tail:
        # An unencoded `+05:00` offset arrives as a space after form decoding.
        raw = head + sep + tail.replace(" ", "+")
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class Range:
    """A half-open interval of instants; None on either side means unbounded."""

    lo: datetime | None = None
    hi: datetime | None = None

    def __contains__(self, dt: object) -> bool:
        if not isinstance(dt, datetime):
            return False
        return (self.lo is None or dt >= self.lo) and (self.hi is None or dt < self.hi)


def _bound(text: str) -> tuple[datetime, bool]:
    """(instant, whether the text was a bare date) for one side of a GitHub date qualifier."""
    is_date = len(text) == 10
    return parse_instant(text), is_date


def parse_github_created(text: str) -> Range:
    """GitHub's search date syntax: `2026-01-02`, `>=2026-01-02`, `<T`, `a..b`, `*..b`.

    A bare date means the whole UTC day, so `<=2026-01-02` includes that day's evening.
    """
    raw = text.strip()
    if ".." in raw:
        left, right = raw.split("..", 1)
        lo = None if left in {"", "*"} else _bound(left)[0]
        if right in {"", "*"}:
            return Range(lo, None)
        hi, is_date = _bound(right)
        return Range(lo, hi + ONE_DAY if is_date else hi + timedelta(microseconds=1))
    for op in (">=", "<=", ">", "<"):
        if raw.startswith(op):
            at, is_date = _bound(raw[len(op) :])
            step = ONE_DAY if is_date else timedelta(microseconds=1)
            if op == ">=":
                return Range(at, None)
            if op == ">":
                return Range(at + step, None)
            if op == "<":
                return Range(None, at)
            return Range(None, at + step)
    at, is_date = _bound(raw)
    return Range(at, at + (ONE_DAY if is_date else timedelta(seconds=1)))

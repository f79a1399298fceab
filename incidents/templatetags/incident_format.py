"""Template filters for incident figures: durations in words a person reads at a glance."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template

register = template.Library()

NOTHING = "—"


@register.filter
def duration(seconds: float | timedelta | None) -> str:
    """`None` -> "—"; 42 -> "42 s"; 3900 -> "1 h 5 min"; 200000 -> "2 d 7 h"."""
    if seconds is None or seconds == "":
        return NOTHING
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    total = round(float(seconds))
    if total < 60:
        return f"{total} s"
    minutes, _ = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@register.filter
def since(moment: datetime | None, now: datetime) -> str:
    """How long ago `moment` was, as of `now` ("3 h 5 min")."""
    if moment is None:
        return NOTHING
    return duration(max((now - moment).total_seconds(), 0))

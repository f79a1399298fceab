"""The rotation as an iCalendar feed (RFC 5545) a calendar app can subscribe to.

RFC 5545 allows no control characters but the tab in a text value (3.3.11); names and notes
typed in the admin pass through `plain_text` first. `icalendar` escapes `,;\\` and
newlines and folds lines at 75 octets without splitting a character.
"""

from collections.abc import Iterable
from datetime import datetime

from icalendar import Calendar, Event

from oncall_site.integrations.text import one_line, plain_text
from rotations.models import Rotation


def rotation_calendar(
    rotations: Iterable[Rotation],
    *,
    site_url: str,
    generated_at: datetime,
    engineer_id: int | None = None,
) -> bytes:
    """All-day events, one per rotation: `On call: primary X, secondary Y`.

    With `engineer_id`, only that engineer's duty, titled by their role.
    """
    cal = Calendar()
    cal.add("prodid", "-//On-call dashboard//Rotation feed//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "On-call rotation")
    cal.add("x-published-ttl", "PT1H")
    for rotation in rotations:
        sprint = rotation.sprint
        if engineer_id is not None:
            role = "primary" if rotation.primary_id == engineer_id else "secondary"
            summary = f"On call ({role}), sprint {sprint.number}"
        else:
            summary = (
                f"On call: {rotation.primary.name} (primary), {rotation.secondary.name} (secondary)"
            )
        if not rotation.confirmed:
            summary += " — unconfirmed"
        event = Event()
        event.add("uid", f"rotation-sprint-{sprint.number}@oncall-dashboard")
        event.add("dtstamp", generated_at)
        event.add("summary", one_line(summary))
        event.add("dtstart", sprint.start_date)
        event.add("dtend", sprint.end_date)  # all-day DTEND is exclusive, as is end_date
        event.add("transp", "TRANSPARENT")
        event.add(
            "description",
            plain_text(
                f"Sprint {sprint.number}: primary {rotation.primary.name}, "
                f"secondary {rotation.secondary.name}."
                + (f"\n{rotation.notes}" if rotation.notes else "")
            ),
        )
        event.add("url", f"{site_url}/rotations/")
        cal.add_component(event)
    return cal.to_ical()

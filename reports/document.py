"""The sprint handoff report as one document: the HTML page, the PDF, the JSON and the
`handoff_report` command all render this, so they cannot disagree.

A section is a function `(ReportContext) -> dict` owned by the app whose data it reads. Its
values are plain: str, int, float, bool, None, aware datetimes, dates, lists and dicts
(`reports.encoding` writes datetimes as ISO 8601 UTC for JSON). Figures that the metrics
document also gives are taken from `ctx.metrics`, never recomputed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from incidents.report import alerts_section, incidents_handover, incidents_section
from oncall_site.metrics import metrics_document
from oncall_site.report import rotation_section
from releases.report import releases_handover, releases_section
from reports.context import ReportContext
from reports.handoff import handoff_document, handoff_of
from rotations.models import Sprint, team_zone
from security.report import security_section

Section = Callable[[ReportContext], dict[str, Any]]

# In the order the report reads: who was on call, what happened, what shipped, what the
# scanners found, then what the next pair inherits.
SECTIONS: tuple[tuple[str, Section], ...] = (
    ("rotation", rotation_section),
    ("incidents", incidents_section),
    ("alerts", alerts_section),
    ("releases", releases_section),
    ("security", security_section),
)
HANDOVER: tuple[tuple[str, Section], ...] = (
    ("incidents", incidents_handover),
    ("releases", releases_handover),
)


def report_context(sprint: Sprint, *, as_of: datetime) -> ReportContext:
    since, until = sprint.window()
    return ReportContext(
        sprint=sprint,
        since=since,
        until=until,
        as_of=as_of,
        zone=team_zone(),
        metrics=metrics_document(since=since, until=until, as_of=as_of),
    )


def report_document(sprint: Sprint, *, as_of: datetime) -> dict[str, Any]:
    """`{"sprint", "generated_at", "since", "until", "metrics", <sections>, "handover",
    "handoff"}`; `handoff` is the outgoing pair's notes (`reports.handoff`)."""
    ctx = report_context(sprint, as_of=as_of)
    document: dict[str, Any] = {
        "sprint": {
            "number": sprint.number,
            "start_date": sprint.start_date,
            "last_day": sprint.last_day,
            "goal": sprint.goal,
        },
        "generated_at": as_of,
        "since": ctx.since,
        "until": ctx.until,
        "metrics": ctx.metrics,
    }
    for key, section in SECTIONS:
        document[key] = section(ctx)
    document["handover"] = {key: part(ctx) for key, part in HANDOVER}
    document["handoff"] = handoff_document(handoff_of(sprint))
    return document

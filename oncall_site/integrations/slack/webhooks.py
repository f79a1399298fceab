"""The Slack "report an incident" workflow's deliveries parsed into `IncidentReport`.

The workflow posts its variables as a JSON object: `report_id` (required), `reporter_team`,
`reported_by`, `title`, `description`, `how_to_reproduce`, `application_non_functional`
(Y/N), `blocker` (Y/N), `severity`, `service`, `submitted_at` (ISO 8601). What a person
typed is read leniently (`sev 2`, `yes`); only a report without `report_id` is refused, as
a replay of it could not be recognized. The signature is checked before this runs
(`oncall_site.webhook_signatures`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from oncall_site.integrations.errors import UnreadableWebhook
from oncall_site.integrations.slack.types import IncidentReport
from oncall_site.integrations.text import one_line, plain_text
from oncall_site.integrations.timestamps import parse_instant

_SEVERITY = re.compile(r"^\s*(?:sev(?:erity)?\s*)?([1-4])\b", re.IGNORECASE)
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}
TITLE_FROM_DESCRIPTION = 120  # characters of the description's first line, when untitled


def severity_from_text(value: object) -> str | None:
    """SEV1..SEV4 from what a person typed ("SEV2", "sev 2", "2 (major)"); None if unclear."""
    match = _SEVERITY.match(str(value or ""))
    return f"SEV{match.group(1)}" if match else None


def yes_no(value: object) -> bool | None:
    """Y/N (yes/no, true/false) as a boolean; None when unanswered or unclear."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().casefold()
    return True if text in YES else False if text in NO else None


def _line(value: object) -> str:
    """A field as one line of text without control characters; "" when missing or null."""
    return one_line(value) if isinstance(value, str | int | float) else ""


def _paragraphs(value: object) -> str:
    """Text a person typed, newlines kept, without control characters; "" unless text."""
    return plain_text(value).strip() if isinstance(value, str) else ""


def parse_incident_report(payload: object) -> IncidentReport:
    """One report. Raises UnreadableWebhook when it has no `report_id`."""
    body: Mapping[str, Any] = payload if isinstance(payload, Mapping) else {}
    report_id = _line(body.get("report_id"))
    if not report_id:
        raise UnreadableWebhook("The report has no report_id, so a replay could not be recognized.")
    description = _paragraphs(body.get("description"))
    first_line = description.splitlines()[0] if description else ""
    severity_text = _line(body.get("severity"))
    try:
        submitted_at = parse_instant(body.get("submitted_at"))
    except ValueError:
        submitted_at = None  # the time it arrived stands in, as for a missing one
    return IncidentReport(
        report_id=report_id,
        title=_line(body.get("title")) or _line(first_line)[:TITLE_FROM_DESCRIPTION],
        description=description,
        how_to_reproduce=_paragraphs(body.get("how_to_reproduce")),
        application_non_functional=yes_no(body.get("application_non_functional")),
        blocker=yes_no(body.get("blocker")),
        severity=severity_from_text(severity_text),
        severity_text=severity_text,
        reporter_team=_line(body.get("reporter_team")),
        reported_by=_line(body.get("reported_by")),
        service=_line(body.get("service")),
        submitted_at=submitted_at,
    )

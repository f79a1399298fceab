"""What the Slack integration hands the rest of the site: the incident-report workflow's
submissions, parsed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IncidentReport:
    """One submission of the "report an incident" workflow. Text fields are "" when the
    person left them empty; a Y/N answer is None when unanswered or unclear."""

    report_id: str
    title: str  # the title given, else the description's first line
    description: str
    how_to_reproduce: str
    application_non_functional: bool | None
    blocker: bool | None
    severity: str | None  # SEV1..SEV4; None when not given or unclear
    severity_text: str  # what the person typed, to tell "not given" from "unclear"
    reporter_team: str
    reported_by: str
    service: str
    submitted_at: datetime | None  # None when missing or unreadable

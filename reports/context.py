"""What every section of the sprint handoff report is computed from.

Each app writes its own section (`incidents/report.py`, `releases/report.py`,
`security/report.py`, `rotations/report.py`) as a function of one `ReportContext`, so the
apps never read each other's tables and the report reads the same figures as the metrics
page and API: `metrics` is the metrics document of the sprint's window at `as_of`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rotations.models import Sprint


@dataclass(frozen=True)
class ReportContext:
    """One sprint's report as of one moment.

    `since`/`until` are the sprint's window [local midnight of its first day, local midnight
    of the next sprint's first day), aware UTC; `as_of` is when the report is generated (the
    metrics document's `as_of`); `metrics` is `oncall_site.metrics.metrics_document` for that
    window and moment, computed once and shared by every section.
    """

    sprint: Sprint
    since: datetime
    until: datetime
    as_of: datetime
    zone: ZoneInfo
    metrics: Mapping[str, Any]

    @property
    def is_current(self) -> bool:
        return self.since <= self.as_of < self.until

    @property
    def is_past(self) -> bool:
        return self.as_of >= self.until

"""What the Datadog integration hands the rest of the site: frozen, normalized records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Monitor:
    id: int
    name: str
    status: str  # Alert, Warn, No Data, OK, ... as Datadog says it
    tags: tuple[str, ...]
    last_triggered_at: datetime | None
    url: str
    type: str | None = None

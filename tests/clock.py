"""The suite's fixed instant. Tests never read today's date: they pass `NOW` (or an instant
derived from it) wherever the code takes `now`/`as_of`, and freeze the clock with it where a
page reads the time itself. A Wednesday afternoon in the team's zone, mid-sprint."""

from datetime import UTC, datetime

NOW = datetime(2026, 3, 11, 18, 30, tzinfo=UTC)  # 14:30 EDT, three days after the DST change

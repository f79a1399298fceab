"""The rotations part of the sprint handoff report (see reports/document.py)."""

from __future__ import annotations

from typing import Any

from reports.context import ReportContext


def rotation_section(ctx: ReportContext) -> dict[str, Any]:
    return {}

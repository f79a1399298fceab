"""The incidents part of the sprint handoff report (see reports/document.py)."""

from __future__ import annotations

from typing import Any

from reports.context import ReportContext


def incidents_section(ctx: ReportContext) -> dict[str, Any]:
    return {}


def alerts_section(ctx: ReportContext) -> dict[str, Any]:
    return {}


def incidents_handover(ctx: ReportContext) -> dict[str, Any]:
    return {}

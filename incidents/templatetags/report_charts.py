"""The handoff report's trend chart, laid out from the incidents section's `trend` rows
(`incidents.report.trend_rows`) by `incidents.charts`: geometry for the template to draw,
kept out of the report document, whose JSON carries only the figures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template

from incidents import charts
from incidents.templatetags.incident_format import duration

register = template.Library()

MEASURES = {
    "mttr_seconds": ("mean time to resolve", "resolved", "resolved_count", "resolved"),
    "mtta_seconds": (
        "mean time to acknowledge",
        "acknowledged",
        "acknowledged_count",
        "acknowledged",
    ),
}


@register.simple_tag
def trend_chart(trend: Sequence[dict[str, Any]], measure: str) -> charts.BarChart | None:
    """Bars of `measure` (`mttr_seconds` or `mtta_seconds`) per sprint, each linking to the
    incidents it averages; None without sprints."""
    if not trend:
        return None
    words, link, count, counted = MEASURES[measure]
    points = [
        charts.Point(
            label=f"S{row['sprint']}",
            seconds=row[measure],
            href=row["links"][link],
            description=(
                f"{words} in sprint {row['sprint']}, {duration(row[measure])} "
                f"over {row[count]} {counted}"
            ),
        )
        for row in trend
    ]
    return charts.bar_chart(points, height=200)

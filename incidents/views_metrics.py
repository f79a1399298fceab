"""The metrics page: MTTR, MTTA, counts and partner-team impact for a sprint or any window,
with the trend over the last sprints, every number linking to the incidents behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from incidents import charts, partner_performance, selectors, selectors_metrics
from incidents.metrics import IncidentMetrics
from incidents.models import Source
from incidents.templatetags.incident_format import duration
from incidents.windows import Window, WindowError, isoformat_utc
from releases.views_deploys import dora_section
from rotations.selectors import current_sprint


class Links:
    """Incident-list addresses for the numbers of one window."""

    def __init__(self, window: Window) -> None:
        self.window = window
        if window.sprint_number is not None:
            self.base: dict[str, str] = {"sprint": str(window.sprint_number)}
        else:
            self.base = {"since": isoformat_utc(window.since), "until": isoformat_utc(window.until)}

    def to(self, **params: str) -> str:
        return reverse("incident-list") + "?" + urlencode({**self.base, **params})

    def impact(self, team_slug: str) -> str:
        return (
            reverse("incident-list")
            + "?"
            + urlencode(
                {
                    "impacted": team_slug,
                    "impact_since": isoformat_utc(self.window.since),
                    "impact_until": isoformat_utc(self.window.until),
                }
            )
        )


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    href: str
    note: str = ""


def figures(m: IncidentMetrics, links: Links, team_slugs: Mapping[str, str]) -> dict[str, Any]:
    """Every number of the page with its text and the list it links to."""
    resolved = links.to(state="resolved")
    counted = links.to(state="counted")
    headline = [
        Figure("MTTR (mean)", duration(m.mttr_seconds), resolved, f"{m.resolved_count} resolved"),
        Figure("MTTR median", duration(m.mttr_median_seconds), resolved),
        Figure("MTTR p90", duration(m.mttr_p90_seconds), resolved),
        Figure(
            "MTTA (mean)",
            duration(m.mtta_seconds),
            links.to(state="counted", acknowledged="yes"),
            f"{m.acknowledged_count} acknowledged",
        ),
    ]
    counts = [
        Figure("Incidents", str(m.incident_count), counted, "canceled ones apart"),
        Figure("Resolved", str(m.resolved_count), resolved),
        Figure("Still open", str(m.open_count), links.to(state="open")),
        Figure(
            "Never acknowledged",
            str(m.unacknowledged_count),
            links.to(state="counted", acknowledged="no"),
        ),
        Figure("Canceled", str(m.canceled_count), links.to(state="canceled")),
    ]
    severities = [
        Figure(
            "Not set" if severity == selectors.SEVERITY_UNKNOWN else severity,
            str(count),
            links.to(state="counted", severity=severity),
        )
        for severity, count in m.by_severity.items()
    ]
    source_names = dict(Source.choices)
    sources = [
        Figure(
            source_names.get(source, source), str(count), links.to(state="counted", source=source)
        )
        for source, count in m.by_source.items()
    ]
    impact = [
        Figure(
            team,
            f"{minutes:,.0f} min",
            links.impact(team_slugs[team]) if team in team_slugs else "",
            duration(minutes * 60) if minutes >= 60 else "",
        )
        for team, minutes in m.partner_impact_minutes.items()
    ]
    return {
        "headline": headline,
        "counts": counts,
        "severities": severities,
        "sources": sources,
        "impact": impact,
    }


def _trend(
    trend: tuple[selectors_metrics.SprintFigures, ...],
) -> tuple[list[dict[str, Any]], charts.BarChart | None]:
    """The trend's table rows and chart, each number linking to its sprint's incidents."""
    if not trend:
        return [], None
    rows, bars = [], []
    for point in trend:
        m, number = point.metrics, point.sprint.number
        links = Links(point.window)
        rows.append(
            {
                "sprint": point.sprint,
                "metrics": m,
                "links": {
                    "all": links.to(state="counted"),
                    "resolved": links.to(state="resolved"),
                    "open": links.to(state="open"),
                    "unacknowledged": links.to(state="counted", acknowledged="no"),
                    "acknowledged": links.to(state="counted", acknowledged="yes"),
                    "page": reverse("incident-metrics") + f"?sprint={number}",
                },
            }
        )
        bars.append(
            charts.Point(
                label=f"S{number}",
                seconds=m.mttr_seconds,
                href=links.to(state="resolved"),
                description=(
                    f"mean time to resolve in sprint {number}, "
                    f"{duration(m.mttr_seconds)} over {m.resolved_count} resolved"
                ),
            )
        )
    return rows, charts.bar_chart(bars)


@require_GET
def metrics_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    error = ""
    try:
        window: Window | None = selectors_metrics.window_from_params(
            request.GET, default_to_current=True
        )
    except WindowError as exc:
        error, window = str(exc), None
        current = current_sprint(now=now)
        if current is not None:
            window = selectors_metrics.sprint_window(current)
    ctx: dict[str, Any] = {
        "error": error,
        "window": window,
        "sprints": selectors_metrics.sprints_so_far(),
        "since_value": request.GET.get("since", ""),
        "until_value": request.GET.get("until", ""),
        "as_of": now,
    }
    if window is not None:
        overview = selectors_metrics.metrics_overview(window, as_of=now)
        m = overview.figures.metrics
        trend_rows, chart = _trend(overview.trend)
        links, slugs = Links(window), selectors_metrics.partner_team_slugs()
        ctx.update(
            chosen_sprint=overview.sprint,
            metrics=m,
            figures=figures(m, links, slugs),
            skipped=overview.figures.skipped,
            trend=trend_rows,
            chart=chart,
            performance=[
                {"team": team, "href": links.impact(slugs[team.team]) if team.team in slugs else ""}
                for team in partner_performance.partner_performance(
                    since=window.since, until=window.until, counted=(*m.resolved_ids, *m.open_ids)
                )
            ],
            deploys=dora_section(
                since=window.since,
                until=window.until,
                as_of=now,
                sprints=[(p.sprint.number, p.window.since, p.window.until) for p in overview.trend],
            ),
        )
    return render(request, "incidents/metrics.html", ctx, status=400 if error else 200)

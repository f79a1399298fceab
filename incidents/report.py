"""The incidents part of the sprint handoff report (see reports/document.py).

`incidents_section` is the sprint's incidents: the table of those that started in it, the
headline figures and counts (taken from the metrics document, `ctx.metrics["incidents"]`,
so they are the metrics page's and the API's), the trend of the sprints before it, the
incidents still owing a ticket and the SEV1-2 incidents' update cadence. The alerts and
what the next pair inherits are in `incidents.report_alerts`.

Each part answers in a constant number of queries whatever the number of incidents: the
sprint's incidents, their recorded impacts, the urgent ones' updates, the partner teams,
and the trend's (at most three, see `selectors_metrics.sprint_trend`). Values are plain (see
`reports.encoding`); durations in seconds; every figure carries the address of the
incident list behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from incidents import rules, selectors_metrics
from incidents.cadence import update_cadence
from incidents.history import state_at
from incidents.metrics import SEVERITIES, UNKNOWN_SEVERITY, URGENT_SEVERITIES
from incidents.models import Incident, IncidentImpact, IncidentUpdate, Source, State
from incidents.report_alerts import SYNC_TICKET_NOTE, alerts_section, incidents_handover
from incidents.windows import isoformat_utc
from reports.context import ReportContext

__all__ = ["alerts_section", "incidents_handover", "incidents_section"]

# The figures of the metrics document the section shows, under the same names.
FIGURES = (
    "mttr_seconds",
    "mttr_median_seconds",
    "mttr_p90_seconds",
    "mtta_seconds",
    "incident_count",
    "resolved_count",
    "acknowledged_count",
    "open_count",
    "unacknowledged_count",
    "canceled_count",
)


def list_href(sprint: int, **params: str) -> str:
    """The incident list of the sprint's incidents, narrowed by `params`."""
    return reverse("incident-list") + "?" + urlencode({"sprint": str(sprint), **params})


def impact_href(team_slug: str, *, since: datetime, until: datetime) -> str:
    """The incidents whose impact on the team reaches into [since, until)."""
    query = {
        "impacted": team_slug,
        "impact_since": isoformat_utc(since),
        "impact_until": isoformat_utc(until),
    }
    return reverse("incident-list") + "?" + urlencode(query)


def detail_href(incident_id: int) -> str:
    return reverse("incident-detail", args=[incident_id])


ROW_FIELDS = (
    "id",
    "number",
    "title",
    "severity",
    "source",
    "state",
    "started_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "canceled_at",
    "ticket_url",
    "upstream_url",
    "service__name",
    "service__team__name",
    "service__team__slug",
    "service__team__is_platform",
)


def _impacted_teams(ctx: ReportContext) -> dict[int, list[dict[str, str]]]:
    """Incident id -> the partner teams its recorded impacts name, by name, each once."""
    teams: dict[int, dict[str, str]] = {}
    rows = (
        IncidentImpact.objects.filter(
            incident__started_at__gte=ctx.since, incident__started_at__lt=ctx.until
        )
        .order_by("team__name")
        .values_list("incident_id", "team__name", "team__slug")
    )
    for incident_id, name, slug in rows:
        teams.setdefault(incident_id, {})[name] = slug
    return {
        pk: [{"name": name, "slug": slug} for name, slug in named.items()]
        for pk, named in teams.items()
    }


def incident_rows(ctx: ReportContext) -> list[dict[str, Any]]:
    """The incidents that started in the sprint by `as_of`, oldest first, as the table shows
    them: state, acknowledgement and resolution as known at `as_of`; the partner teams
    impacted (recorded, or the service's team as the metrics imply it); the ticket, and
    whether one is still owed (`rules.owes_ticket`)."""
    recorded = _impacted_teams(ctx)
    incidents = (
        Incident.objects.started_between(ctx.since, ctx.until)
        .filter(started_at__lte=ctx.as_of)
        .order_by("started_at", "pk")
        .values(*ROW_FIELDS)
    )
    sources = dict(Source.choices)
    rows = []
    for row in incidents:
        state = state_at(
            state=row["state"],
            acknowledged_at=row["acknowledged_at"],
            mitigated_at=row["mitigated_at"],
            resolved_at=row["resolved_at"],
            canceled_at=row["canceled_at"],
            at=ctx.as_of,
        )
        acknowledged = row["acknowledged_at"]
        if acknowledged is not None and acknowledged > ctx.as_of:
            acknowledged = None
        resolved = row["resolved_at"] if state == State.RESOLVED else None
        teams = recorded.get(row["id"], [])
        if not teams and rules.service_team_counts_as_impacted(
            state=row["state"],
            has_recorded_impact=False,
            team_is_platform=row["service__team__is_platform"],
        ):
            teams = [{"name": row["service__team__name"], "slug": row["service__team__slug"]}]
        ticket = SimpleNamespace(state=row["state"], ticket_url=row["ticket_url"])
        rows.append(
            {
                "id": row["id"],
                "href": detail_href(row["id"]),
                "number": row["number"],
                "upstream_url": row["upstream_url"] or None,
                "title": row["title"],
                "severity": row["severity"] or None,
                "source": row["source"],
                "source_label": sources.get(row["source"], row["source"]),
                "service": row["service__name"],
                "state": state,
                "state_label": State(state).label,
                "started_at": row["started_at"],
                "acknowledged_at": acknowledged,
                "resolved_at": resolved,
                "time_to_resolve_seconds": (
                    (resolved - row["started_at"]).total_seconds()
                    if resolved is not None and resolved >= row["started_at"]
                    else None
                ),
                "ticket_url": row["ticket_url"] or None,
                "owes_ticket": rules.owes_ticket(ticket),
                "teams": teams,
            }
        )
    return rows


def _urgent_updates(ctx: ReportContext) -> dict[int, list[datetime]]:
    """Incident id -> the instants of its timeline updates, for the sprint's SEV1-2 ones."""
    updates: dict[int, list[datetime]] = {}
    rows = (
        IncidentUpdate.objects.filter(
            incident__started_at__gte=ctx.since,
            incident__started_at__lt=ctx.until,
            incident__severity__in=URGENT_SEVERITIES,
        )
        .exclude(SYNC_TICKET_NOTE)
        .order_by()
        .values_list("incident_id", "at")
    )
    for incident_id, at in rows:
        updates.setdefault(incident_id, []).append(at)
    return updates


def urgent_cadence(ctx: ReportContext, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sprint's SEV1-2 incidents (canceled ones apart) with their update cadence as of
    `as_of` (see `incidents.cadence`)."""
    updates = _urgent_updates(ctx)
    urgent = []
    for row in rows:
        if row["severity"] not in URGENT_SEVERITIES or row["state"] == State.CANCELED:
            continue
        cadence = update_cadence(
            started=row["started_at"],
            updates=updates.get(row["id"], ()),
            resolved=row["resolved_at"],
            as_of=ctx.as_of,
        )
        if cadence is None:  # pragma: no cover - rows are started by as_of
            continue
        urgent.append(
            {
                "id": row["id"],
                "href": row["href"],
                "title": row["title"],
                "severity": row["severity"],
                "state": row["state"],
                "state_label": row["state_label"],
                "updates": cadence.updates,
                "longest_gap_seconds": cadence.longest_gap_seconds,
                "late_updates": cadence.late_updates,
                "overdue_seconds": cadence.overdue_seconds,
                "kept": cadence.kept,
                "still_open": cadence.open_at_as_of,
            }
        )
    return urgent


def trend_rows(ctx: ReportContext, figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """MTTR and MTTA of up to 8 sprints ending with this one, oldest first: the earlier
    ones from the metrics trend (`selectors_metrics.sprint_trend`), this one from the metrics
    document, so the row matches the headline."""
    trend = selectors_metrics.sprint_trend(last=ctx.sprint, as_of=ctx.as_of)
    rows = []
    for point in trend:
        number, m = point.sprint.number, point.metrics
        this = number == ctx.sprint.number
        values = {key: figures[key] if this else getattr(m, key) for key in FIGURES}
        rows.append(
            {
                "sprint": number,
                "start_date": point.sprint.start_date,
                "last_day": point.sprint.last_day,
                "this_sprint": this,
                **values,
                "links": {
                    "counted": list_href(number, state="counted"),
                    "resolved": list_href(number, state="resolved"),
                    "acknowledged": list_href(number, state="counted", acknowledged="yes"),
                },
            }
        )
    return rows


def _counts(
    counts: Mapping[str, int], labels: Mapping[str, str], href: Any
) -> list[dict[str, Any]]:
    return [
        {"key": key, "label": labels.get(key, key), "count": count, "href": href(key)}
        for key, count in counts.items()
    ]


def incidents_section(ctx: ReportContext) -> dict[str, Any]:
    """The sprint's incidents and their figures as of `ctx.as_of` (see the module's doc).

    `figures` holds the metrics document's own values under its own names (MTTR mean,
    median and p90 over the incidents resolved by `as_of`; MTTA over those acknowledged;
    counts with canceled ones apart), `links` the incident lists behind them; `trend` the
    sprints up to this one and `previous` the one before it (None if there is none).
    """
    number = ctx.sprint.number
    document = ctx.metrics["incidents"]
    figures = {key: document[key] for key in FIGURES}
    rows = incident_rows(ctx)
    slugs = selectors_metrics.partner_team_slugs()
    severity_labels = {s: s for s in SEVERITIES} | {UNKNOWN_SEVERITY: "Not set"}
    no_ticket = [row for row in rows if row["owes_ticket"]]
    urgent = urgent_cadence(ctx, rows)
    trend = trend_rows(ctx, figures)
    earlier = [row for row in trend if row["sprint"] < number]
    return {
        "sprint": number,
        "since": ctx.since,
        "until": ctx.until,
        "as_of": ctx.as_of,
        "figures": figures,
        "links": {
            "counted": list_href(number, state="counted"),
            "resolved": list_href(number, state="resolved"),
            "acknowledged": list_href(number, state="counted", acknowledged="yes"),
            "open": list_href(number, state="open"),
            "unacknowledged": list_href(number, state="counted", acknowledged="no"),
            "canceled": list_href(number, state="canceled"),
            "no_ticket": list_href(number, ticket="no"),
            "all": list_href(number, state=""),
            "metrics": reverse("incident-metrics") + f"?sprint={number}",
        },
        "by_severity": _counts(
            document["by_severity"],
            severity_labels,
            lambda key: list_href(number, state="counted", severity=key),
        ),
        "by_source": _counts(
            document["by_source"],
            dict(Source.choices),
            lambda key: list_href(number, state="counted", source=key),
        ),
        "partner_impact": [
            {
                "team": team,
                "minutes": minutes,
                "href": impact_href(slugs[team], since=ctx.since, until=ctx.until)
                if team in slugs
                else None,
            }
            for team, minutes in document["partner_impact_minutes"].items()
        ],
        "incidents": rows,
        "without_ticket": {
            "count": len(no_ticket),
            "href": list_href(number, ticket="no"),
            "incidents": [
                {"id": r["id"], "href": r["href"], "title": r["title"], "state": r["state"]}
                for r in no_ticket
            ],
        },
        "urgent": urgent,
        "urgent_late": sum(1 for item in urgent if not item["kept"]),
        "trend": trend,
        "previous": earlier[-1] if earlier else None,
    }

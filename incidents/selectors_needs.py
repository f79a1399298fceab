"""What of the incidents and alerts needs the pair on call now (see `oncall_site.needs`).

A bounded number of queries whatever the history's length: triggered incidents and urgent
open ones are read at most `CAP` at a time (the line "N more" links to the rest), firing
monitors are few, and the incidents owing a ticket are counted, not listed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from incidents import rules
from incidents.models import OPEN_STATES, URGENT, DatadogMonitor, Incident, Source, State
from incidents.selectors import active_alerts
from oncall_site.needs import Need, counted
from rotations.models import team_zone

CAP = 10  # incidents named one by one per kind; the rest are one line
SEVERITY_RANK = {"SEV1": 0, "SEV2": 1, "SEV3": 2, "SEV4": 3}
UNRATED_RANK = 4
TICKET_LOOKBACK = timedelta(days=14)  # when no sprint covers today


def _list_url(**params: str) -> str:
    return f"{reverse('incident-list')}?{urlencode(params)}"


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, UNRATED_RANK)


def _more(kind: str, shown: int, total: int, what: str, url: str) -> list[Need]:
    if total <= shown:
        return []
    left = total - shown
    return [Need(kind, f"{left} more {what}", url, rank=UNRATED_RANK + 1, count=left)]


def triggered_needs() -> list[Need]:
    """Triggered incidents nobody has acknowledged, oldest first, with how long they have
    waited; the most severe first once ordered."""
    rows = Incident.objects.filter(state=State.TRIGGERED).order_by("started_at", "pk")
    shown = list(rows.only("pk", "title", "severity", "started_at")[:CAP])
    total = len(shown) if len(shown) < CAP else rows.count()
    needs = [
        Need(
            "triggered",
            str(incident),
            reverse("incident-detail", args=[incident.pk]),
            since=incident.started_at,
            rank=_rank(incident.severity),
            detail=f"{incident.severity or 'no severity'} · triggered, not acknowledged",
        )
        for incident in shown
    ]
    url = _list_url(state=State.TRIGGERED)
    return needs + _more("triggered", len(shown), total, "triggered incidents", url)


def update_overdue_needs(*, now: datetime) -> list[Need]:
    """SEV1-2 incidents still open and overdue for their 30-minute update
    (`rules.overdue_for_update`), waiting since their last update or their start."""
    urgent = (
        Incident.objects.filter(state__in=OPEN_STATES, severity__in=URGENT)
        .only("pk", "title", "state", "severity", "started_at", "last_update_at")
        .order_by("started_at", "pk")[: CAP * 5]  # urgent incidents open at once are few
    )
    overdue = [i for i in urgent if rules.overdue_for_update(i, now=now)]
    return [
        Need(
            "update_overdue",
            str(incident),
            reverse("incident-detail", args=[incident.pk]),
            since=incident.last_update_at or incident.started_at,
            rank=_rank(incident.severity),
            detail=f"{incident.severity} · the partner teams' 30-minute update is overdue",
        )
        for incident in overdue[:CAP]
    ]


def alert_needs() -> list[Need]:
    """Datadog monitors in Alert with no incident for this firing (`rules.firing_incident`):
    someone should look, and declare one or say why not."""
    monitors: list[DatadogMonitor] = list(active_alerts().filter(status="Alert")[:200])
    loose = [m for m in monitors if rules.firing_incident(m) is None]
    return [
        Need(
            "alert_without_incident",
            monitor.name,
            f"{reverse('alert-list')}#alert-{monitor.pk}",
            since=monitor.firing_since,
            detail="Datadog monitor alerting, no incident declared",
        )
        for monitor in loose
    ]


def ticket_needs(*, since: datetime) -> list[Need]:
    """Incidents started since `since` (the sprint's start) still owing a ticket
    (`rules.owes_ticket`): one line with their count, linking to them."""
    owing = Incident.objects.filter(rules.OWES_TICKET, started_at__gte=since).count()
    if not owing:
        return []
    day = since.astimezone(team_zone()).date().isoformat()
    title = f"{counted(owing, 'incident')} without a ticket"
    return [Need("ticket_owed", title, _list_url(ticket="no", since=day), count=owing)]


def incident_needs(*, now: datetime, sprint_start: datetime | None) -> list[Need]:
    """Everything of this app that needs the pair now (unordered: see `needs.ordered`)."""
    since = sprint_start if sprint_start is not None else now - TICKET_LOOKBACK
    return [
        *triggered_needs(),
        *update_overdue_needs(now=now),
        *alert_needs(),
        *ticket_needs(since=since),
    ]


def open_by_severity() -> dict[str, int]:
    """The open incidents (triggered, acknowledged, mitigated) counted by severity, SEV1
    first, "" for those not rated yet: one grouped query, for the dashboard's card."""
    counts = dict(
        Incident.objects.filter(state__in=OPEN_STATES)
        .order_by()
        .values_list("severity")
        .annotate(n=Count("pk"))
    )
    order = sorted(counts, key=lambda s: (_rank(s), s))
    return {severity: counts[severity] for severity in order}


def pages_between(since: datetime, until: datetime) -> list[datetime]:
    """When each PagerDuty incident started in [since, until) paged someone: low-urgency
    ones page nobody. One query of one column; a sprint holds tens, not thousands."""
    return list(
        Incident.objects.filter(
            source=Source.PAGERDUTY, started_at__gte=since, started_at__lt=until
        )
        .exclude(urgency="low")
        .values_list("started_at", flat=True)
    )

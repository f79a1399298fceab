"""The alerts of the sprint handoff report and what the next pair inherits from the incidents
app (see reports/document.py and `incidents.report`).

What is measurable about alerts is what the monitors' rows keep (`incidents.history`): each
monitor's latest firing, from Datadog's trigger time to when the sync saw it recover. Both
sections say so in `limits`, in words the report prints, rather than show a guess.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from incidents import rules
from incidents.history import Firing, incident_during_firing, latest_firing, state_at
from incidents.metrics import SEVERITIES
from incidents.models import (
    ACTIVE_ALERT_STATUSES,
    OPEN_STATES,
    DatadogMonitor,
    Incident,
    IncidentUpdate,
    MonitorTransition,
    State,
    UpdateKind,
)
from incidents.monitor_history import FLAPPING_WINDOW, firing_episodes, is_flapping
from incidents.owners import assignee_ids, engineers_by_pagerduty_id, incident_owners
from reports.context import ReportContext

ALERT_LIMITS = (
    "Each firing runs from the monitor's change into Alert, Warn or No Data to its next change "
    "out of them, as the sync saw them (within a minute while the worker runs); a firing that "
    "came and went between two syncs is not seen.",
    "Monitors stored before their state changes were kept show only their latest firing.",
)
HANDOVER_LIMITS = (
    "Silenced: muted by a Datadog downtime at the last sync (today's mutes, not the "
    "handover's); a muted monitor never seen firing here is not listed.",
    "Flapping: 4 or more state changes in the 24 hours before the handover.",
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OWNER_RULE = (
    "The owner is who PagerDuty assigns the incident to now (named as the engineer here with "
    "that PagerDuty user), else who reported it."
)

# The note the ticket sync writes when it links a GitHub issue is neither a step anyone wrote
# nor an update to the partner teams (it does not move the 30-minute clock: see
# `sync.link_tickets`).
SYNC_TICKET_NOTE = Q(author__isnull=True, external_id="", text__startswith="Ticket linked from")


def _monitors(*, fired_by: datetime) -> QuerySet[DatadogMonitor]:
    """Monitors whose latest firing started by `fired_by`, with the incident linked."""
    return (
        DatadogMonitor.objects.annotate(fired=Coalesce(F("triggered_at"), F("first_seen_at")))
        .filter(fired__lte=fired_by)
        .select_related("incident")
        .order_by("fired", "monitor_id")
    )


def _firing(monitor: DatadogMonitor, as_of: datetime) -> Firing | None:
    return latest_firing(
        triggered_at=monitor.triggered_at,
        first_seen_at=monitor.first_seen_at,
        active=monitor.active,
        last_seen_at=monitor.last_seen_at,
        as_of=as_of,
    )


def _incident_of(monitor: DatadogMonitor, firing: Firing, as_of: datetime) -> dict | None:
    """The incident linked to the monitor, if it belongs to this firing, as of `as_of`."""
    incident = monitor.incident
    if incident is None:
        return None
    ended = {State.RESOLVED: incident.resolved_at, State.CANCELED: incident.canceled_at}.get(
        incident.state
    )
    if ended is not None and ended > as_of:
        ended = None
    if not incident_during_firing(
        firing=firing, incident_started=incident.started_at, incident_ended=ended, as_of=as_of
    ):
        return None
    state = state_at(
        state=incident.state,
        acknowledged_at=incident.acknowledged_at,
        mitigated_at=incident.mitigated_at,
        resolved_at=incident.resolved_at,
        canceled_at=incident.canceled_at,
        at=as_of,
    )
    return {
        "id": incident.pk,
        "href": reverse("incident-detail", args=[incident.pk]),
        "title": incident.title,
        "severity": incident.severity or None,
        "state": state,
        "state_label": State(state).label,
    }


def _legacy_alerts(ctx: ReportContext) -> list[tuple[DatadogMonitor, Firing]]:
    """Monitors without stored state changes (stored before they were kept): their latest
    firing, if it reaches into the sprint. One query."""
    monitors = (
        _monitors(fired_by=min(ctx.until, ctx.as_of))
        .filter(Q(fired__gte=ctx.since) | Q(active=True) | Q(last_seen_at__gt=ctx.since))
        .filter(~Exists(MonitorTransition.objects.filter(monitor=OuterRef("pk"))))
    )
    found = []
    for monitor in monitors:
        firing = _firing(monitor, ctx.as_of)
        if firing is not None and firing.overlaps(ctx.since, ctx.until, ctx.as_of):
            found.append((monitor, firing))
    return found


def _episodes(ctx: ReportContext) -> list[tuple[DatadogMonitor, Firing]]:
    """Every firing episode of the sprint, up to `as_of`, from the stored state changes
    (`incidents.monitor_history`): two queries. A monitor firing when the sprint began
    starts its episode at its last change into firing before then."""
    since, end = ctx.since, min(ctx.until, ctx.as_of)
    before = MonitorTransition.objects.filter(monitor=OuterRef("pk"), at__lt=since)
    quiet = before.exclude(to_state__in=ACTIVE_ALERT_STATUSES)
    monitors = (
        DatadogMonitor.objects.annotate(
            state_then=Subquery(before.order_by("-at", "-pk").values("to_state")[:1]),
            quiet_since=Subquery(quiet.order_by("-at", "-pk").values("at")[:1]),
        )
        .annotate(
            fired_then=Subquery(
                before.filter(at__gt=Coalesce(OuterRef("quiet_since"), Value(EPOCH)))
                .order_by("at", "pk")
                .values("at")[:1]
            )
        )
        .filter(
            Q(state_then__in=ACTIVE_ALERT_STATUSES)
            | Exists(
                MonitorTransition.objects.filter(monitor=OuterRef("pk"), at__gte=since, at__lte=end)
            )
        )
        .select_related("incident")
    )
    changes: dict[int, list[tuple[datetime, str]]] = {}
    rows = MonitorTransition.objects.filter(at__gte=since, at__lte=end).values_list(
        "monitor_id", "at", "to_state"
    )
    for pk, at, state in rows.order_by():
        changes.setdefault(pk, []).append((at, state))
    found = []
    for monitor in monitors:
        seed = (
            [(monitor.fired_then, "Alert")] if monitor.state_then in ACTIVE_ALERT_STATUSES else []
        )
        for firing in firing_episodes([*seed, *changes.get(monitor.pk, ())], as_of=ctx.as_of):
            if firing.overlaps(ctx.since, ctx.until, ctx.as_of):
                found.append((monitor, firing))
    return found


def alerts_section(ctx: ReportContext) -> dict[str, Any]:
    """Every firing episode of a Datadog monitor at some moment of the sprint, up to
    `as_of`, oldest first (`incidents.monitor_history`; the latest firing for monitors
    stored before state changes were kept): when it began and recovered, or that it is
    still firing at `as_of`; how long it lasted (to `as_of` while still firing) and how much
    of that fell in the sprint; the incident linked to the monitor when it belongs to that
    firing.

    Totals: firings, monitors that fired, still firing at `as_of`, with and without an
    incident, and the firing time within the sprint summed over firings (two monitors
    firing at once count twice: it is alert time, not time with an alert). Three queries.
    """
    found = sorted(
        [*_legacy_alerts(ctx), *_episodes(ctx)],
        key=lambda pair: (pair[1].fired, pair[0].monitor_id),
    )
    alerts = []
    for monitor, firing in found:
        alerts.append(
            {
                "monitor_id": monitor.monitor_id,
                "name": monitor.name,
                "url": monitor.url or None,
                "status": monitor.status,
                "fired_at": firing.fired,
                "fired_before_sprint": firing.fired < ctx.since,
                "recovered_at": firing.recovered,
                "still_firing": firing.recovered is None,
                "duration_seconds": firing.seconds(ctx.as_of),
                "in_sprint_seconds": firing.seconds_within(ctx.since, ctx.until, ctx.as_of),
                "incident": _incident_of(monitor, firing, ctx.as_of),
            }
        )
    with_incident = sum(1 for alert in alerts if alert["incident"] is not None)
    return {
        "as_of": ctx.as_of,
        "alerts": alerts,
        "totals": {
            "fired": len(alerts),
            "monitors": len({alert["monitor_id"] for alert in alerts}),
            "still_firing": sum(1 for alert in alerts if alert["still_firing"]),
            "with_incident": with_incident,
            "without_incident": len(alerts) - with_incident,
            "in_sprint_seconds": sum(alert["in_sprint_seconds"] for alert in alerts),
            "longest_seconds": max((a["duration_seconds"] for a in alerts), default=None),
        },
        "links": {"alerts": reverse("alert-list")},
        "limits": list(ALERT_LIMITS),
    }


def _latest_written(at: datetime) -> Subquery:
    """The id of the incident's latest update a person (or PagerDuty's notes) wrote by `at`:
    discovery, remediation, a message to partner teams or a note; not status changes."""
    return Subquery(
        IncidentUpdate.objects.filter(incident=OuterRef("pk"), at__lte=at)
        .exclude(kind=UpdateKind.STATUS)
        .exclude(SYNC_TICKET_NOTE)
        .order_by("-at", "-pk")
        .values("pk")[:1]
    )


def _open_incidents(at: datetime, ctx: ReportContext) -> list[dict[str, Any]]:
    """The incidents open at `at`, most severe first, then oldest: three queries (the
    incidents, their latest written updates, the engineers their PagerDuty assignees are).
    One that starts at the sprint's end is the next sprint's, not handed over."""
    as_of = ctx.as_of
    reaching = Q(state__in=OPEN_STATES) | Q(resolved_at__gt=at) | Q(canceled_at__gt=at)
    incidents = list(
        Incident.objects.filter(reaching, started_at__lte=at, started_at__lt=ctx.until)
        .annotate(latest_written_id=_latest_written(at))
        .order_by("started_at", "pk")
    )
    wanted = [i.latest_written_id for i in incidents if i.latest_written_id is not None]
    updates = IncidentUpdate.objects.filter(pk__in=wanted) if wanted else ()
    by_id = {update.pk: update for update in updates}
    engineers = engineers_by_pagerduty_id(
        user_id for incident in incidents for user_id in assignee_ids(incident.assignees)
    )
    rank = {severity: n for n, severity in enumerate(SEVERITIES)}
    rows = []
    for incident in incidents:
        state = state_at(
            state=incident.state,
            acknowledged_at=incident.acknowledged_at,
            mitigated_at=incident.mitigated_at,
            resolved_at=incident.resolved_at,
            canceled_at=incident.canceled_at,
            at=at,
        )
        if state not in OPEN_STATES:
            continue
        update = by_id.get(incident.latest_written_id)
        closed = incident.resolved_at if incident.state == State.RESOLVED else None
        closed = closed or (incident.canceled_at if incident.state == State.CANCELED else None)
        rows.append(
            {
                "id": incident.pk,
                "href": reverse("incident-detail", args=[incident.pk]),
                "title": incident.title,
                "severity": incident.severity or None,
                "state": state,
                "state_label": State(state).label,
                "started_at": incident.started_at,
                "open_seconds": (at - incident.started_at).total_seconds(),
                "owners": [
                    owner.as_json()
                    for owner in incident_owners(
                        assignees=incident.assignees,
                        reported_by=incident.reported_by,
                        engineers=engineers,
                    )
                ],
                "next_step": None
                if update is None
                else {"text": update.text, "at": update.at, "kind": update.get_kind_display()},
                "closed_since": closed if closed is not None and closed <= as_of else None,
                "ticket_url": incident.ticket_url or None,
                "owes_ticket": rules.owes_ticket(incident),
            }
        )
    rows.sort(key=lambda row: rank.get(row["severity"] or "", len(rank)))  # stable: oldest next
    return rows


def _firing_monitors(at: datetime, as_of: datetime) -> list[dict[str, Any]]:
    """Monitors still firing at `at`, oldest firing first: one query."""
    monitors = _monitors(fired_by=at).filter(Q(active=True) | Q(last_seen_at__gt=at))
    rows = []
    for monitor in monitors:
        firing = _firing(monitor, at)
        if firing is None or firing.recovered is not None:
            continue
        recovered = None if monitor.active else monitor.last_seen_at
        rows.append(
            {
                "monitor_id": monitor.monitor_id,
                "name": monitor.name,
                "url": monitor.url or None,
                "fired_at": firing.fired,
                "firing_seconds": firing.seconds(at),
                "recovered_since": recovered if recovered and recovered <= as_of else None,
                "incident": _incident_of(monitor, firing, at),
            }
        )
    return rows


def _flapping(at: datetime) -> list[dict[str, Any]]:
    """Monitors flapping at `at` (`monitor_history.is_flapping`), most changes first: one
    query over the last 24 hours' state changes."""
    since = at - FLAPPING_WINDOW
    rows = MonitorTransition.objects.filter(at__gt=since, at__lte=at).values_list(
        "monitor_id", "monitor__monitor_id", "monitor__name", "monitor__url", "at", "to_state"
    )
    by_monitor: dict[int, dict[str, Any]] = {}
    for pk, monitor_id, name, url, changed, state in rows.order_by("at", "pk"):
        entry = by_monitor.setdefault(
            pk,
            {"monitor_id": monitor_id, "name": name, "url": url or None, "changes": []},
        )
        entry["changes"].append(changed)
        entry["state"] = state
    flapping = []
    for entry in by_monitor.values():
        changes = entry.pop("changes")
        if is_flapping(changes, at=at):
            flapping.append({**entry, "changes": len(changes), "last_change_at": max(changes)})
    flapping.sort(key=lambda entry: (-entry["changes"], entry["name"]))
    return flapping


def _silenced() -> list[dict[str, Any]]:
    """Monitors muted by a downtime at the last sync, by name: one query."""
    return [
        {"monitor_id": monitor_id, "name": name, "url": url or None, "status": status}
        for monitor_id, name, url, status in DatadogMonitor.objects.filter(muted=True)
        .order_by("name", "monitor_id")
        .values_list("monitor_id", "name", "url", "status")
    ]


def incidents_handover(ctx: ReportContext) -> dict[str, Any]:
    """What the next pair inherits, at the handover: the sprint's end, or `as_of` while the
    sprint runs (`at`).

    - Incidents open at `at` (started by then, neither resolved nor canceled by then), most
      severe first, then oldest: with their owners (`incidents.owners`: PagerDuty's current
      assignees, else who reported it; empty when neither is stored) and next step. The
      next step is the latest update written by `at` that is not a status change (a
      discovery or remediation step, a message to partner teams, a note), None when there is
      none ("no next step written").
      `closed_since`: resolved or canceled after `at`, by `as_of`.
    - Monitors still firing at `at` (their latest firing began by then and had not
      recovered), with the incident of that firing.
    - Flapping monitors: 4 or more state changes in the 24 hours before `at`
      (`incidents.monitor_history`), with how many and the state they were left in.
    - Silenced monitors: muted by a Datadog downtime at the last sync (today's, not the
      handover's: mutes are not kept as history).

    Five queries (six with an assignee to name). Owners are today's, not the handover's:
    PagerDuty keeps no history of assignments here, and a resolved incident has none.
    """
    at = min(ctx.as_of, ctx.until)
    return {
        "at": at,
        "incidents": _open_incidents(at, ctx),
        "firing_monitors": _firing_monitors(at, ctx.as_of),
        "silenced": _silenced(),
        "flapping": _flapping(at),
        "links": {
            "open": reverse("incident-list") + "?state=open",
            "alerts": reverse("alert-list"),
        },
        "owner_rule": OWNER_RULE,
        "limits": list(HANDOVER_LIMITS),
    }

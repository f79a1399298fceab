"""Store what PagerDuty and Datadog say: idempotent upserts keyed on the upstream id.

The sync owns the upstream fields of an incident (title, PagerDuty status, times,
priority, urgency, service). What people add here — impacts, timeline, ticket, root
cause, a corrected severity — is never overwritten: severity is re-derived only when the
upstream priority or urgency changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from incidents.metrics import severity_from_pagerduty
from incidents.models import OPEN_STATES, DatadogMonitor, Incident, Source, State
from oncall_site.integrations import datadog, pagerduty
from oncall_site.integrations.errors import BadPayload, UpstreamError
from oncall_site.sync import SyncContext, batched
from rotations.models import Service

BATCH = 500
# Incidents created just before the last run may show up late; refetch this much.
OVERLAP = timedelta(hours=1)
PD_STATE = {
    "triggered": State.TRIGGERED,
    "acknowledged": State.ACKNOWLEDGED,
    "resolved": State.RESOLVED,
}
UPSTREAM_FIELDS = (
    "number",
    "title",
    "state",
    "severity",
    "urgency",
    "priority",
    "service_id",
    "upstream_service_id",
    "started_at",
    "acknowledged_at",
    "resolved_at",
    "upstream_url",
    "needs_review",
    "review_reason",
)


def sync_pagerduty_incidents(ctx: SyncContext) -> None:
    """Incidents created since the last run (minus an overlap), their first
    acknowledgements from the log, and every incident still open here or there."""
    config: pagerduty.Config = ctx.config
    since = _timestamp(ctx.cursor.get("incidents_since"))
    since = since - OVERLAP if since else ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    services = dict(
        Service.objects.exclude(pagerduty_service_id="").values_list("pagerduty_service_id", "pk")
    )

    seen_open: set[str] = set()
    unreadable = Unreadable(ctx)
    stream = pagerduty.iter_incidents(
        ctx.client, config, since=since, until=ctx.now, on_unreadable=unreadable
    )
    for chunk in batched(stream):
        ctx.fetched += len(chunk)
        ctx.written += _upsert_incidents(chunk, services)
        seen_open.update(i.id for i in chunk if i.status != "resolved")
    ctx.note(f"{ctx.fetched} incident(s) since {since:%Y-%m-%d %H:%M} UTC")

    # Acknowledgements: `acknowledgements` is empty once resolved; the log keeps them.
    try:
        acks = pagerduty.iter_acknowledgements(ctx.client, config, since=since, until=ctx.now)
        for chunk in batched(acks):
            ctx.written += _apply_acknowledgements(chunk)
    except UpstreamError as exc:
        if exc.status not in (400, 404):
            raise
        # An API without the account-wide log: ask each unacknowledged incident instead.
        ctx.warnings.append(f"account log unavailable ({exc.status}); read per incident")
        missing = Incident.objects.filter(
            source=Source.PAGERDUTY, started_at__gte=since, acknowledged_at__isnull=True
        ).values_list("external_id", flat=True)
        for external_id in list(missing):
            try:
                at = pagerduty.fetch_first_acknowledged_at(ctx.client, config, external_id)
            except UpstreamError as per_incident:
                if per_incident.status not in (400, 404):
                    raise
                ctx.warnings.append("no log entries served: acknowledgement times unknown")
                break
            if at is not None:
                ack = pagerduty.Acknowledgement(incident_id=external_id, at=at, by=None)
                ctx.written += _apply_acknowledgements([ack])

    # Incidents opened before the window that are still open upstream.
    still_open = pagerduty.iter_incidents(
        ctx.client,
        config,
        since=None,
        statuses=("triggered", "acknowledged"),
        on_unreadable=unreadable,
    )
    for chunk in batched(still_open):
        ctx.fetched += len(chunk)
        ctx.written += _upsert_incidents(chunk, services)
        seen_open.update(i.id for i in chunk)

    # Open here but neither open upstream nor in the window: resolved while we were away.
    stale = (
        Incident.objects.filter(
            source=Source.PAGERDUTY, state__in=OPEN_STATES, started_at__lt=since
        )
        .exclude(external_id__in=seen_open)
        .values_list("external_id", flat=True)
    )
    for external_id in list(stale):
        try:
            incident = pagerduty.fetch_incident(ctx.client, config, external_id)
        except BadPayload as exc:
            ctx.warnings.append(f"incident {external_id} is still unreadable ({exc})")
            continue
        ctx.fetched += 1
        ctx.written += _upsert_incidents([incident], services)

    ctx.cursor["incidents_since"] = ctx.now.isoformat()
    if unreadable.count:
        ctx.warnings.append(
            f"{unreadable.count} incident(s) stored incomplete and flagged for review"
        )


class Unreadable:
    """Keeps an incident PagerDuty sent without a required field: stored with what is
    known and flagged for review, never dropped and never stalling the sync."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.count = 0

    def __call__(self, raw: Mapping[str, Any], error: BadPayload) -> None:
        external_id = str(raw.get("id") or "")[:64]
        self.count += 1
        if not external_id:
            self.ctx.warnings.append(f"an incident without an id was skipped ({error})")
            return
        started = _timestamp(raw.get("created_at")) or _timestamp(raw.get("last_status_change_at"))
        reason = f"PagerDuty sent an incomplete record: {error}"
        if started is None:
            reason += "; start time is when it was first seen"
        title = raw.get("title") or raw.get("summary") or external_id
        defaults = {
            "title": str(title)[:300],
            "state": PD_STATE.get(str(raw.get("status")), State.TRIGGERED),
            "started_at": started or self.ctx.now,
            "upstream_url": str(raw.get("html_url") or "")[:500],
            "needs_review": True,
            "review_reason": reason[:300],
        }
        row, created = Incident.objects.get_or_create(
            source=Source.PAGERDUTY, external_id=external_id, defaults=defaults
        )
        if created:
            self.ctx.written += 1
        elif not row.needs_review:
            row.needs_review, row.review_reason = True, reason[:300]
            row.save(update_fields=["needs_review", "review_reason"])
            self.ctx.written += 1


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _fields_from(incident: pagerduty.PagerDutyIncident, services: dict[str, int]) -> dict[str, Any]:
    problems = []
    if incident.service_id and incident.service_id not in services:
        problems.append(
            f"PagerDuty service {incident.service_id} is not mapped to a service in the admin"
        )
    if incident.priority_name is None and incident.urgency is None:
        problems.append("no priority or urgency; severity assumed")
    resolved_at = incident.resolved_at
    if incident.status == "resolved" and resolved_at is None:
        problems.append("resolved without a resolution time")
    acknowledged_at = incident.acknowledged_at
    if acknowledged_at and acknowledged_at < incident.created_at:
        problems.append("acknowledged before it was created; acknowledgement ignored")
        acknowledged_at = None
    if acknowledged_at and resolved_at and acknowledged_at > resolved_at:
        acknowledged_at = None  # a re-trigger's ack after resolution says nothing about MTTA
    if resolved_at and resolved_at < incident.created_at:
        problems.append("resolved before it was created; resolution ignored")
        resolved_at = None
    return {
        "number": incident.number,
        "title": incident.title[:300],
        "state": PD_STATE.get(incident.status, State.TRIGGERED),
        "severity": severity_from_pagerduty(
            incident.priority_name, incident.urgency, settings.PAGERDUTY_PRIORITY_SEVERITIES
        ),
        "urgency": incident.urgency or "",
        "priority": (incident.priority_name or "")[:16],
        "service_id": services.get(incident.service_id or ""),
        "upstream_service_id": incident.service_id or "",
        "started_at": incident.created_at,
        "acknowledged_at": acknowledged_at,
        "resolved_at": resolved_at,
        "upstream_url": incident.html_url,
        "needs_review": bool(problems),
        "review_reason": "; ".join(problems)[:300],
    }


def _upsert_incidents(chunk: list[pagerduty.PagerDutyIncident], services: dict[str, int]) -> int:
    """Create new incidents, update changed ones; unchanged rows are not written."""
    ids = [i.id for i in chunk]
    existing = {
        row.external_id: row
        for row in Incident.objects.filter(source=Source.PAGERDUTY, external_id__in=ids)
    }
    creates, updates = [], []
    for upstream in {i.id: i for i in chunk}.values():  # one row per id, the latest wins
        fields = _fields_from(upstream, services)
        row = existing.get(upstream.id)
        if row is None:
            creates.append(Incident(source=Source.PAGERDUTY, external_id=upstream.id, **fields))
            continue
        earlier_ack = row.acknowledged_at and (
            fields["acknowledged_at"] is None or row.acknowledged_at < fields["acknowledged_at"]
        )
        # ...but only while it still fits the (upstream-owned) start and resolution.
        fits = row.acknowledged_at and row.acknowledged_at >= fields["started_at"]
        if fits and fields["resolved_at"] and row.acknowledged_at > fields["resolved_at"]:
            fits = False
        if earlier_ack and fits:
            fields["acknowledged_at"] = row.acknowledged_at  # keep the first ack the log gave us
        if (row.priority, row.urgency) == (fields["priority"], fields["urgency"]):
            fields["severity"] = row.severity  # a person's correction stands
        if row.state in (State.MITIGATED, State.CANCELED) and fields["state"] != State.RESOLVED:
            fields["state"] = row.state  # finer local states PagerDuty doesn't have
        changed = [name for name, value in fields.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, fields[name])
            updates.append(row)
    with transaction.atomic():
        if creates:
            Incident.objects.bulk_create(creates, batch_size=BATCH)
        if updates:
            Incident.objects.bulk_update(updates, UPSTREAM_FIELDS, batch_size=BATCH)
    return len(creates) + len(updates)


def _apply_acknowledgements(chunk: list[pagerduty.Acknowledgement]) -> int:
    first = pagerduty.first_acknowledgements(chunk)
    rows = Incident.objects.filter(source=Source.PAGERDUTY, external_id__in=list(first))
    updates = []
    for row in rows:
        at = first[row.external_id]
        if at < row.started_at or (row.resolved_at and at > row.resolved_at):
            continue
        if row.acknowledged_at is None or at < row.acknowledged_at:
            row.acknowledged_at = at
            updates.append(row)
    if updates:
        Incident.objects.bulk_update(updates, ["acknowledged_at"], batch_size=BATCH)
    return len(updates)


def sync_datadog_monitors(ctx: SyncContext) -> None:
    """Monitors matching the query in Alert, Warn or No Data; the rest are marked recovered."""
    config: datadog.Config = ctx.config
    seen: set[int] = set()
    written = 0
    for chunk in batched(datadog.iter_monitors(ctx.client, config)):
        ctx.fetched += len(chunk)
        existing = {
            a.monitor_id: a
            for a in DatadogMonitor.objects.filter(monitor_id__in=[m.id for m in chunk])
        }
        creates, updates = [], []
        for monitor in chunk:
            seen.add(monitor.id)
            fields = {
                "name": monitor.name[:500],
                "status": monitor.status,
                "tags": list(monitor.tags),
                "triggered_at": monitor.last_triggered_at,
                "url": monitor.url,
                "monitor_type": monitor.type or "",
                "active": True,
            }
            row = existing.get(monitor.id)
            if row is None:
                creates.append(
                    DatadogMonitor(
                        monitor_id=monitor.id, first_seen_at=ctx.now, last_seen_at=ctx.now, **fields
                    )
                )
            elif any(getattr(row, k) != v for k, v in fields.items()):
                for k, v in fields.items():
                    setattr(row, k, v)
                row.last_seen_at = ctx.now
                updates.append(row)
        with transaction.atomic():
            DatadogMonitor.objects.bulk_create(creates)
            DatadogMonitor.objects.bulk_update(
                updates,
                [
                    "name",
                    "status",
                    "tags",
                    "triggered_at",
                    "url",
                    "monitor_type",
                    "active",
                    "last_seen_at",
                ],
            )
        written += len(creates) + len(updates)
    # Only after the whole list arrived: a failure mid-way must not mark alerts recovered.
    written += (
        DatadogMonitor.objects.filter(active=True)
        .exclude(monitor_id__in=seen)
        .update(active=False, status="OK")
    )
    ctx.written += written
    ctx.note(f"{len(seen)} monitor(s) alerting")

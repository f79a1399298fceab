"""Jobs of the incidents app: PagerDuty incidents and the GitHub issues that name one
(linked as its ticket) here; Datadog monitors and partner app performance in
`incidents.sync_datadog`, imported here so the registry finds every job of the app.

PagerDuty owns an incident's title, status, times, priority, urgency and service. What
people add here — impacts, timeline, ticket, root cause — is never touched, a corrected
severity stands until PagerDuty's priority or urgency changes, and the finer local states
(mitigated, canceled) stand until PagerDuty resolves the incident. The rules are declared
once, in `INCIDENTS`, and applied by the shared upsert.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q

from incidents.metrics import severity_from_pagerduty
from incidents.models import (
    OPEN_STATES,
    Incident,
    IncidentUpdate,
    Source,
    State,
    UpdateKind,
)
from incidents.owners import assignee_list
from incidents.rules import incident_references
from incidents.tickets import CLAIM_EXPIRES
from incidents.upstream_order import PAGERDUTY_RECORD, keep_record, older_record
from oncall_site.integrations import github, pagerduty
from oncall_site.integrations.errors import BadPayload, UpstreamError
from oncall_site.integrations.text import fit, one_line
from oncall_site.integrations.timestamps import parse_instant
from oncall_site.links import http_url
from oncall_site.models import SyncJobState
from oncall_site.sync import Ownership, SyncContext, job, upsert, vendors
from rotations.models import Service

# Incidents created just before the last run may show up late; refetch this much.
OVERLAP = timedelta(hours=1)
PD_STATE = {
    "triggered": State.TRIGGERED,
    "acknowledged": State.ACKNOWLEDGED,
    "resolved": State.RESOLVED,
}
NOT_FOUND = "PagerDuty no longer finds this incident (404)"


def keep_local_knowledge(row: Incident, fields: dict[str, Any]) -> dict[str, Any]:
    """What we know better than the incoming record:

    - a newer change: a record PagerDuty last changed before the change the row last took
      (a webhook delivered while this run was reading) changes nothing
      (`incidents.upstream_order.supersedes`);
    - the first acknowledgement: an earlier one the log gave us stands, as long as it still
      fits between the (upstream-owned) start and resolution;
    - mitigated and canceled, states PagerDuty does not have, stand until it resolves.
    """
    if older_record(row, fields):
        return keep_record(row, fields)
    ack, started, resolved = row.acknowledged_at, fields["started_at"], fields["resolved_at"]
    incoming_ack = fields["acknowledged_at"]
    earlier = ack is not None and (incoming_ack is None or ack < incoming_ack)
    fits = ack is not None and ack >= started and (resolved is None or ack <= resolved)
    if earlier and fits:
        fields["acknowledged_at"] = ack
    if row.state in (State.MITIGATED, State.CANCELED) and fields["state"] != State.RESOLVED:
        fields["state"] = row.state
    return fields


INCIDENTS: Ownership[Incident] = Ownership(
    Incident,
    key=("source", "external_id"),
    # PagerDuty's record, and the flags for review the sync sets from it.
    upstream=(*PAGERDUTY_RECORD, "needs_review", "review_reason"),
    corrections={"severity": ("priority", "urgency")},
    links=("upstream_url",),
    merge=keep_local_knowledge,
)


def incident_fields(
    incident: pagerduty.PagerDutyIncident, services: Mapping[str, int]
) -> dict[str, Any]:
    """An upstream incident as an Incident row, with what does not add up flagged for review."""
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
        "source": Source.PAGERDUTY,
        "external_id": incident.id,
        "number": incident.number,
        "title": incident.title,
        "state": PD_STATE.get(incident.status, State.TRIGGERED),
        "severity": severity_from_pagerduty(
            incident.priority_name, incident.urgency, settings.PAGERDUTY_PRIORITY_SEVERITIES
        ),
        "urgency": incident.urgency or "",
        "priority": incident.priority_name or "",
        "service_id": services.get(incident.service_id or ""),
        "upstream_service_id": incident.service_id or "",
        "started_at": incident.created_at,
        "acknowledged_at": acknowledged_at,
        "resolved_at": resolved_at,
        "upstream_changed_at": incident.updated_at,
        "upstream_url": incident.html_url,
        "assignees": assignee_list(incident.assignees),
        "needs_review": bool(problems),
        "review_reason": "; ".join(problems),
    }


def store_incidents(
    incidents: list[pagerduty.PagerDutyIncident], services: Mapping[str, int]
) -> int:
    return upsert(INCIDENTS, (incident_fields(i, services) for i in incidents)).total


def _mapped_services() -> dict[str, int]:
    return dict(
        Service.objects.exclude(pagerduty_service_id="").values_list("pagerduty_service_id", "pk")
    )


@job(vendors.PAGERDUTY, "incidents", label="incidents", minutes=2)
def pagerduty_incidents(ctx: SyncContext) -> None:
    """Incidents created since the last run (minus an overlap), their first
    acknowledgements from the log, and every incident still open here or there."""
    config: pagerduty.Config = ctx.config
    since = _timestamp(ctx.cursor.get("incidents_since"))
    since = since - OVERLAP if since else ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    services = _mapped_services()
    unreadable = Unreadable(ctx)

    seen_open: set[str] = set()
    stream = pagerduty.iter_incidents(
        ctx.client, config, since=since, until=ctx.now, on_unreadable=unreadable
    )
    for chunk in ctx.batches(stream):
        ctx.fetched += len(chunk)
        ctx.written += store_incidents(chunk, services)
        seen_open.update(i.id for i in chunk if i.status != "resolved")
    ctx.note(f"{ctx.fetched} incident(s) since {since:%Y-%m-%d %H:%M} UTC")

    _acknowledgements(ctx, since)

    # Incidents opened before the window that are still open upstream.
    still_open = pagerduty.iter_incidents(
        ctx.client,
        config,
        since=None,
        statuses=("triggered", "acknowledged"),
        on_unreadable=unreadable,
    )
    for chunk in ctx.batches(still_open):
        ctx.fetched += len(chunk)
        ctx.written += store_incidents(chunk, services)
        seen_open.update(i.id for i in chunk)

    # Open here but neither open upstream nor in the window: resolved while we were away.
    stale = (
        Incident.objects.filter(
            source=Source.PAGERDUTY, state__in=OPEN_STATES, started_at__lt=since
        )
        .exclude(external_id__in=seen_open)
        .exclude(needs_review=True, review_reason__startswith=NOT_FOUND)
        .values_list("pk", "external_id", "title")
    )
    for pk, external_id, title in list(stale):
        try:
            incident = pagerduty.fetch_incident(ctx.client, config, external_id)
        except BadPayload as exc:
            ctx.flag(f"PagerDuty incident {external_id} is still unreadable ({exc})")
            continue
        except UpstreamError as exc:
            if exc.status != 404:
                raise
            # One incident PagerDuty cannot find must not stop every later sync.
            ctx.written += Incident.objects.filter(pk=pk).update(
                needs_review=True, review_reason=NOT_FOUND
            )
            ctx.flag(
                f"PagerDuty incident {external_id} (#{pk} “{title}”): not found (404); flagged for review"
            )
            continue
        ctx.fetched += 1
        ctx.written += store_incidents([incident], services)

    ctx.cursor["incidents_since"] = ctx.now.isoformat()
    if unreadable.count:
        ctx.flag(f"{unreadable.count} incident(s) stored incomplete and flagged for review")


def _acknowledgements(ctx: SyncContext, since: datetime) -> None:
    """First acknowledgements: `acknowledgements` is empty once resolved; the log keeps them."""
    config: pagerduty.Config = ctx.config
    try:
        acks = pagerduty.iter_acknowledgements(ctx.client, config, since=since, until=ctx.now)
        for chunk in ctx.batches(acks):
            ctx.written += apply_acknowledgements(pagerduty.first_acknowledgements(chunk))
        return
    except UpstreamError as exc:
        if exc.status not in (400, 404):
            raise
    # An API without the account-wide log: ask each unacknowledged incident instead.
    ctx.flag("the account-wide log is unavailable; acknowledgements read per incident")
    missing = Incident.objects.filter(
        source=Source.PAGERDUTY, started_at__gte=since, acknowledged_at__isnull=True
    ).values_list("external_id", flat=True)
    for external_id in list(missing):
        try:
            at = pagerduty.fetch_first_acknowledged_at(ctx.client, config, external_id)
        except UpstreamError as per_incident:
            if per_incident.status not in (400, 404):
                raise
            ctx.flag("no log entries served: acknowledgement times unknown")
            return
        if at is not None:
            ctx.written += apply_acknowledgements({external_id: at})


def apply_acknowledgements(first: Mapping[str, datetime]) -> int:
    """Set each incident's first acknowledgement, when it is earlier than the one stored and
    falls between its start and its resolution."""
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
        Incident.objects.bulk_update(updates, ["acknowledged_at"], batch_size=500)
    return len(updates)


class Unreadable:
    """Keeps an incident PagerDuty sent without a required field: stored with what is
    known and flagged for review, never dropped and never stalling the sync. A row already
    stored complete keeps its fields and is only flagged."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.count = 0

    def __call__(self, raw: Mapping[str, Any], error: BadPayload) -> None:
        external_id = one_line(raw.get("id"))[:64]
        self.count += 1
        if not external_id:
            self.ctx.flag(f"an incident without an id was skipped ({error})")
            return
        started = _timestamp(raw.get("created_at")) or _timestamp(raw.get("last_status_change_at"))
        reason = f"PagerDuty sent an incomplete record: {error}"
        if started is None:
            reason += "; start time is when it was first seen"
        row, created = Incident.objects.get_or_create(
            source=Source.PAGERDUTY,
            external_id=external_id,
            defaults={
                "title": one_line(raw.get("title") or raw.get("summary") or external_id, 300),
                "state": PD_STATE.get(str(raw.get("status")), State.TRIGGERED),
                "started_at": started or self.ctx.now,
                "upstream_url": http_url(raw.get("html_url")),
                "needs_review": True,
                "review_reason": fit(reason, 300),
            },
        )
        if created:
            self.ctx.written += 1
        elif not row.needs_review:
            row.needs_review, row.review_reason = True, fit(reason, 300)
            row.save(update_fields=["needs_review", "review_reason"])
            self.ctx.written += 1


def _timestamp(value: Any) -> datetime | None:
    """A timestamp from a record we could not normalize: unreadable is unknown, not an error."""
    try:
        return parse_instant(value)
    except ValueError:
        return None


# Issues edited just before the last run may be listed late; reread this much.
TICKETS_OVERLAP = timedelta(hours=1)


def pagerduty_web_hosts() -> tuple[str, ...]:
    """Hosts besides pagerduty.com whose `/incidents/<ID>` links are PagerDuty's: the API's
    own host when it is not PagerDuty's (a proxy, or the sandbox serving both)."""
    return (urlsplit(settings.PAGERDUTY_API_URL).netloc,)


def ticket_candidates(
    issues: list[github.Issue], *, extra_hosts: tuple[str, ...] = ()
) -> tuple[dict[int, github.Issue], list[str]]:
    """Incident pk -> the oldest issue naming it (by creation, then number), and the
    PagerDuty links that name no incident stored here, each in words."""
    refs = {
        i.number: incident_references(f"{i.title}\n{i.body}", extra_hosts=extra_hosts)
        for i in issues
    }
    numbers = {n for r in refs.values() for n in r.numbers}
    ids = {x for r in refs.values() for x in r.ids}
    if not numbers and not ids:
        return {}, []
    by_number: dict[int, int] = {}
    by_id: dict[str, int] = {}
    rows = Incident.objects.filter(source=Source.PAGERDUTY).filter(
        Q(number__in=numbers) | Q(external_id__in=ids)
    )
    for pk, number, external_id in rows.values_list("pk", "number", "external_id"):
        if number is not None:
            by_number[number] = pk
        by_id[external_id] = pk
    chosen: dict[int, github.Issue] = {}
    unknown: list[str] = []
    for issue in issues:
        found = refs[issue.number]
        pks = {by_number[n] for n in found.numbers if n in by_number}
        pks |= {by_id[x] for x in found.ids if x in by_id}
        unknown += [
            f"GitHub issue #{issue.number} links PagerDuty incident {x}, which is not synced here"
            for x in found.ids
            if x not in by_id
        ]
        for pk in pks:
            keep_oldest(chosen, pk, issue)
    return chosen, unknown


def keep_oldest(chosen: dict[int, github.Issue], pk: int, issue: github.Issue) -> None:
    """An incident named by two issues keeps the one opened first (then the lower number)."""
    held = chosen.get(pk)
    if held is None or (issue.created_at, issue.number) < (held.created_at, held.number):
        chosen[pk] = issue


def link_tickets(chosen: Mapping[int, github.Issue], *, now: datetime) -> int:
    """Link each issue as its incident's ticket where the incident has none (a ticket a
    person set, or one being created right now, stands), with a note in its timeline.
    Returns the incidents linked; a repeat with the same issues links none."""
    linked = 0
    free = Incident.objects.filter(pk__in=list(chosen), ticket_url="").filter(
        Q(ticket_requested_at__isnull=True) | Q(ticket_requested_at__lt=now - CLAIM_EXPIRES)
    )
    for incident in free.only("pk"):
        issue = chosen[incident.pk]
        url = http_url(issue.html_url)
        # Conditional: a person linking a ticket meanwhile keeps theirs.
        if not url or not Incident.objects.filter(pk=incident.pk, ticket_url="").update(
            ticket_url=url
        ):
            continue
        # Not `timeline_record`: a note the sync writes is no update to the partner teams,
        # so it must not reset a SEV1-2's 30-minute update clock.
        IncidentUpdate.objects.create(
            incident=incident,
            kind=UpdateKind.NOTE,
            text=f"Ticket linked from GitHub issue #{issue.number} “{one_line(issue.title, 200)}”, "
            f"which names this incident: {url}",
            at=now,
        )
        linked += 1
    return linked


@job(vendors.GITHUB, "incident_tickets", label="incident tickets", minutes=5)
def github_incident_tickets(ctx: SyncContext) -> None:
    """Issues updated since the last run (minus an hour; the first run, and every run until
    PagerDuty's incidents have synced once, reaches back SYNC_BACKFILL_DAYS) that name a PagerDuty incident by number or link (as the Slack
    incident workflow writes them) become that incident's ticket, when it has none."""
    config: github.Config = ctx.config
    cursor = _timestamp(ctx.cursor.get("issues_since"))
    if cursor is not None:
        since = min(cursor, ctx.now) - TICKETS_OVERLAP
    else:
        since = ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    hosts = pagerduty_web_hosts()

    def unreadable(raw: Mapping[str, Any], error: Exception) -> None:
        ctx.flag(f"GitHub issue {raw.get('number')!r} could not be read ({error})")

    chosen: dict[int, github.Issue] = {}
    stream = github.iter_issues(ctx.client, config, since=since, on_unreadable=unreadable)
    for chunk in ctx.batches(stream, 100):
        ctx.fetched += len(chunk)
        found, unknown = ticket_candidates(chunk, extra_hosts=hosts)
        for message in unknown:
            ctx.flag(message)
        for pk, issue in found.items():
            keep_oldest(chosen, pk, issue)
    ctx.written += link_tickets(chosen, now=ctx.now)
    ctx.note(
        f"{ctx.fetched} issue(s) since {since:%Y-%m-%d %H:%M} UTC; {ctx.written} ticket(s) linked"
    )
    read_to = pagerduty_caught_up(ctx.now)
    if read_to is not None:
        ctx.cursor["issues_since"] = read_to.isoformat()


def pagerduty_caught_up(now: datetime) -> datetime | None:
    """How far the issues have been read for good: up to PagerDuty's last successful sync
    (an issue opened before its incident arrived here is read again), None before the first
    one (the next run reads the whole backfill again). Without PagerDuty, up to `now`."""
    if pagerduty.config_from_settings() is None:
        return now
    last = (
        SyncJobState.objects.filter(job="pagerduty.incidents")
        .values_list("last_success_at", flat=True)
        .first()
    )
    return min(last, now) if last is not None else None


# The Datadog jobs, declared in their own module, register when this one is discovered,
# after PagerDuty's: a run of every job syncs the incidents before measuring around them.
from incidents import sync_datadog  # noqa: E402,F401

"""PagerDuty REST API v2 resources: incidents, acknowledgements (log entries), on-calls:
fetch -> normalize.

`iter_all` stops at offset 10,000, so incidents and log entries are fetched in time
windows, and a window that still holds more than that is resumed from the last
`created_at` seen instead of being cut short.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from oncall_site.integrations.errors import BadPayload
from oncall_site.integrations.pagerduty.client import (
    PAGERDUTY,
    Config,
    pdpyras,
    upstream_errors,
)
from oncall_site.integrations.pagerduty.types import (
    Acknowledgement,
    OnCall,
    PagerDutyIncident,
    PagerDutyUser,
)
from oncall_site.integrations.timestamps import isoformat_z

log = logging.getLogger(__name__)

MAX_RANGE = timedelta(days=180)  # /incidents: "Maximum range is 6 months"
ACKNOWLEDGE = "acknowledge_log_entry"


# Fetch


def _aware(until: datetime, since: datetime | None) -> datetime:
    """`until`, once both bounds are known to be aware (a naive one is a caller's bug, not
    a bad payload, so it fails before the translation below)."""
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"naive datetime {moment!r}: pass an aware one")
    return until


def iter_incidents(
    client: pdpyras.APISession,
    config: Config,
    *,
    since: datetime | None,
    until: datetime | None = None,
    statuses: Iterable[str] = (),
    acknowledged_at: Mapping[str, datetime] | None = None,
    on_unreadable: Callable[[Mapping[str, Any], BadPayload], None] | None = None,
) -> Iterator[PagerDutyIncident]:
    """Incidents created in [since, until) on the configured services, oldest first.

    An incident that cannot be normalized (a required field missing or malformed) raises
    BadPayload, unless `on_unreadable` is given: then it gets the raw payload and the
    error, and the stream goes on (one bad record must not stall every later poll).

    `since=None` asks for all time (`date_range=all`). Streams: one page in memory at a
    time. `acknowledged_at` (incident id -> first acknowledgement, e.g. from
    `first_acknowledgements(iter_acknowledgements(...))`) fills in acknowledgements that the
    incident itself no longer lists (empty once resolved).

    Reference: https://developer.pagerduty.com/api-reference/9d0b4b12e36f9-list-incidents
    """
    params: dict[str, Any] = {"sort_by": "created_at", "time_zone": "UTC"}
    if config.service_ids:
        params["service_ids[]"] = list(config.service_ids)
    if statuses:
        params["statuses[]"] = list(statuses)
    until = _aware(until or datetime.now(UTC), since)
    with upstream_errors(config):
        for raw in _iter_created(client, config, "/incidents", params, since=since, until=until):
            incident_id = str(raw.get("id", "")) if isinstance(raw, Mapping) else ""
            ack = (acknowledged_at or {}).get(incident_id)
            if on_unreadable is None:
                yield normalize_incident(raw, acknowledged_at=ack)
                continue
            try:
                incident = normalize_incident(raw, acknowledged_at=ack)
            except BadPayload as exc:
                on_unreadable(raw if isinstance(raw, Mapping) else {}, exc)
                continue
            yield incident


def fetch_incident(
    client: pdpyras.APISession, config: Config, incident_id: str
) -> PagerDutyIncident:
    """One incident by id (e.g. one open here that has left the sync window upstream).

    Reference: https://developer.pagerduty.com/api-reference/005299ed8b4e7-get-an-incident
    """
    with upstream_errors(config):
        return normalize_incident(client.rget(f"/incidents/{incident_id}"))


def iter_acknowledgements(
    client: pdpyras.APISession,
    config: Config,
    *,
    since: datetime,
    until: datetime | None = None,
) -> Iterator[Acknowledgement]:
    """Every `acknowledge_log_entry` logged in [since, until), across the account.

    An incident acknowledged twice yields twice: keep the earliest
    (`first_acknowledgements`). Uses the overview log (`is_overview`), which keeps the
    state changes and drops notifications, to fetch far fewer pages.

    Reference: https://developer.pagerduty.com/api-reference/c661e065403b5-list-log-entries
    """
    params: dict[str, Any] = {"is_overview": "true", "time_zone": "UTC"}
    until = _aware(until or datetime.now(UTC), since)
    with upstream_errors(config):
        for raw in _iter_created(client, config, "/log_entries", params, since=since, until=until):
            ack = normalize_acknowledgement(raw)
            if ack is not None:
                yield ack


def fetch_first_acknowledged_at(
    client: pdpyras.APISession, config: Config, incident_id: str
) -> datetime | None:
    """The first acknowledgement of one incident, from its own log entries.

    Reference: https://developer.pagerduty.com/api-reference/367ee2e2d5b3b-list-log-entries-for-an-incident
    """
    with upstream_errors(config):
        entries = client.iter_all(
            f"/incidents/{incident_id}/log_entries",
            params={"is_overview": "true", "time_zone": "UTC"},
            page_size=config.page_size,
        )
        acks = (normalize_acknowledgement(raw) for raw in entries)
        return first_acknowledgements(a for a in acks if a is not None).get(incident_id)


def iter_oncalls(
    client: pdpyras.APISession,
    config: Config,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    escalation_levels: Iterable[int] = (1, 2),
) -> Iterator[OnCall]:
    """Who is on call for the configured schedules, at escalation levels 1 and 2 by default.

    `/oncalls` has no escalation-level filter, so the levels are kept here. Without
    configured schedules nothing is fetched (the comparison with the rotation needs them).

    Reference: https://developer.pagerduty.com/api-reference/3a6b910f11050-list-all-of-the-on-calls
    """
    if not config.schedule_ids:
        return
    levels = set(escalation_levels)
    params: dict[str, Any] = {"schedule_ids[]": list(config.schedule_ids), "time_zone": "UTC"}
    if since is not None:
        params["since"] = isoformat_z(since)
    if until is not None:
        params["until"] = isoformat_z(until)
    with upstream_errors(config):
        for raw in client.iter_all("/oncalls", params=params, page_size=config.page_size):
            oncall = normalize_oncall(raw)
            if oncall.escalation_level in levels:
                yield oncall


@dataclass
class _Skip:
    """Records already yielded at the edge of a window that is being resumed."""

    at: datetime
    ids: set[str]
    newest_first: bool

    def covers(self, at: datetime, record_id: str) -> bool:
        if at == self.at:
            return record_id in self.ids
        return at > self.at if self.newest_first else at < self.at


def _windows(since: datetime, until: datetime, span: timedelta) -> list[tuple[datetime, datetime]]:
    windows = []
    while since < until:
        windows.append((since, min(since + span, until)))
        since = windows[-1][1]
    return windows


def _iter_created(
    client: pdpyras.APISession,
    config: Config,
    path: str,
    params: dict[str, Any],
    *,
    since: datetime | None,
    until: datetime,
) -> Iterator[dict[str, Any]]:
    """Raw records of a classic-paginated list, window by window on `created_at`.

    A window is read with `iter_all` until `max_offset - page_size` records; past that the
    window is narrowed to what is left (after the last `created_at` seen when the API sorts
    oldest first, before it when newest first) and read again, skipping records already
    yielded at the edge. So no request ever passes the offset cap and nothing is lost.
    """
    span = min(config.window, MAX_RANGE)
    cap = max(1, config.max_offset - config.page_size)
    pending: list[tuple[datetime | None, datetime, _Skip | None]]
    if since is None:
        pending = [(None, until, None)]
    else:
        pending = [(lo, hi, None) for lo, hi in _windows(since, until, span)]
    pending.reverse()  # a stack: the next window is at the end
    while pending:
        lo, hi, skip = pending.pop()
        query = dict(params)
        if lo is None:
            query["date_range"] = "all"
        else:
            query.update(since=isoformat_z(lo), until=isoformat_z(hi))
        records = client.iter_all(path, params=query, page_size=config.page_size)
        yielded = 0
        first_at = last_at = None
        edge: set[str] = set()
        for count, raw in enumerate(records, start=1):
            record = PAGERDUTY.mapping(raw, path)
            try:
                record_id = str(PAGERDUTY.required(record, "id", path))
                at = PAGERDUTY.required_timestamp(record, "created_at", path)
            except BadPayload:
                # Passed on for the caller to flag; it can't place the window's resume point.
                yield record
                continue
            first_at = first_at or at
            if at != last_at:
                edge = set()
            last_at = at
            edge.add(record_id)
            if skip is None or not skip.covers(at, record_id):
                yielded += 1
                yield record
            if count >= cap:
                break
        else:
            continue  # the window is complete
        records.close()
        assert first_at is not None and last_at is not None
        if yielded == 0:
            log.warning(
                "%s: %d or more records within a second of %s; the rest are skipped",
                path,
                cap,
                last_at,
            )
            continue
        newest_first = last_at < first_at
        if skip is not None and skip.at == last_at:
            edge |= skip.ids
        next_skip = _Skip(at=last_at, ids=edge, newest_first=newest_first)
        if newest_first:
            # A second of overlap on the open side: the skip drops what was already seen.
            pending.append((lo, last_at + timedelta(seconds=1), next_skip))
        else:
            rest = _windows(last_at - timedelta(seconds=1), hi if lo is not None else until, span)
            pending.extend((a, b, next_skip) for a, b in reversed(rest))


# Normalize


def _user(raw: object) -> PagerDutyUser | None:
    if not isinstance(raw, Mapping) or not raw.get("id"):
        return None
    return PagerDutyUser(
        id=str(raw["id"]), name=str(raw.get("name") or raw.get("summary") or raw["id"])
    )


def normalize_incident(
    raw: Mapping[str, Any], *, acknowledged_at: datetime | None = None
) -> PagerDutyIncident:
    """One `incident` object. `acknowledged_at` (from the log entries) wins over the
    incident's own `acknowledgements`, which PagerDuty empties once the incident resolves.

    Reference: https://developer.pagerduty.com/api-reference/005299ed8b4e7-get-an-incident
    """
    raw = PAGERDUTY.mapping(raw, "incident")
    incident_id = str(PAGERDUTY.required(raw, "id", "incident"))
    what = f"incident {incident_id}"
    created_at = PAGERDUTY.required_timestamp(raw, "created_at", what)
    status = str(PAGERDUTY.required(raw, "status", what))
    service = raw.get("service") if isinstance(raw.get("service"), Mapping) else None
    priority = raw.get("priority") if isinstance(raw.get("priority"), Mapping) else None
    last_change = PAGERDUTY.timestamp(raw.get("last_status_change_at"), "last_status_change_at")
    updated_at = PAGERDUTY.timestamp(raw.get("updated_at"), "updated_at") or last_change
    resolved_at = PAGERDUTY.timestamp(raw.get("resolved_at"), "resolved_at")
    if resolved_at is None and status == "resolved":
        resolved_at = last_change  # older payloads lack resolved_at; the last change is it
    if acknowledged_at is None:
        acks = [
            PAGERDUTY.timestamp(a.get("at"), "acknowledgements.at")
            for a in raw.get("acknowledgements") or ()
            if isinstance(a, Mapping)
        ]
        acknowledged_at = min((a for a in acks if a is not None), default=None)
    assignees = tuple(
        user
        for user in (
            _user(a.get("assignee")) for a in raw.get("assignments") or () if isinstance(a, Mapping)
        )
        if user is not None
    )
    number = raw.get("incident_number")
    return PagerDutyIncident(
        id=incident_id,
        number=int(number) if number is not None else None,
        title=str(raw.get("title") or raw.get("summary") or incident_id),
        status=status,
        urgency=PAGERDUTY.text(raw, "urgency"),
        priority_name=(priority.get("name") or priority.get("summary")) if priority else None,
        service_id=PAGERDUTY.text(service, "id"),
        service_name=(service.get("name") or service.get("summary")) if service else None,
        created_at=created_at,
        resolved_at=resolved_at,
        acknowledged_at=acknowledged_at,
        last_status_change_at=last_change,
        html_url=str(raw.get("html_url") or ""),
        assignees=assignees,
        escalation_policy_name=PAGERDUTY.nested(raw, "escalation_policy", "summary"),
        incident_key=PAGERDUTY.text(raw, "incident_key"),
        updated_at=updated_at,
    )


def normalize_acknowledgement(raw: Mapping[str, Any]) -> Acknowledgement | None:
    """An `acknowledge_log_entry` as an Acknowledgement; any other log entry type is None.

    Reference: https://developer.pagerduty.com/api-reference/c661e065403b5-list-log-entries
    """
    raw = PAGERDUTY.mapping(raw, "log entry")
    if raw.get("type") != ACKNOWLEDGE:
        return None
    incident_id = PAGERDUTY.nested(raw, "incident", "id")
    if not incident_id:
        raise PAGERDUTY.bad(f"log entry {raw.get('id')!r} names no incident")
    return Acknowledgement(
        incident_id=str(incident_id),
        at=PAGERDUTY.required_timestamp(raw, "created_at", "log entry"),
        by=_user(raw.get("agent")),
    )


def first_acknowledgements(acks: Iterable[Acknowledgement]) -> dict[str, datetime]:
    """Incident id -> its earliest acknowledgement (the one MTTA counts).

    Reference: https://support.pagerduty.com/main/docs/incidents#incident-log
    """
    first: dict[str, datetime] = {}
    for ack in acks:
        if ack.incident_id not in first or ack.at < first[ack.incident_id]:
            first[ack.incident_id] = ack.at
    return first


def normalize_oncall(raw: Mapping[str, Any]) -> OnCall:
    """One entry of `/oncalls`.

    Reference: https://developer.pagerduty.com/api-reference/3a6b910f11050-list-all-of-the-on-calls
    """
    raw = PAGERDUTY.mapping(raw, "on-call")
    user = _user(raw.get("user"))
    if user is None:
        raise PAGERDUTY.bad("on-call entry has no user")
    level = PAGERDUTY.required(raw, "escalation_level", "on-call entry")
    return OnCall(
        schedule_id=PAGERDUTY.nested(raw, "schedule", "id"),
        escalation_level=int(level),
        user_id=user.id,
        user_name=user.name,
        start=PAGERDUTY.timestamp(raw.get("start"), "start"),
        end=PAGERDUTY.timestamp(raw.get("end"), "end"),
        escalation_policy_id=PAGERDUTY.nested(raw, "escalation_policy", "id"),
    )

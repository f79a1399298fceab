"""Fake PagerDuty REST API v2: incidents, log entries, on-calls, schedules, services.

Behaviour kept from the real API because integrations trip over it:
- classic pagination: `offset`/`limit` (default 25, at most 100), `more`, and `total` only
  when `total=true` (else null); `offset + limit` past 10,000 is refused with 400;
- `/incidents` covers one month up to now unless `since`/`until` say otherwise (at most
  six months apart) or `date_range=all`; `since` <= created_at < `until`; `/log_entries`
  also defaults to the last month;
- timestamps render in UTC for incidents but in the account's zone (America/New_York) for
  log entries and on-calls unless `time_zone` says otherwise; `since`/`until` without an
  offset are read in the account's zone;
- `acknowledgements` and `assignments` are empty once an incident is resolved: the
  acknowledge time survives only as an `acknowledge_log_entry`;
- `priority` is null when unset; `resolved_at` is null while open;
- log entries come newest first.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from . import web_pages
from .dataset import Dataset
from .faults import Fault
from .models import JSON, Incident, LogEntry, OncallShift
from .server import BadRequest, NotFound, Request, Response, SandboxState, Vendor, route
from .timeutil import iso, iso_or_none, parse_instant, zone

T = TypeVar("T")
MAX_OFFSET = 10_000
MAX_RANGE = timedelta(days=184)  # "six months", with room for the longest six
DEFAULT_RANGE = timedelta(days=30)
ERROR_CODES = {400: 2001, 401: 2006, 403: 2010, 404: 2100, 429: 2020}
SORT_FIELDS = {"incident_number", "created_at", "resolved_at", "urgency"}


class PagerDuty(Vendor):
    name = "pagerduty"

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.routes = [
            *web_pages.pagerduty_pages(self),  # before the API's own /incidents/{id}
            route("GET", "/incidents", "pagerduty.incidents", self.list_incidents),
            route("GET", "/incidents/{incident_id}", "pagerduty.incident", self.get_incident),
            route(
                "GET",
                "/incidents/{incident_id}/log_entries",
                "pagerduty.incident_log_entries",
                self.incident_log,
            ),
            route("GET", "/log_entries", "pagerduty.log_entries", self.list_log_entries),
            route("GET", "/oncalls", "pagerduty.oncalls", self.list_oncalls),
            route("GET", "/schedules", "pagerduty.schedules", self.list_schedules),
            route("GET", "/services", "pagerduty.services", self.list_services),
        ]

    # --- shapes --------------------------------------------------------------------------

    def error(self, status: int, message: str) -> Response:
        error: JSON = {"message": message, "code": ERROR_CODES.get(status, 2000 + status)}
        if status == 400:
            error = {"message": "Invalid Input Provided", "code": 2001, "errors": [message]}
        return Response.json(status, {"error": error})

    def unauthorized(self) -> Response:
        return self.error(401, "Authentication failed")

    def rate_limited(self, fault: Fault) -> Response:
        resp = self.error(fault.status or 429, "Rate Limit Exceeded")
        resp.headers.update(
            {
                "Retry-After": str(fault.retry_after),
                "ratelimit-limit": "960",
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(fault.retry_after),
            }
        )
        return resp

    def authenticate(self, req: Request) -> Response | None:
        header = req.headers.get("authorization", "")
        prefix = "token token="
        if not header.lower().startswith(prefix) or not hmac.compare_digest(
            header[len(prefix) :].strip().encode(), self.state.tokens.pagerduty.encode()
        ):
            return self.unauthorized()
        return None

    # --- helpers -------------------------------------------------------------------------

    def paginate(self, req: Request, items: Sequence[T]) -> tuple[Sequence[T], JSON]:
        limit = req.int_arg("limit", 25, hi=100)
        limit = 25 if limit <= 0 else limit
        offset = req.int_arg("offset", 0, lo=0)
        if offset + limit > MAX_OFFSET:
            raise BadRequest(
                f"Offset must be less than {MAX_OFFSET} (offset + limit, here {offset + limit})."
            )
        chunk = items[offset : offset + limit]
        more = offset + len(chunk) < len(items)
        if req.empty_page:
            chunk, more = [], True
        wants_total = (req.arg("total") or "").lower() in {"true", "1"}
        return chunk, {
            "limit": limit,
            "offset": offset,
            "more": more,
            "total": len(items) if wants_total else None,
        }

    def _zone(self, req: Request, default: tzinfo | None) -> tzinfo | None:
        try:
            return zone(req.arg("time_zone"), default)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None

    def _instant(self, req: Request, name: str, ds: Dataset) -> datetime | None:
        raw = req.arg(name)
        if raw is None or raw == "":
            return None
        try:
            return parse_instant(raw, ds.tz)
        except ValueError:
            raise BadRequest(f"{name} is not a valid date: {raw!r}") from None

    def _web(self, ds: Dataset) -> str:
        # The pages are served here, on loopback (web_pages.py), not at <subdomain>.pagerduty.com.
        return self.state.web.get("pagerduty", f"https://{ds.facts.pd_subdomain}.pagerduty.com")

    def ref(self, req: Request, ds: Dataset, kind: str, ident: str, summary: str | None) -> JSON:
        collection = {
            "service": "services",
            "user": "users",
            "schedule": "schedules",
            "team": "teams",
            "escalation_policy": "escalation_policies",
            "incident": "incidents",
        }[kind]
        web_path = "service-directory" if kind == "service" else collection
        return {
            "id": ident,
            "type": f"{kind}_reference",
            "summary": summary,
            "self": f"{req.base_url}/{collection}/{ident}",
            "html_url": f"{self._web(ds)}/{web_path}/{ident}",
        }

    def user_ref(self, req: Request, ds: Dataset, user_id: str) -> JSON:
        person = ds.facts.person(user_id)
        return self.ref(req, ds, "user", user_id, person.name if person else user_id)

    def service_ref(self, req: Request, ds: Dataset, service_id: str) -> JSON:
        service = ds.facts.service(service_id)
        return self.ref(req, ds, "service", service_id, service.name if service else service_id)

    def team_refs(self, req: Request, ds: Dataset) -> list[JSON]:
        return [self.ref(req, ds, "team", ds.facts.team_id, ds.facts.team_name)]

    def policy_ref(self, req: Request, ds: Dataset) -> JSON:
        return self.ref(
            req,
            ds,
            "escalation_policy",
            ds.facts.escalation_policy_id,
            ds.facts.escalation_policy_name,
        )

    # --- rendering -----------------------------------------------------------------------

    def incident(
        self, req: Request, ds: Dataset, inc: Incident, now: datetime, tz: tzinfo | None
    ) -> JSON:
        status = inc.status(now)
        assignee = ds.assignee(inc)
        changes = [
            t
            for t in (inc.created_at, inc.acknowledged_at, inc.resolved_at)
            if t is not None and t <= now
        ]
        last_change = max(changes)
        if status == "resolved":
            changed_by = (
                self.user_ref(req, ds, inc.resolved_by)
                if inc.resolved_by
                else self.service_ref(req, ds, inc.service_id)
            )
        elif status == "acknowledged":
            changed_by = self.user_ref(req, ds, inc.acknowledged_by or assignee)
        else:
            changed_by = self.service_ref(req, ds, inc.service_id)
        trigger = ds.derived_entry(inc, 0)
        priority = None
        if inc.priority is not None:
            pid = ds.facts.priority_id(inc.priority)
            priority = {
                "id": pid,
                "type": "priority_reference",
                "summary": inc.priority,
                "self": f"{req.base_url}/priorities/{pid}",
            }
        payload: JSON = {
            "id": inc.id,
            "type": "incident",
            "summary": f"[#{inc.number}] {inc.title}",
            "self": f"{req.base_url}/incidents/{inc.id}",
            "html_url": f"{self._web(ds)}/incidents/{inc.id}",
            "incident_number": inc.number,
            "title": inc.title,
            "created_at": iso(inc.created_at, tz),
            "updated_at": iso(last_change, tz),
            "status": status,
            "incident_key": inc.incident_key or inc.id.lower(),
            "service": self.service_ref(req, ds, inc.service_id),
            "assignments": []
            if status == "resolved"
            else [{"at": iso(inc.created_at, tz), "assignee": self.user_ref(req, ds, assignee)}],
            "assigned_via": "escalation_policy",
            "last_status_change_at": iso(last_change, tz),
            "last_status_change_by": changed_by,
            "resolved_at": iso_or_none(inc.resolved_at, tz) if status == "resolved" else None,
            "first_trigger_log_entry": {
                "id": trigger.id,
                "type": "trigger_log_entry_reference",
                "summary": trigger.summary,
                "self": f"{req.base_url}/log_entries/{trigger.id}?incident_id={inc.id}",
                "html_url": f"{self._web(ds)}/incidents/{inc.id}/log_entries/{trigger.id}",
            },
            "alert_counts": {
                "all": 1,
                "triggered": 0 if status == "resolved" else 1,
                "resolved": 1 if status == "resolved" else 0,
            },
            "is_mergeable": True,
            "incident_type": {"name": "incident_default"},
            "escalation_policy": self.policy_ref(req, ds),
            "teams": self.team_refs(req, ds),
            "pending_actions": [],
            "acknowledgements": []
            if status != "acknowledged" or inc.acknowledged_at is None
            else [
                {
                    "at": iso(inc.acknowledged_at, tz),
                    "acknowledger": self.user_ref(req, ds, inc.acknowledged_by or assignee),
                }
            ],
            "priority": priority,
            "urgency": inc.urgency,
            "incidents_responders": [],
            "responder_requests": [],
        }
        return {**payload, **inc.extra} if inc.extra else payload

    def log_entry(self, req: Request, ds: Dataset, entry: LogEntry, tz: tzinfo | None) -> JSON:
        inc = ds.incident(entry.incident_id)
        service_id = inc.service_id if inc else "PUNKNWN"
        agent = (
            self.user_ref(req, ds, entry.agent_id)
            if entry.agent_id
            else self.service_ref(req, ds, service_id)
        )
        payload: JSON = {
            "id": entry.id,
            "type": entry.type,
            "summary": entry.summary,
            "self": f"{req.base_url}/log_entries/{entry.id}?incident_id={entry.incident_id}",
            "html_url": f"{self._web(ds)}/incidents/{entry.incident_id}/log_entries/{entry.id}",
            "created_at": iso(entry.created_at, tz),
            "agent": agent,
            "channel": {"type": entry.channel},
            "service": self.service_ref(req, ds, service_id),
            "incident": self.ref(
                req,
                ds,
                "incident",
                entry.incident_id,
                f"[#{inc.number}] {inc.title}" if inc else None,
            ),
            "teams": self.team_refs(req, ds),
            "contexts": [],
        }
        if entry.type == "trigger_log_entry":
            payload["event_details"] = {"description": inc.title if inc else entry.summary or ""}
        return {**payload, **entry.extra} if entry.extra else payload

    # --- endpoints -----------------------------------------------------------------------

    def list_incidents(self, req: Request) -> Response:
        ds, now = self.state.snapshot()
        tz = self._zone(req, None)
        incidents: Sequence[Incident]
        if req.arg("date_range") == "all":
            incidents = ds.incidents.upto(now)
        else:
            since, until = self._instant(req, "since", ds), self._instant(req, "until", ds)
            until = until or now + timedelta(seconds=1)
            since = since or until - DEFAULT_RANGE
            if since > until:
                raise BadRequest("since must be before until")
            if until - since > MAX_RANGE:
                raise BadRequest("The date range must be 6 months or less.")
            lo, hi = ds.incidents.window(since, until, now)
            incidents = ds.incidents[lo:hi]
        filters: list[Callable[[Incident], bool]] = []
        if statuses := set(req.args("statuses[]")):
            filters.append(lambda i: i.status(now) in statuses)
        if services := set(req.args("service_ids[]")):
            filters.append(lambda i: i.service_id in services)
        if urgencies := set(req.args("urgencies[]")):
            filters.append(lambda i: i.urgency in urgencies)
        if users := set(req.args("user_ids[]")):
            filters.append(lambda i: i.status(now) != "resolved" and ds.assignee(i) in users)
        if teams := set(req.args("team_ids[]")):
            filters.append(lambda i: ds.facts.team_id in teams)
        if (key := req.arg("incident_key")) is not None:
            filters.append(lambda i: (i.incident_key or i.id.lower()) == key)
        selected: Sequence[Incident] = (
            [i for i in incidents if all(f(i) for f in filters)] if filters else incidents
        )
        selected = self._sort(req, selected, now)
        page, meta = self.paginate(req, selected)
        return Response.json(
            200, {"incidents": [self.incident(req, ds, i, now, tz) for i in page], **meta}
        )

    def _sort(
        self, req: Request, incidents: Sequence[Incident], now: datetime
    ) -> Sequence[Incident]:
        spec = ",".join(req.args("sort_by[]") or req.args("sort_by"))
        if not spec:
            return incidents  # created_at ascending already
        ordered = list(incidents)
        fields = [part.strip() for part in spec.split(",") if part.strip()]
        if len(fields) > 2:
            raise BadRequest("sort_by accepts at most two fields")
        for part in reversed(fields):  # stable sorts: the first field ends up primary
            name, _, direction = part.partition(":")
            if name not in SORT_FIELDS or direction not in {"", "asc", "desc"}:
                raise BadRequest(f"Invalid sort_by: {part!r}")
            key: Callable[[Incident], Any] = {
                "incident_number": lambda i: i.number,
                "created_at": lambda i: i.created_at,
                "resolved_at": lambda i: (
                    i.status(now) != "resolved",
                    i.resolved_at or i.created_at,
                ),
                "urgency": lambda i: i.urgency == "high",
            }[name]
            ordered.sort(key=key, reverse=direction == "desc")
        return ordered

    def get_incident(self, req: Request, incident_id: str) -> Response:
        ds, now = self.state.snapshot()
        inc = ds.incident(incident_id)
        if inc is None or inc.created_at > now:
            raise NotFound("Incident Not Found")
        return Response.json(
            200, {"incident": self.incident(req, ds, inc, now, self._zone(req, None))}
        )

    def incident_log(self, req: Request, incident_id: str) -> Response:
        ds, now = self.state.snapshot()
        inc = ds.incident(incident_id)
        if inc is None or inc.created_at > now:
            raise NotFound("Incident Not Found")
        tz = self._zone(req, ds.tz)
        since, until = self._instant(req, "since", ds), self._instant(req, "until", ds)
        entries = [
            e
            for e in ds.incident_log(inc, now)
            if (since is None or e.created_at >= since) and (until is None or e.created_at < until)
        ]
        page, meta = self.paginate(req, entries)
        return Response.json(
            200, {"log_entries": [self.log_entry(req, ds, e, tz) for e in page], **meta}
        )

    def list_log_entries(self, req: Request) -> Response:
        ds, now = self.state.snapshot()
        tz = self._zone(req, ds.tz)
        since, until = self._instant(req, "since", ds), self._instant(req, "until", ds)
        until = until or now + timedelta(seconds=1)
        since = since or until - DEFAULT_RANGE
        if since > until:
            raise BadRequest("since must be before until")
        entries: Sequence[LogEntry] = ds.log_window(since, until, now)
        if (req.arg("is_overview") or "").lower() == "true":
            important = {
                "trigger_log_entry",
                "acknowledge_log_entry",
                "resolve_log_entry",
                "escalate_log_entry",
            }
            entries = [e for e in entries if e.type in important]
        if teams := set(req.args("team_ids[]")):
            entries = entries if ds.facts.team_id in teams else []
        page, meta = self.paginate(req, entries)
        return Response.json(
            200, {"log_entries": [self.log_entry(req, ds, e, tz) for e in page], **meta}
        )

    def list_oncalls(self, req: Request) -> Response:
        ds, now = self.state.snapshot()
        tz = self._zone(req, ds.tz)
        since = self._instant(req, "since", ds) or now
        until = self._instant(req, "until", ds) or since
        if until < since:
            raise BadRequest("until cannot be before since")
        shifts = ds.oncalls(since, until)
        if schedules := set(req.args("schedule_ids[]")):
            shifts = [s for s in shifts if s.schedule_id in schedules]
        if users := set(req.args("user_ids[]")):
            shifts = [s for s in shifts if s.user_id in users]
        if policies := set(req.args("escalation_policy_ids[]")):
            shifts = shifts if ds.facts.escalation_policy_id in policies else []
        if (req.arg("earliest") or "").lower() == "true":
            first: dict[tuple[int, str], OncallShift] = {}
            for shift in shifts:
                first.setdefault((shift.escalation_level, shift.user_id), shift)
            shifts = sorted(first.values(), key=lambda s: (s.escalation_level, s.start))
        page, meta = self.paginate(req, shifts)
        rendered = []
        for shift in page:
            schedule = ds.facts.schedule(shift.schedule_id)
            rendered.append(
                {
                    "escalation_policy": self.policy_ref(req, ds),
                    "escalation_level": shift.escalation_level,
                    "schedule": self.ref(
                        req, ds, "schedule", shift.schedule_id, schedule.name if schedule else None
                    ),
                    "user": self.user_ref(req, ds, shift.user_id),
                    "start": iso(shift.start, tz),
                    "end": iso(shift.end, tz),
                }
            )
        return Response.json(200, {"oncalls": rendered, **meta})

    def list_schedules(self, req: Request) -> Response:
        ds, _ = self.state.snapshot()
        query = (req.arg("query") or "").lower()
        schedules = [s for s in ds.facts.schedules if query in s.name.lower()]
        page, meta = self.paginate(req, schedules)
        users = [self.user_ref(req, ds, uid) for uid in ds.facts.rotation]
        rendered = [
            {
                "id": s.id,
                "type": "schedule",
                "summary": s.name,
                "self": f"{req.base_url}/schedules/{s.id}",
                "html_url": f"{self._web(ds)}/schedules/{s.id}",
                "name": s.name,
                "time_zone": ds.facts.account_tz,
                "description": f"Escalation level {s.escalation_level}: two-week sprint rotation",
                "escalation_policies": [self.policy_ref(req, ds)],
                "users": users,
                "teams": self.team_refs(req, ds),
            }
            for s in page
        ]
        return Response.json(200, {"schedules": rendered, **meta})

    def list_services(self, req: Request) -> Response:
        ds, now = self.state.snapshot()
        query = (req.arg("query") or req.arg("name") or "").lower()
        services = sorted(
            (s for s in ds.facts.services if query in s.name.lower()),
            key=lambda s: s.name,
            reverse=req.arg("sort_by") == "name:desc",
        )
        open_by_service: dict[str, str] = {}
        last_by_service: dict[str, datetime] = {}
        for inc in ds.incidents.upto(now)[-500:]:
            last_by_service[inc.service_id] = inc.created_at
            if inc.status(now) != "resolved":
                worst = "critical" if inc.urgency == "high" else "warning"
                if open_by_service.get(inc.service_id) != "critical":
                    open_by_service[inc.service_id] = worst
        page, meta = self.paginate(req, services)
        rendered = []
        for s in page:
            item: JSON = {
                "id": s.id,
                "type": "service",
                "summary": s.name,
                "self": f"{req.base_url}/services/{s.id}",
                "html_url": f"{self._web(ds)}/service-directory/{s.id}",
                "name": s.name,
                "description": f"{s.description} ({s.team})",
                "auto_resolve_timeout": 14400,
                "acknowledgement_timeout": 1800,
                "created_at": iso(datetime(2023, 4, 3, 14, tzinfo=UTC), ds.tz),
                "status": open_by_service.get(s.id, "active"),
                "escalation_policy": self.policy_ref(req, ds),
                "teams": self.team_refs(req, ds),
                "integrations": [],
                "alert_creation": "create_alerts_and_incidents",
                "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            }
            if s.id in last_by_service:
                item["last_incident_timestamp"] = iso(last_by_service[s.id], ds.tz)
            rendered.append(item)
        return Response.json(200, {"services": rendered, **meta})

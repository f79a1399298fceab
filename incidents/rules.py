"""What an incident or a Datadog monitor means for the pair on call, decided in one place.

The incident list, the detail page, the alerts page, the dashboard, the handoff report and
the API show these markers; they are decided here, not in templates or views (DESIGN.md:
"Templates format; they decide nothing"). Each rule reads plain attributes, so a model
instance or any object with the same fields will do (the tests use small dataclasses),
and takes `now` from its caller: nothing here reads the clock or the database.

Where a page counts or filters by a rule in SQL, the rule's `Q` form sits beside it, and a
test checks the two agree row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.db.models import Q

from incidents.metrics import update_overdue
from incidents.models import OPEN_STATES, State

# An incident


class TicketFields(Protocol):
    state: str
    ticket_url: str


def owes_ticket(incident: TicketFields) -> bool:
    """Every incident must have a ticket (DESIGN.md), canceled ones excepted: a false alarm
    or a duplicate is no work to track. Until a ticket is linked, the incident owes one."""
    return incident.state != State.CANCELED and not incident.ticket_url


OWES_TICKET = Q(ticket_url="") & ~Q(state=State.CANCELED)
"""`owes_ticket` in SQL, to count and filter incidents by it."""


class UpdateFields(Protocol):
    state: str
    severity: str
    started_at: datetime
    last_update_at: datetime | None


def overdue_for_update(incident: UpdateFields, *, now: datetime) -> bool:
    """A SEV1-2 incident still open (triggered, acknowledged or mitigated) owes the partner
    teams an update every 30 minutes: it is overdue once more than 30 minutes have passed
    since its last timeline update, or since it started when it has none. Exactly 30
    minutes is due, not yet overdue; minutes are real minutes (UTC), so a night with a DST
    change is not an hour off. Resolved and canceled incidents owe nothing.

    The arithmetic is `metrics.update_overdue`; this rule adds what the row's state says.
    """
    if incident.state not in OPEN_STATES:
        return False
    return update_overdue(
        incident.severity or None, incident.last_update_at, incident.started_at, None, now
    )


class MarkerFields(TicketFields, UpdateFields, Protocol):
    needs_review: bool
    review_reason: str


@dataclass(frozen=True)
class Markers:
    """The flags shown beside an incident wherever it is listed."""

    update_overdue: bool
    owes_ticket: bool
    needs_review: bool
    review_reason: str = ""

    @property
    def any(self) -> bool:
        return self.update_overdue or self.owes_ticket or self.needs_review


def incident_markers(incident: MarkerFields, *, now: datetime) -> Markers:
    return Markers(
        update_overdue=overdue_for_update(incident, now=now),
        owes_ticket=owes_ticket(incident),
        needs_review=incident.needs_review,
        review_reason=incident.review_reason if incident.needs_review else "",
    )


def service_team_counts_as_impacted(
    *, state: str, has_recorded_impact: bool, team_is_platform: bool | None
) -> bool:
    """With no impact recorded, the metrics count the partner team owning the incident's
    service as impacted, from the start until it was mitigated (or resolved). Not the
    platform team: its own services are what the partner teams deploy onto. Not for a
    canceled incident, which counts for nothing. `team_is_platform` is None when the
    incident has no service (or the service no team): nobody is implied then.

    `selectors_metrics.incident_facts` applies the same rule to the metrics' rows.
    """
    return not has_recorded_impact and team_is_platform is False and state != State.CANCELED


# A Datadog monitor


class IncidentFields(Protocol):
    state: str
    external_id: str

    @property
    def is_open(self) -> bool: ...


class MonitorFields(Protocol):
    monitor_id: int
    firing_since: datetime
    incident: IncidentFields | None


def firing_key(monitor: MonitorFields) -> str:
    """The incident key of one firing of a monitor (the incident's `external_id`): a monitor
    that recovers and fires again later is a new incident, a second click on the same
    firing is not."""
    return f"{monitor.monitor_id}:{int(monitor.firing_since.timestamp())}"[:64]


def firing_incident(monitor: MonitorFields) -> IncidentFields | None:
    """The incident a click on the monitor opens instead of declaring a new one: its
    incident while that is open, or, once closed, if it was declared for this same firing.
    None: a click declares a new incident."""
    incident = monitor.incident
    if incident is not None and (incident.is_open or incident.external_id == firing_key(monitor)):
        return incident
    return None


# What a monitor's tags say (Datadog's `key:value` tags: `service:svc-bip-api`, `priority:p2`).

PRIORITY_SEVERITY = {"p1": "SEV1", "p2": "SEV2", "p3": "SEV3", "p4": "SEV4", "p5": "SEV4"}


def tag_value(tags: Iterable[str], key: str) -> str | None:
    """The value of the first `key:value` tag (key case-insensitive, value trimmed); None
    when there is none or it is empty."""
    prefix = f"{key.lower()}:"
    for tag in tags:
        if tag.lower().startswith(prefix):
            value = tag[len(prefix) :].strip()
            if value:
                return value
    return None


def monitor_severity(tags: Iterable[str]) -> str:
    """The severity an incident declared from the monitor starts with: from its priority
    tag (`priority:p1` SEV1, p2 SEV2, p3 SEV3, p4 and p5 SEV4) or a `severity:sev2` tag;
    "" (to be rated) when neither says. A person can change it on the incident."""
    tags = list(tags)
    priority = (tag_value(tags, "priority") or "").lower()
    if priority in PRIORITY_SEVERITY:
        return PRIORITY_SEVERITY[priority]
    severity = (tag_value(tags, "severity") or "").upper().replace(" ", "")
    return severity if severity in {"SEV1", "SEV2", "SEV3", "SEV4"} else ""


# A GitHub issue's text: which PagerDuty incidents it names

# "PagerDuty #1234", "PagerDuty incident 1234", "PD-1234", "Incident #1234", "incident: 1234".
_NAMED_NUMBER = re.compile(
    r"(?<![\w/#-])(?:pagerduty(?:\s+incident)?|pd|incident)\s*(?:[:#-]\s*)?#?\s*(\d{1,9})\b"
    r"(?![-./:]\d)(?!\s+on the on-call dashboard)",
    re.IGNORECASE,
)
# An incident page: https://<subdomain>.pagerduty.com/incidents/Q1ABC2DEF3[/timeline][?...]
_INCIDENT_LINK = re.compile(r"https?://([^/\s)\]>\"']+)/incidents/([A-Za-z0-9]{5,20})\b")


@dataclass(frozen=True)
class IncidentReferences:
    """The PagerDuty incidents a text names: by number, and by the id in a link."""

    numbers: tuple[int, ...] = ()
    ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.numbers or self.ids)


def pagerduty_host(host: str, extra_hosts: Iterable[str] = ()) -> bool:
    """pagerduty.com and its subdomains (each account's web app is `<subdomain>.pagerduty.com`),
    and the hosts passed in (where PagerDuty's API answers elsewhere, its pages do too)."""
    host = host.lower()
    bare = host.split(":", 1)[0]
    return (
        bare == "pagerduty.com"
        or bare.endswith(".pagerduty.com")
        or host in {h.lower() for h in extra_hosts}
    )


def incident_references(text: str, *, extra_hosts: Iterable[str] = ()) -> IncidentReferences:
    """The PagerDuty incidents a GitHub issue's title or body names, as the team's Slack
    incident workflow writes them:

    - by number, after "PagerDuty", "PagerDuty incident", "PD" or "Incident" (any case),
      with or without `#`, `:` or `-` between: "PagerDuty #1234", "Incident 1234",
      "incident: #1234", "PD-1234";
    - by link to the incident's page, `https://<subdomain>.pagerduty.com/incidents/<ID>`
      (a longer path or a query after the id is fine; `extra_hosts` adds hosts, e.g. a
      sandbox's).

    Not references: a bare "#1234" (GitHub's own issue and PR references: "fixes #1234",
    "PR #1234"), "incidents" in the plural, a number that is part of a date, version or
    time ("Incident 2026-03-11", "incident 1.2"), a word ending in "incident"
    ("postincident 12"), an "/incidents/" link on any other host, and "Incident #N on the
    on-call dashboard", the back-link this site writes in the tickets it opens (its N is
    the site's own incident number, not PagerDuty's). Numbers and ids come out sorted,
    each once; the caller decides which name an incident it knows.
    """
    numbers = {int(m.group(1)) for m in _NAMED_NUMBER.finditer(text)}
    ids = {
        m.group(2) for m in _INCIDENT_LINK.finditer(text) if pagerduty_host(m.group(1), extra_hosts)
    }
    return IncidentReferences(numbers=tuple(sorted(numbers)), ids=tuple(sorted(ids)))

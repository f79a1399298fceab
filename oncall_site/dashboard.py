"""The dashboard composed from the apps' selectors: what needs the pair on call now, and
the cards' figures, each with the address of the rows behind it.

The page passes what its cards already read (the sprint, SecRel's status, the Dependabot
queue's counts) so nothing is read twice; the live refresh passes nothing and reads it all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from incidents.selectors import active_alerts
from incidents.selectors_metrics import sprint_trend
from incidents.selectors_needs import incident_needs, open_by_severity, pages_between
from oncall_site import capacity
from oncall_site.models import CapacityPolicy
from oncall_site.needs import Need, ordered
from releases.selectors import ReleaseRow, next_release
from releases.selectors_needs import deploy_needs, release_needs
from rotations.models import Engineer, Rotation, Sprint, team_zone
from rotations.selectors import current_sprint, last_duty_before
from security import selectors as security_selectors
from security.dependabot import ATTENTION, READY
from security.models import SlaPolicy
from security.secrel import SecrelStatus
from security.selectors_dependabot import queue_ids
from security.selectors_findings import FindingCounts, finding_counts
from security.selectors_needs import security_needs

UNSET = object()
TREND = 4  # this sprint and the three before it
ALERTS_SHOWN = 5


def needs_now(
    *,
    now: datetime,
    sprint: Sprint | None | object = UNSET,
    secrel: SecrelStatus | None = None,
    queue: Mapping[str, int] | None = None,
    findings: FindingCounts | None = None,
    release: ReleaseRow | None | object = UNSET,
) -> list[Need]:
    """Every app's lines, in the order of `oncall_site.needs`."""
    if sprint is UNSET:
        sprint = current_sprint(now=now)
    if secrel is None:
        secrel = security_selectors.secrel_status(as_of=now)
    if queue is None:
        queue = {group: len(ids) for group, ids in queue_ids().items()}
    if findings is None:
        findings = finding_counts(now=now, rules=SlaPolicy.current().rules())
    if release is UNSET:
        release = next_release(now=now)
    start = sprint.starts_at if isinstance(sprint, Sprint) else None
    return ordered(
        [
            *incident_needs(now=now, sprint_start=start),
            *security_needs(secrel=secrel, findings=findings, queue=queue),
            *release_needs(release if isinstance(release, ReleaseRow) else None, now=now),
            *deploy_needs(),
        ]
    )


@dataclass(frozen=True)
class Link:
    text: str
    count: int | None
    href: str


def _incidents(**params: str) -> str:
    return f"{reverse('incident-list')}?{urlencode(params)}"


@dataclass(frozen=True)
class SprintRow:
    number: int
    current: bool
    incidents: Link
    resolved: Link
    mttr_seconds: float | None
    page: str


@dataclass(frozen=True)
class IncidentCard:
    open_total: Link
    open_by_severity: list[Link]
    sprints: list[SprintRow]  # this sprint first, then the ones before it


def incident_card(
    *, now: datetime, sprint: Sprint | None, counts: Mapping[str, int] | None = None
) -> IncidentCard:
    """Open incidents by severity, and this sprint's MTTR beside the last three sprints'
    (the metrics page's figures: `incidents.selectors_metrics.sprint_trend`)."""
    counts = open_by_severity() if counts is None else counts
    by_severity = [
        Link(severity or "not rated", n, _incidents(state="open", severity=severity or "unknown"))
        for severity, n in counts.items()
    ]
    rows = []
    if sprint is not None:
        for point in reversed(sprint_trend(last=sprint, as_of=now, count=TREND)):
            number, m = point.sprint.number, point.metrics
            rows.append(
                SprintRow(
                    number=number,
                    current=number == sprint.number,
                    incidents=Link(
                        "incidents",
                        m.incident_count,
                        _incidents(sprint=str(number), state="counted"),
                    ),
                    resolved=Link(
                        "resolved",
                        m.resolved_count,
                        _incidents(sprint=str(number), state="resolved"),
                    ),
                    mttr_seconds=m.mttr_seconds,
                    page=f"{reverse('incident-metrics')}?sprint={number}",
                )
            )
    total = sum(counts.values())
    return IncidentCard(Link("open", total, _incidents(state="open")), by_severity, rows)


@dataclass(frozen=True)
class AlertCard:
    counts: list[Link]  # by status: Alert, Warn, No Data
    first: list  # the monitors alerting longest, at most ALERTS_SHOWN
    total: int


def alert_card() -> AlertCard:
    monitors = list(active_alerts()[: ALERTS_SHOWN * 20])  # a handful are active at once
    by_status: dict[str, int] = {}
    for monitor in monitors:
        by_status[monitor.status] = by_status.get(monitor.status, 0) + 1
    url = reverse("alert-list")
    return AlertCard(
        counts=[Link(status, n, url) for status, n in by_status.items()],
        first=monitors[:ALERTS_SHOWN],
        total=len(monitors),
    )


@dataclass(frozen=True)
class CapacityCard:
    score: capacity.Score
    threshold: int
    pages: dict[str, int]  # band -> pages this sprint
    pages_link: str
    secondary: Engineer | None
    next_free: Engineer | None

    @property
    def overloaded(self) -> bool:
        return self.score.total >= self.threshold

    @property
    def out_of_hours(self) -> int:
        return self.pages[capacity.EVENING] + self.pages[capacity.NIGHT]


def capacity_card(
    *,
    now: datetime,
    sprint: Sprint | None,
    rotation: Rotation | None,
    open_counts: Mapping[str, int],
    secrel: SecrelStatus,
    findings: FindingCounts,
    queue: Mapping[str, int],
    pending_deploys: int = 0,
) -> CapacityCard:
    """The primary's load now (`capacity.score`) against the admin's threshold, and who can
    help: the secondary, then the next free engineer (`capacity.next_free`)."""
    zone = team_zone()
    pages = capacity.pages_by_band(pages_between(*sprint.window()) if sprint else [], zone)
    load = capacity.Load(
        open_by_severity=open_counts,
        pages=pages,
        pending_deploys=pending_deploys,
        secrel_red=secrel.failing_since is not None,
        findings_overdue=findings.overdue,
        prs_waiting=queue.get(READY, 0) + queue.get(ATTENTION, 0),
    )
    helper = None
    if rotation is not None:
        engineers = {e.pk: e for e in Engineer.objects.all()}
        today = now.astimezone(zone).date()
        pick = capacity.next_free(
            [e.as_candidate() for e in engineers.values()],
            last_duty_before(today + timedelta(days=1)),
            pair={rotation.primary_id, rotation.secondary_id},
            today=today,
        )
        helper = engineers[pick.id] if pick is not None else None
    link = _incidents(sprint=str(sprint.number), source="pagerduty") if sprint else ""
    return CapacityCard(
        score=capacity.score(load),
        threshold=CapacityPolicy.current().threshold,
        pages=pages,
        pages_link=link,
        secondary=rotation.secondary if rotation is not None else None,
        next_free=helper,
    )


FAIRNESS_SPRINTS = 6


def rotation_fairness(
    *, now: datetime, count: int = FAIRNESS_SPRINTS
) -> list[capacity.EngineerLoad]:
    """Per engineer over the last `count` sprints begun by today (this one included): hours
    on call and pages by band (`capacity.fairness`). Two queries."""
    zone = team_zone()
    today = now.astimezone(zone).date()
    rotations = list(
        Rotation.objects.filter(sprint__start_date__lte=today)
        .select_related("sprint", "primary", "secondary")
        .order_by("-sprint__number")[:count]
    )
    if not rotations:
        return []
    duties = [
        capacity.Duty(
            r.sprint.number, r.sprint.starts_at, r.sprint.ends_at, r.primary.name, r.secondary.name
        )
        for r in rotations
    ]
    since = min(d.starts_at for d in duties)
    until = max(d.ends_at for d in duties)
    return capacity.fairness(duties, pages_between(since, until), zone)

"""DORA figures of deployments: deployment frequency and change failure rate, pure.

Like `incidents/metrics.py`, this module knows nothing of the ORM or the clock: selectors
turn rows into `DeploymentFacts` and `IncidentStart`s, and the caller passes the window
[since, until) and `as_of`, the instant the figures describe.

Rules:

- A window [since, until) selects the deployments that went out in it
  (`since <= deployed_at < until`) and at or before `as_of` (later ones have not happened).
- Deployment frequency: the deployments counted, the deploy days (distinct dates on the
  team's clock, `ONCALL_TIMEZONE`, with at least one deployment), and both per week. A week
  is seven days of the team's calendar: the span measured runs from `since` to the sooner
  of `until` and `as_of`, read as local wall-clock time, so a 14-day sprint across a DST
  change is 2 weeks, not 2 weeks less an hour. Nothing measured yet (`as_of <= since`):
  None per week.
- Change failure rate = failed deployments / deployments, over the deployments counted.
  A deployment failed when
    * it was rolled back (at or before `as_of`; a rollback with no time known counts), or
    * an incident is linked to it, or
    * (prod only: incidents happen in production) an incident that is not canceled starts on
      one of its services at or after the deployment and before the sooner of `window`
      (`CHANGE_FAILURE_WINDOW_HOURS`, default 24 h) later and that service's next prod
      deployment, and at or before `as_of`.
  No deployment: the rate is None, never 0. Each failure says why, so it can be linked.
- Instants are converted to UTC on the way in; naive datetimes are rejected.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from incidents.metrics import as_utc
from rotations.sprints import local_date

PRODUCTION = "prod"
DEFAULT_FAILURE_WINDOW = timedelta(hours=24)
WEEK = timedelta(days=7)

DeploymentId = int | str
IncidentId = int | str


@dataclass(frozen=True)
class DeploymentFacts:
    """What the figures need to know about one deployment; instants stored in UTC."""

    id: DeploymentId
    environment: str
    deployed_at: datetime
    services: frozenset[str] = frozenset()
    rolled_back: bool = False
    rolled_back_at: datetime | None = None
    linked_incidents: tuple[IncidentId, ...] = ()

    def __post_init__(self) -> None:
        deployed = as_utc(self.deployed_at, f"deployment {self.id} deployed_at")
        rolled = self.rolled_back_at
        if rolled is not None:
            rolled = as_utc(rolled, f"deployment {self.id} rolled_back_at")
            if rolled < deployed:
                raise ValueError(f"deployment {self.id} is rolled back before it went out")
            if not self.rolled_back:
                raise ValueError(f"deployment {self.id} has a rollback time but no rollback")
        object.__setattr__(self, "deployed_at", deployed)
        object.__setattr__(self, "rolled_back_at", rolled)
        object.__setattr__(self, "services", frozenset(self.services))
        object.__setattr__(self, "linked_incidents", tuple(self.linked_incidents))


@dataclass(frozen=True)
class IncidentStart:
    """An incident (not canceled) that started on a service at `started`."""

    id: IncidentId
    service: str
    started: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "started", as_utc(self.started, f"incident {self.id} started"))


@dataclass(frozen=True)
class Frequency:
    deployments: int
    deploy_days: int
    weeks: float | None
    deploys_per_week: float | None
    deploy_days_per_week: float | None
    days: tuple[date, ...] = ()


@dataclass(frozen=True)
class Failure:
    """A failed deployment and why: rolled back, linked incidents, incidents that followed."""

    deployment: DeploymentFacts
    rolled_back: bool
    linked_incidents: tuple[IncidentId, ...]
    following_incidents: tuple[IncidentStart, ...]

    @property
    def incident_ids(self) -> tuple[IncidentId, ...]:
        ids = [*self.linked_incidents, *(i.id for i in self.following_incidents)]
        return tuple(dict.fromkeys(ids))

    def reasons(self) -> list[str]:
        out = ["rolled back"] if self.rolled_back else []
        out += [f"incident {i} linked" for i in self.linked_incidents]
        out += [f"incident {i.id} on {i.service}" for i in self.following_incidents]
        return out


@dataclass(frozen=True)
class ChangeFailureRate:
    failed: int
    deployments: int
    rate: float | None
    failures: tuple[Failure, ...] = ()


def _window(since: datetime, until: datetime, as_of: datetime) -> tuple[datetime, ...]:
    since, until, as_of = as_utc(since, "since"), as_utc(until, "until"), as_utc(as_of, "as_of")
    if until < since:
        raise ValueError(f"window ends ({until.isoformat()}) before it starts ({since})")
    return since, until, as_of


def counted(
    deployments: Iterable[DeploymentFacts],
    *,
    since: datetime,
    until: datetime,
    as_of: datetime,
    environment: str | None = None,
) -> list[DeploymentFacts]:
    """The deployments the window counts, oldest first; `environment` None: every one."""
    since, until, as_of = _window(since, until, as_of)
    chosen = [
        d
        for d in deployments
        if since <= d.deployed_at < until
        and d.deployed_at <= as_of
        and (environment is None or d.environment == environment)
    ]
    return sorted(chosen, key=lambda d: (d.deployed_at, str(d.id)))


def calendar_weeks(since: datetime, end: datetime, zone: ZoneInfo) -> float:
    """Weeks between two instants on the team's wall clock (DST changes do not shorten them)."""
    wall = end.astimezone(zone).replace(tzinfo=None) - since.astimezone(zone).replace(tzinfo=None)
    return wall / WEEK


def deployment_frequency(
    deployments: Iterable[DeploymentFacts],
    *,
    since: datetime,
    until: datetime,
    as_of: datetime,
    zone: ZoneInfo,
    environment: str | None = None,
) -> Frequency:
    """Deployments and deploy days of the window, and each per week of the span measured."""
    since, until, as_of = _window(since, until, as_of)
    chosen = counted(deployments, since=since, until=until, as_of=as_of, environment=environment)
    days = tuple(sorted({local_date(d.deployed_at, zone) for d in chosen}))
    end = min(until, as_of)
    weeks = calendar_weeks(since, end, zone) if end > since else None
    if not weeks or weeks <= 0:
        weeks = None
    return Frequency(
        deployments=len(chosen),
        deploy_days=len(days),
        weeks=weeks,
        deploys_per_week=None if weeks is None else len(chosen) / weeks,
        deploy_days_per_week=None if weeks is None else len(days) / weeks,
        days=days,
    )


def _next_prod_deploys(deployments: Iterable[DeploymentFacts]) -> dict[str, list[datetime]]:
    """Service → the instants it went to prod, sorted."""
    times: dict[str, list[datetime]] = defaultdict(list)
    for d in deployments:
        if d.environment == PRODUCTION:
            for service in d.services:
                times[service].append(d.deployed_at)
    return {service: sorted(at) for service, at in times.items()}


def following_incidents(
    deployment: DeploymentFacts,
    incidents_by_service: dict[str, tuple[list[datetime], list[IncidentStart]]],
    prod_deploys: dict[str, list[datetime]],
    *,
    window: timedelta,
    as_of: datetime,
) -> tuple[IncidentStart, ...]:
    """The incidents that started on the deployment's services before the service's next
    prod deployment and within `window` of it (the sooner), at or before `as_of`."""
    if deployment.environment != PRODUCTION:
        return ()
    found: list[IncidentStart] = []
    start = deployment.deployed_at
    for service in sorted(deployment.services):
        end = start + window
        later = prod_deploys.get(service, [])
        following = bisect_left(later, start)
        while following < len(later) and later[following] <= start:
            following += 1  # the deployment itself (and one at the same instant)
        if following < len(later):
            end = min(end, later[following])
        times, starts = incidents_by_service.get(service, ([], []))
        for incident in starts[bisect_left(times, start) :]:
            if incident.started >= end or incident.started > as_of:
                break
            found.append(incident)
    return tuple(found)


def change_failure_rate(
    deployments: Iterable[DeploymentFacts],
    incidents: Iterable[IncidentStart],
    *,
    since: datetime,
    until: datetime,
    as_of: datetime,
    window: timedelta = DEFAULT_FAILURE_WINDOW,
    environment: str | None = None,
) -> ChangeFailureRate:
    """Failed deployments / deployments of the window, with each failure and why.

    Pass every deployment from `since` to `until + window` (a later prod deployment of a
    service ends the search for the incidents that followed an earlier one).
    """
    if window <= timedelta(0):
        raise ValueError("the change failure window must be positive")
    since, until, as_of = _window(since, until, as_of)
    everything = tuple(deployments)
    prod_deploys = _next_prod_deploys(everything)
    by_service: dict[str, tuple[list[datetime], list[IncidentStart]]] = defaultdict(
        lambda: ([], [])
    )
    for incident in sorted(incidents, key=lambda i: (i.started, str(i.id))):
        times, starts = by_service[incident.service]
        times.append(incident.started)
        starts.append(incident)
    chosen = counted(everything, since=since, until=until, as_of=as_of, environment=environment)
    failures: list[Failure] = []
    for d in chosen:
        rolled_back = d.rolled_back and (d.rolled_back_at is None or d.rolled_back_at <= as_of)
        following = following_incidents(d, by_service, prod_deploys, window=window, as_of=as_of)
        if rolled_back or d.linked_incidents or following:
            failures.append(Failure(d, rolled_back, d.linked_incidents, following))
    return ChangeFailureRate(
        failed=len(failures),
        deployments=len(chosen),
        rate=len(failures) / len(chosen) if chosen else None,
        failures=tuple(failures),
    )


def frequency_json(frequency: Frequency) -> dict[str, Any]:
    return {
        "deployments": frequency.deployments,
        "deploy_days": frequency.deploy_days,
        "deploys_per_week": frequency.deploys_per_week,
        "deploy_days_per_week": frequency.deploy_days_per_week,
    }


def rate_json(rate: ChangeFailureRate) -> dict[str, Any]:
    return {"failed": rate.failed, "deployments": rate.deployments, "rate": rate.rate}


def scopes() -> Sequence[tuple[str, str | None]]:
    """The figures' two scopes: production, and every environment."""
    return (("prod", PRODUCTION), ("all", None))

"""Reading deployment requests and deployments, and the DORA figures of a window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet

from incidents.models import Incident, State
from incidents.windows import WindowError, isoformat_utc, parse_instant
from oncall_site import permissions
from releases import dora
from releases.deploy_models import Deployment, DeployRequest, Environment, RequestState
from rotations.models import team_zone

PENDING = (RequestState.REQUESTED, RequestState.APPROVED)


def can_decide(user: Any, *, now: datetime) -> bool:
    """Approving, rejecting and marking deployed (`permissions.deploy_decision_refusal`)."""
    return permissions.deploy_decision_refusal(permissions.actor_of(user, now=now)) is None


def pending_requests() -> QuerySet[DeployRequest]:
    """Requested and approved requests, oldest first: the on-call pair's queue."""
    return (
        DeployRequest.objects.filter(state__in=PENDING)
        .select_related("team", "requester", "approved_by")
        .order_by("requested_at", "pk")
    )


def decided_requests() -> QuerySet[DeployRequest]:
    """Deployed and rejected requests, the latest decision first."""
    return (
        DeployRequest.objects.exclude(state__in=PENDING)
        .select_related("team", "requester", "approved_by", "rejected_by", "deployed_by")
        .order_by("-requested_at", "-pk")
    )


def request_detail(request_id: int) -> DeployRequest | None:
    return (
        DeployRequest.objects.select_related(
            "team", "requester", "approved_by", "rejected_by", "deployed_by"
        )
        .filter(pk=request_id)
        .first()
    )


@dataclass(frozen=True)
class DeploymentFilters:
    environment: str = ""
    since: datetime | None = None  # deployed in [since, until): a figure's window
    until: datetime | None = None
    ids: tuple[int, ...] = ()  # a figure's deployments, e.g. the failed ones of a window
    errors: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.environment or self.since or self.until or self.ids)

    def query(self) -> str:
        params = {"environment": self.environment, "ids": ",".join(map(str, self.ids))}
        if self.since:
            params["since"] = isoformat_utc(self.since)
        if self.until:
            params["until"] = isoformat_utc(self.until)
        return urlencode({k: v for k, v in params.items() if v})


def deployment_filters(params: Mapping[str, str]) -> DeploymentFilters:
    environment = params.get("environment", "")
    errors = []
    if environment and environment not in Environment.values:
        errors.append(f"Unknown environment {environment[:20]!r}: showing every environment.")
        environment = ""
    ids = tuple(
        int(p) for p in params.get("ids", "").split(",") if p.strip().isdigit() and len(p) < 19
    )  # a row id fits in 64 bits; longer is no row
    bounds: dict[str, datetime | None] = {"since": None, "until": None}
    for name in bounds:
        if params.get(name):
            try:
                bounds[name] = parse_instant(params[name], name, team_zone())
            except WindowError as exc:
                errors.append(str(exc))
    return DeploymentFilters(environment=environment, ids=ids[:500], errors=tuple(errors), **bounds)


def deployment_list(filters: DeploymentFilters) -> QuerySet[Deployment]:
    rows = Deployment.objects.select_related("incident", "request", "request__team")
    if filters.environment:
        rows = rows.filter(environment=filters.environment)
    if filters.since:
        rows = rows.filter(deployed_at__gte=filters.since)
    if filters.until:
        rows = rows.filter(deployed_at__lt=filters.until)
    if filters.ids:
        rows = rows.filter(pk__in=filters.ids)
    return rows.order_by("-deployed_at", "-pk")


def failure_window() -> timedelta:
    return timedelta(hours=settings.CHANGE_FAILURE_WINDOW_HOURS)


# DORA figures of a window


@dataclass(frozen=True)
class ScopeFigures:
    """One scope's figures: production, or every environment."""

    key: str  # "prod" or "all"
    environment: str | None
    frequency: dora.Frequency
    failures: dora.ChangeFailureRate


@dataclass(frozen=True)
class DoraFigures:
    since: datetime
    until: datetime
    as_of: datetime
    window: timedelta
    scopes: tuple[ScopeFigures, ...]
    deployments: Mapping[int, dict[str, Any]]  # id -> its link and deployer, for listing


def deployment_facts(
    *, since: datetime, until: datetime
) -> tuple[list[dora.DeploymentFacts], dict[int, dict[str, Any]]]:
    """Deployments from `since` to `until` as facts, and each one's link and deployer for
    listing it; one query, only the columns needed."""
    rows = Deployment.objects.filter(deployed_at__gte=since, deployed_at__lt=until).values_list(
        "pk",
        "environment",
        "deployed_at",
        "services",
        "rolled_back",
        "rolled_back_at",
        "incident_id",
        "url",
        "deployed_by",
    )
    facts, details = [], {}
    for pk, environment, at, services, rolled_back, rolled_at, incident, url, by in rows:
        try:
            facts.append(
                dora.DeploymentFacts(
                    id=pk,
                    environment=environment,
                    deployed_at=at,
                    services=frozenset(services or {}),
                    rolled_back=rolled_back,
                    rolled_back_at=rolled_at,
                    linked_incidents=(incident,) if incident else (),
                )
            )
        except ValueError:
            continue  # a rollback before the deployment: the admin's constraint refuses those
        details[pk] = {"url": url, "deployed_by": by}
    return facts, details


def incident_starts(*, since: datetime, until: datetime) -> list[dora.IncidentStart]:
    """Incidents (not canceled) on a known service that started in [since, until)."""
    rows = (
        Incident.objects.started_between(since, until)
        .filter(service__isnull=False, canceled_at__isnull=True)
        .exclude(state=State.CANCELED)
        .values_list("pk", "service__name", "started_at")
    )
    return [dora.IncidentStart(id=pk, service=name, started=at) for pk, name, at in rows]


def _scopes(
    deployments: list[dora.DeploymentFacts],
    incidents: list[dora.IncidentStart],
    *,
    since: datetime,
    until: datetime,
    as_of: datetime,
) -> tuple[ScopeFigures, ...]:
    zone, window = team_zone(), failure_window()
    return tuple(
        ScopeFigures(
            key=key,
            environment=environment,
            frequency=dora.deployment_frequency(
                deployments,
                since=since,
                until=until,
                as_of=as_of,
                zone=zone,
                environment=environment,
            ),
            failures=dora.change_failure_rate(
                deployments,
                incidents,
                since=since,
                until=until,
                as_of=as_of,
                window=window,
                environment=environment,
            ),
        )
        for key, environment in dora.scopes()
    )


def dora_figures(*, since: datetime, until: datetime, as_of: datetime) -> DoraFigures:
    """Deployment frequency and change failure rate of [since, until), prod and all: two
    queries, the deployments and the incidents, whatever their number."""
    window = failure_window()
    reach = until + window  # a deployment near the end is judged by what followed it
    deployments, details = deployment_facts(since=since, until=reach)
    incidents = incident_starts(since=since, until=reach)
    scopes = _scopes(deployments, incidents, since=since, until=until, as_of=as_of)
    return DoraFigures(since, until, as_of, window, scopes, details)


def _failure_json(failure: dora.Failure, details: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    d = failure.deployment
    row = details.get(int(d.id), {})
    return {
        "id": d.id,
        "environment": d.environment,
        "deployed_at": isoformat_utc(d.deployed_at),
        "services": sorted(d.services),
        "deployed_by": row.get("deployed_by", ""),
        "url": row.get("url", ""),
        "rolled_back": failure.rolled_back,
        "incidents": list(failure.incident_ids),
        "reasons": failure.reasons(),
    }


def releases_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """The `releases` part of the metrics document: each figure for `prod` and `all`
    environments; `failed_deployments` lists every failed one (its `environment` says
    which scope it is in); null where nothing is measured."""
    figures = dora_figures(since=since, until=until, as_of=as_of)
    by_key = {s.key: s for s in figures.scopes}
    every = by_key["all"]
    return {
        "change_failure_window_hours": figures.window / timedelta(hours=1),
        "deployments": {k: s.frequency.deployments for k, s in by_key.items()},
        "deploy_days": {k: s.frequency.deploy_days for k, s in by_key.items()},
        "deploys_per_week": {k: s.frequency.deploys_per_week for k, s in by_key.items()},
        "deploy_days_per_week": {k: s.frequency.deploy_days_per_week for k, s in by_key.items()},
        "change_failure_rate": {k: dora.rate_json(s.failures) for k, s in by_key.items()},
        "failed_deployments": [
            _failure_json(f, figures.deployments) for f in every.failures.failures
        ],
    }


@dataclass(frozen=True)
class SprintDeploys:
    """One sprint of the trend: its window and the figures of each scope."""

    number: int
    since: datetime
    until: datetime
    scopes: tuple[ScopeFigures, ...]


def dora_trend(
    sprints: list[tuple[int, datetime, datetime]], *, as_of: datetime
) -> list[SprintDeploys]:
    """The figures of each (number, since, until) sprint, from the same two queries over
    their whole span."""
    if not sprints:
        return []
    window = failure_window()
    first, last = min(s for _, s, _ in sprints), max(u for _, _, u in sprints)
    deployments, _ = deployment_facts(since=first, until=last + window)
    incidents = incident_starts(since=first, until=last + window)
    out = []
    for number, since, until in sprints:
        scopes = _scopes(deployments, incidents, since=since, until=until, as_of=as_of)
        out.append(SprintDeploys(number, since, until, scopes))
    return out

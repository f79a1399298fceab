"""Fake GitHub deployments and their statuses, derived from the dataset.

Nothing is stored: the deployments of a day come from that day's seed, and the prod
deployments that preceded some incidents come from those incidents, so the list is the
same on every request and grows with the live clock like the rest of the sandbox.

- Weekdays: a few deployments to dev and qa, fewer to sandbox and prod-test, and prod on
  more than half of them; each names one to three of the team's services (prod one) in
  its payload (`{"services": {"svc-bgs-api": "<sha>"}}`), the way a monorepo's
  pipeline would.
- About one incident in twenty-five on a known service (two a day at most) had a prod
  deployment of that service one to six hours before it; a third of those were rolled
  back once the incident started.
- A few deployments fail outright (never `success`); a few prod ones are rolled back
  (`failure` after `success`, "Rolled back to the previous version").

Reference: https://docs.github.com/en/rest/deployments/deployments#list-deployments and
https://docs.github.com/en/rest/deployments/statuses#list-deployment-statuses
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import github_objects as objects
from .rng import Rand
from .server import NotFound, Request, Response, Route, route
from .timeutil import iso

if TYPE_CHECKING:
    from .dataset import Dataset
    from .github import GitHub

ENVIRONMENTS = ("dev", "qa", "sandbox", "prod-test", "prod")
# Deployments a weekday sees per environment: (most, chance of each).
PER_DAY = {"dev": (3, 0.6), "qa": (2, 0.5), "sandbox": (1, 0.3), "prod-test": (1, 0.35)}
PROD_DAY_CHANCE = 0.6
HISTORY_DAYS = 183
ID_BASE = 1_700_000_000


@dataclass(frozen=True)
class Status:
    id: int
    state: str  # queued, in_progress, success, failure, error, inactive
    at: datetime
    description: str


@dataclass(frozen=True)
class Deployment:
    id: int
    environment: str
    services: tuple[tuple[str, str], ...]  # (service, commit)
    creator: str  # a GitHub login
    created_at: datetime
    statuses: tuple[Status, ...]  # oldest first
    ref: str = "develop"

    @property
    def sha(self) -> str:
        return self.services[0][1] if self.services else "0" * 40


def _statuses(rand: Rand, start: datetime, *, rolled_back_at: datetime | None) -> list[Status]:
    """Queued, in progress, then success (or a failed deploy); a rollback adds `failure`."""
    number = ID_BASE * 2 + int(rand.hex("status-id", 8), 16) % 10**9
    done = start + timedelta(minutes=rand.between("minutes", 3, 14))
    out = [
        Status(number, "queued", start, "Queued"),
        Status(number + 1, "in_progress", start + timedelta(minutes=1), "Deploying"),
    ]
    if rand.chance("fails", 0.04) and rolled_back_at is None:
        out.append(Status(number + 2, "failure", done, "Deployment failed: health check"))
        return out
    out.append(Status(number + 2, "success", done, "Deployed"))
    if rolled_back_at is not None:
        at = max(rolled_back_at, done + timedelta(minutes=5))
        out.append(Status(number + 3, "failure", at, "Rolled back to the previous version"))
    return out


def _services(
    rand: Rand, names: list[str], weights: list[float], *, most: int = 3
) -> tuple[tuple[str, str], ...]:
    count = rand.integer("count", 1, most)
    chosen: list[str] = []
    for n in range(count):
        pick = rand.weighted(f"svc{n}", list(zip(names, weights, strict=True)))
        if pick not in chosen:
            chosen.append(pick)
    return tuple((name, rand.hex(f"sha-{name}")) for name in sorted(chosen))


def _day_deployments(ds: Dataset, day: date, zone: ZoneInfo) -> list[Deployment]:
    if day.weekday() >= 5:
        return []
    names = [s.name for s in ds.facts.services]
    weights = [s.weight for s in ds.facts.services]
    logins = [p.github_login for p in ds.facts.people]
    rand = Rand("deploy-day", day.isoformat())
    plan = [(env, n) for env, (most, p) in PER_DAY.items() for n in range(most)]
    plan = [(env, n) for env, n in plan if rand.chance(f"{env}-{n}", PER_DAY[env][1])]
    if rand.chance("prod", PROD_DAY_CHANCE):
        plan.append(("prod", 0))
    out = []
    for env, n in plan:
        one = rand.child(env, n)
        local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
            hours=one.between("hour", 9, 17)
        )
        rollback = None
        if env in ("prod", "prod-test") and one.chance("rollback", 0.08):
            rollback = local + timedelta(minutes=one.between("rollback-after", 30, 180))
        out.append(
            Deployment(
                id=0,
                environment=env,
                # Outside the release, prod gets one service at a time.
                services=_services(one, names, weights, most=1 if env == "prod" else 3),
                creator=one.pick("creator", logins),
                created_at=local,
                statuses=tuple(_statuses(one, local, rolled_back_at=rollback)),
            )
        )
    return out


def _before_incidents(ds: Dataset, since: datetime, until: datetime) -> list[Deployment]:
    """Prod deployments of the service an incident hit, an hour or a few before it."""
    names = {s.id: s.name for s in ds.facts.services}
    logins = [p.github_login for p in ds.facts.people]
    lo, hi = ds.incidents.window(since, until, until)
    zone = ZoneInfo(ds.facts.account_tz)
    per_day: dict[date, int] = {}
    out = []
    for incident in ds.incidents[lo:hi]:
        rand = Rand("deploy-before", incident.id)
        service = names.get(incident.service_id)
        day = incident.created_at.astimezone(zone).date()
        # At most two a day: the scale scenario's fifty pages a day are not fifty hotfixes.
        if service is None or not rand.chance("caused", 0.04) or per_day.get(day, 0) >= 2:
            continue
        per_day[day] = per_day.get(day, 0) + 1
        at = incident.created_at - timedelta(hours=rand.between("lead", 1, 6))
        rollback = incident.created_at + timedelta(minutes=rand.between("rollback", 20, 60))
        out.append(
            Deployment(
                id=0,
                environment="prod",
                services=((service, rand.hex("sha")),),
                creator=rand.pick("creator", logins),
                created_at=at,
                statuses=tuple(
                    _statuses(
                        rand, at, rolled_back_at=rollback if rand.chance("rb", 0.35) else None
                    )
                ),
                ref="hotfix/" + service,
            )
        )
    return out


_CACHE: weakref.WeakKeyDictionary[Any, tuple[date, list[Deployment]]] = weakref.WeakKeyDictionary()


def deployments_of(ds: Dataset, now: datetime) -> list[Deployment]:
    """Every deployment created at or before `now`, newest first (GitHub's order)."""
    zone = ZoneInfo(ds.facts.account_tz)
    today = now.astimezone(zone).date()
    cached = _CACHE.get(ds)
    if cached is None or cached[0] != today:
        # A world loaded by hand (a test's) has deployments only over the span it covers.
        firsts = [t[0] for t in (ds.incidents, ds.runs, ds.pulls) if len(t)]
        if not firsts:
            _CACHE[ds] = (today, [])
            return []
        earliest = min((x.created_at for x in firsts), default=now).astimezone(zone).date()
        start = max(today - timedelta(days=HISTORY_DAYS), earliest)
        items: list[Deployment] = []
        for offset in range((today - start).days + 2):
            items += _day_deployments(ds, start + timedelta(days=offset), zone)
        since = datetime(start.year, start.month, start.day, tzinfo=zone)
        items += _before_incidents(ds, since, now + timedelta(days=2))
        items.sort(key=lambda d: (d.created_at, d.environment, d.services))
        used: set[int] = set()
        numbered = []
        for item in items:
            key = f"{item.created_at.isoformat()}|{item.environment}|{item.services}"
            number = ID_BASE + int(Rand("deploy-id", key).hex("id", 8), 16) % 10**8
            while number in used:
                number += 1
            used.add(number)
            numbered.append(_with_id(item, number))
        cached = (today, numbered)
        _CACHE[ds] = cached
    visible = [d for d in cached[1] if d.created_at <= now]
    return visible[::-1]


def _with_id(item: Deployment, number: int) -> Deployment:
    statuses = tuple(
        Status(number * 10 + n, s.state, s.at, s.description) for n, s in enumerate(item.statuses)
    )
    return Deployment(
        number, item.environment, item.services, item.creator, item.created_at, statuses, item.ref
    )


# --- wire shapes ---------------------------------------------------------------------------


def render_deployment(base: str, ds: Dataset, d: Deployment, now: datetime) -> dict[str, Any]:
    repo_api = f"{base}/repos/{ds.facts.repository}"
    url = f"{repo_api}/deployments/{d.id}"
    shown = [s for s in d.statuses if s.at <= now]
    return {
        "url": url,
        "id": d.id,
        "node_id": objects.node_id("Deployment", d.id),
        "sha": d.sha,
        "ref": d.ref,
        "task": "deploy",
        "payload": {"services": dict(d.services)},
        "original_environment": d.environment,
        "environment": d.environment,
        "description": f"Deploy {', '.join(name for name, _ in d.services)} to {d.environment}",
        "creator": objects.user(base, ds.facts, d.creator),
        "created_at": iso(d.created_at),
        "updated_at": iso(shown[-1].at if shown else d.created_at),
        "statuses_url": f"{url}/statuses",
        "repository_url": repo_api,
        "transient_environment": False,
        "production_environment": d.environment == "prod",
    }


def render_status(base: str, ds: Dataset, d: Deployment, s: Status) -> dict[str, Any]:
    repo_api = f"{base}/repos/{ds.facts.repository}"
    deployment_url = f"{repo_api}/deployments/{d.id}"
    log = f"{base}/{ds.facts.repository}/actions/runs/{d.id}"
    return {
        "url": f"{deployment_url}/statuses/{s.id}",
        "id": s.id,
        "node_id": objects.node_id("DeploymentStatus", s.id),
        "state": s.state,
        "creator": objects.user(base, ds.facts, d.creator),
        "description": s.description,
        "environment": d.environment,
        "target_url": log,
        "log_url": log,
        "environment_url": "",
        "created_at": iso(s.at),
        "updated_at": iso(s.at),
        "deployment_url": deployment_url,
        "repository_url": repo_api,
    }


# --- routes (mounted by sandbox.github) ------------------------------------------------------


def list_deployments(gh: GitHub, req: Request, owner: str, repo: str) -> Response:
    ds, now = gh._snapshot(owner, repo)
    items = deployments_of(ds, now)
    if (environment := req.arg("environment")) is not None:
        items = [d for d in items if d.environment == environment]
    if (sha := req.arg("sha")) is not None:
        items = [d for d in items if d.sha == sha]
    if (ref := req.arg("ref")) is not None:
        items = [d for d in items if d.ref == ref]
    if (task := req.arg("task")) is not None:
        items = [d for d in items if task == "deploy"]
    page, headers = gh.paginate(req, items)
    return Response.json(200, [render_deployment(req.base_url, ds, d, now) for d in page], headers)


def list_statuses(gh: GitHub, req: Request, owner: str, repo: str, deployment_id: str) -> Response:
    ds, now = gh._snapshot(owner, repo)
    number = int(deployment_id) if deployment_id.isdigit() else -1
    found = next((d for d in deployments_of(ds, now) if d.id == number), None)
    if found is None:
        raise NotFound
    shown = [s for s in found.statuses if s.at <= now][::-1]  # newest first, as GitHub lists
    page, headers = gh.paginate(req, shown)
    return Response.json(200, [render_status(req.base_url, ds, found, s) for s in page], headers)


def routes(gh: GitHub, repo: str) -> list[Route]:
    return [
        route(
            "GET",
            repo + "/deployments",
            "github.deployments",
            lambda req, owner, repo: list_deployments(gh, req, owner, repo),
        ),
        route(
            "GET",
            repo + "/deployments/{deployment_id}/statuses",
            "github.deployment_statuses",
            lambda req, owner, repo, deployment_id: list_statuses(
                gh, req, owner, repo, deployment_id
            ),
        ),
    ]

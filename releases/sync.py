"""GitHub job of the releases app: the repository's deployments and their statuses.

A GitHub deployment counts here once a status says `success` (its time is when it went
out); one that never succeeded is not a deployment (yet). A `failure` or `error` status
after the success means it was rolled back, at that status's time. The environment names
are ours (dev, qa, sandbox, prod-test, prod; `production` and `development` read as prod
and dev); a deployment to another environment is flagged by name and left out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from oncall_site.integrations import github
from oncall_site.integrations.timestamps import parse_instant
from oncall_site.sync import Ownership, SyncContext, job, upsert, vendors
from releases.deploy_models import Deployment, DeploymentSource, Environment
from releases.deploys import COMMIT_HASH

# Rollbacks arrive as statuses days after a deployment was created: read a week again.
OVERLAP = timedelta(days=7)
ALIASES = {"production": "prod", "development": "dev"}
ROLLED_BACK = {"failure", "error"}

DEPLOYMENTS: Ownership[Deployment] = Ownership(
    Deployment,
    key=("github_id",),
    upstream=(
        "environment",
        "services",
        "deployed_by",
        "deployed_at",
        "rolled_back",
        "rolled_back_at",
        "ref",
        "description",
        "url",
        "source",
        "upstream_updated_at",
    ),
    links=("url",),
    stamp="last_seen_at",
)


def environment_of(name: str) -> str | None:
    value = ALIASES.get(name.strip().lower(), name.strip().lower())
    return value if value in Environment.values else None


def deployment_fields(deployment: github.Deployment) -> tuple[dict[str, Any] | None, str]:
    """The row to store (None: nothing to store yet, or nothing changed), and a problem to
    flag, in words."""
    if deployment.statuses is None:
        return None, ""
    environment = environment_of(deployment.environment)
    if environment is None:
        return None, (
            f"GitHub deployment {deployment.id} is to environment {deployment.environment!r}, "
            f"which is none of {', '.join(Environment.values)}: left out"
        )
    statuses = deployment.statuses
    went_out = next((s for s in statuses if s.state == "success"), None)
    if went_out is None:
        return None, ""
    rollback = next(
        (s for s in statuses if s.state in ROLLED_BACK and s.created_at >= went_out.created_at),
        None,
    )
    services = {
        name: commit.lower()
        for name, commit in deployment.services
        if COMMIT_HASH.match(commit.lower())
    }
    return {
        "github_id": deployment.id,
        "environment": environment,
        "services": dict(sorted(services.items())),
        "deployed_by": deployment.creator,
        "deployed_at": went_out.created_at,
        "rolled_back": rollback is not None,
        "rolled_back_at": rollback.created_at if rollback else None,
        "ref": deployment.ref,
        "description": deployment.description,
        "url": went_out.log_url,
        "source": DeploymentSource.GITHUB,
        "upstream_updated_at": deployment.updated_at,
    }, ""


@job(vendors.GITHUB, "deployments", label="deployments", minutes=15)
def deployments(ctx: SyncContext) -> None:
    """Deployments of GITHUB_REPOSITORY created since the last run (minus a week), newest
    first, with their statuses (read again only for a deployment GitHub updated since);
    the first run reaches back SYNC_BACKFILL_DAYS."""
    cursor = parse_instant(ctx.cursor.get("deployments_since"))
    since = cursor - OVERLAP if cursor else ctx.now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    newest = cursor
    settled = dict(
        Deployment.objects.filter(github_id__isnull=False, deployed_at__gte=since).values_list(
            "github_id", "upstream_updated_at"
        )
    )
    stream = github.iter_deployments(ctx.client, ctx.config, created_since=since, settled=settled)
    for chunk in ctx.batches(stream, 100):
        ctx.fetched += len(chunk)
        items = []
        for deployment in chunk:
            fields, problem = deployment_fields(deployment)
            if problem:
                ctx.flag(problem)
            if fields is not None:
                items.append(fields)
            if newest is None or deployment.created_at > newest:
                newest = deployment.created_at
        ctx.written += upsert(DEPLOYMENTS, items, now=ctx.now).total
    ctx.cursor["deployments_since"] = (newest or since).isoformat()

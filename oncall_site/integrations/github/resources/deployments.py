"""GitHub deployments and their statuses, through PyGithub (the github.deployments job)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from github import Github

from oncall_site.integrations.github.client import GITHUB, Config, upstream_errors
from oncall_site.integrations.github.resources import raw_of, streamed
from oncall_site.integrations.github.types import Deployment, DeploymentStatus


def iter_deployments(
    client: Github,
    config: Config,
    *,
    created_since: datetime | None = None,
    settled: Mapping[int, datetime] | None = None,
) -> Iterator[Deployment]:
    """Deployments, newest first, down to `created_since`, each with its statuses (a request
    each) unless `settled` (id -> stored `updated_at`) says it is unchanged: statuses None.

    Reference: https://docs.github.com/en/rest/deployments/deployments#list-deployments and
    https://docs.github.com/en/rest/deployments/statuses#list-deployment-statuses
    """
    with upstream_errors(config):
        repo = client.get_repo(config.repository)
        for deployment in streamed(repo.get_deployments()):
            raw = raw_of(deployment)
            created = GITHUB.required_timestamp(raw, "created_at", "deployment")
            if created_since is not None and created < created_since:
                return
            updated = GITHUB.timestamp(raw.get("updated_at"), "updated_at")
            if updated is not None and (settled or {}).get(int(raw["id"])) == updated:
                yield normalize_deployment(raw, None)
                continue
            statuses = [raw_of(status) for status in deployment.get_statuses()]
            yield normalize_deployment(raw, statuses)


def _services(payload: object, sha: str) -> tuple[tuple[str, str], ...]:
    """Not a GitHub field: the payload's `{"services": {"svc-bgs-api": "<commit>"}}`, or
    `{"service": "svc-bgs-api"}` at the deployment's sha (a JSON string read too)."""
    if isinstance(payload, str):
        try:
            payload = json.loads(payload) if payload.strip() else {}
        except ValueError:
            return ()
    if not isinstance(payload, Mapping):
        return ()
    services = payload.get("services")
    if isinstance(services, Mapping):
        return tuple(sorted((str(k), str(v or sha)) for k, v in services.items()))
    if isinstance(payload.get("service"), str):
        return ((payload["service"], sha),)
    return ()


def normalize_status(raw: Mapping[str, Any]) -> DeploymentStatus:
    raw, what = GITHUB.mapping(raw, "deployment status"), "deployment status"
    return DeploymentStatus(
        id=int(GITHUB.required(raw, "id", what)),
        state=str(GITHUB.required(raw, "state", what)),
        created_at=GITHUB.required_timestamp(raw, "created_at", what),
        description=str(raw.get("description") or ""),
        log_url=str(raw.get("log_url") or raw.get("target_url") or ""),
    )


def normalize_deployment(
    raw: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]] | None = ()
) -> Deployment:
    """One deployment and its statuses, sorted oldest first (None: not read).

    Reference: https://docs.github.com/en/rest/deployments/deployments#get-a-deployment
    """
    raw = GITHUB.mapping(raw, "deployment")
    number = int(GITHUB.required(raw, "id", "deployment"))
    what = f"deployment {number}"
    sha = str(raw.get("sha") or "")
    return Deployment(
        id=number,
        environment=str(GITHUB.required(raw, "environment", what)),
        ref=str(raw.get("ref") or ""),
        sha=sha,
        task=str(raw.get("task") or "deploy"),
        description=str(raw.get("description") or ""),
        creator=str(GITHUB.nested(raw, "creator", "login") or ""),
        created_at=GITHUB.required_timestamp(raw, "created_at", what),
        services=_services(raw.get("payload"), sha),
        updated_at=GITHUB.timestamp(raw.get("updated_at"), "updated_at"),
        statuses=None if statuses is None else tuple(sorted(map(normalize_status, statuses))),
    )

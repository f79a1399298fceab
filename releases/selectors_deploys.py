"""Reading deployment requests and deployments, and the DORA figures of a window."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from releases.deploy_models import Deployment, DeployRequest, Environment, RequestState
from rotations.selectors import current_sprint, rotation_of

PENDING = (RequestState.REQUESTED, RequestState.APPROVED)


def on_call_user_ids(*, now: datetime) -> set[int]:
    """The logins of this sprint's primary and secondary (those linked to one)."""
    rotation = rotation_of(current_sprint(now=now))
    if rotation is None:
        return set()
    return {e.user_id for e in (rotation.primary, rotation.secondary) if e.user_id is not None}


def can_decide(user: Any, *, now: datetime) -> bool:
    """Approving, rejecting and marking deployed: the on-call pair, or staff."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff) or user.pk in on_call_user_ids(now=now)


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
    ids: tuple[int, ...] = ()  # a figure's deployments, e.g. the failed ones of a window

    def query(self) -> str:
        return f"environment={self.environment}" if self.environment else ""


def deployment_filters(params: Mapping[str, str]) -> DeploymentFilters:
    environment = params.get("environment", "")
    ids = tuple(int(p) for p in params.get("ids", "").split(",") if p.strip().isdigit())
    return DeploymentFilters(
        environment=environment if environment in Environment.values else "", ids=ids[:500]
    )


def deployment_list(filters: DeploymentFilters) -> QuerySet[Deployment]:
    rows = Deployment.objects.select_related("incident", "request", "request__team")
    if filters.environment:
        rows = rows.filter(environment=filters.environment)
    if filters.ids:
        rows = rows.filter(pk__in=filters.ids)
    return rows.order_by("-deployed_at", "-pk")


def failure_window() -> timedelta:
    return timedelta(hours=settings.CHANGE_FAILURE_WINDOW_HOURS)

"""Deployment pages: ask for a deployment, the on-call pair's queue with its buttons, a
request's steps, the deployments that went out, and recording one by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents.windows import isoformat_utc
from oncall_site import permissions
from releases import deploys
from releases import selectors_deploys as selectors
from releases.deploy_models import DeployRequest, Environment
from releases.forms_deploys import DeploymentEntryForm, DeployRequestForm

PAGE_SIZE = 50
RECENT = 20
QUEUE_LIMIT = 100  # a queue longer than this is a problem to raise, not to scroll


def _apply_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_GET
def deploy_queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    pending = list(selectors.pending_requests()[: QUEUE_LIMIT + 1])
    ctx = {
        "pending": pending[:QUEUE_LIMIT],
        "more_pending": len(pending) > QUEUE_LIMIT,
        "decided": list(selectors.decided_requests()[:RECENT]),
        "can_decide": selectors.can_decide(request.user, now=now),
        "self_approval": settings.DEPLOY_SELF_APPROVAL,
        "now": now,
    }
    return render(request, "releases/deploys/queue.html", ctx)


@require_http_methods(["GET", "POST"])
def deploy_request_new(request: HttpRequest) -> HttpResponse:
    actor = permissions.request_actor(request)
    if request.method == "POST" and (refusal := permissions.deploy_request_refusal(actor)):
        raise PermissionDenied(refusal)
    form = DeployRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = data["team"]
        if refusal := permissions.deploy_request_refusal(
            actor, team_id=team.pk, team_name=team.name
        ):
            raise PermissionDenied(refusal)
        try:
            created = deploys.request_deploy(
                requester=request.user,
                team=data["team"],
                environment=data["environment"],
                services=data["services"],
                reason=data["reason"],
                emergency_justification=data["emergency_justification"],
                incident_link=data["incident_link"],
                now=timezone.now(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Deploy request #{created.pk} sent to the on-call pair.")
            return redirect("deploy-request", request_id=created.pk)
    status = 400 if form.errors else 200
    ctx = {"form": form, "read_only": permissions.deploy_request_refusal(actor) or ""}
    return render(request, "releases/deploys/request_new.html", ctx, status=status)


@require_GET
def deploy_request(request: HttpRequest, request_id: int) -> HttpResponse:
    found = selectors.request_detail(request_id)
    if found is None:
        raise Http404("No such deploy request.")
    now = timezone.now()
    ctx = {
        "item": found,
        "can_decide": selectors.can_decide(request.user, now=now),
        "self_approval": settings.DEPLOY_SELF_APPROVAL,
        "now": now,
    }
    return render(request, "releases/deploys/request_detail.html", ctx)


def _decide(
    request: HttpRequest, request_id: int, step: Callable[[DeployRequest], str]
) -> HttpResponse:
    """Run one transition for someone allowed to; its refusal is shown, not raised."""
    refusal = permissions.deploy_decision_refusal(permissions.request_actor(request))
    if refusal:
        raise PermissionDenied(refusal)
    found = DeployRequest.objects.filter(pk=request_id).first()
    if found is None:
        raise Http404("No such deploy request.")
    try:
        messages.success(request, step(found))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    back = request.POST.get("next", "")
    # Back to the page the button was on, which is always one of ours.
    return redirect(back if back.startswith("/releases/deploys/") else "deploy-queue")


@require_POST
def deploy_request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    def step(found: DeployRequest) -> str:
        deploys.approve(found, by=request.user, now=timezone.now())
        return f"Deploy request #{found.pk} approved."

    return _decide(request, request_id, step)


@require_POST
def deploy_request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    def step(found: DeployRequest) -> str:
        reason = request.POST.get("rejection_reason", "")
        deploys.reject(found, by=request.user, reason=reason, now=timezone.now())
        return f"Deploy request #{found.pk} rejected."

    return _decide(request, request_id, step)


@require_POST
def deploy_request_deployed(request: HttpRequest, request_id: int) -> HttpResponse:
    def step(found: DeployRequest) -> str:
        deploys.mark_deployed(found, by=request.user, now=timezone.now())
        return f"Deploy request #{found.pk} marked deployed; the deployment is recorded."

    return _decide(request, request_id, step)


@require_GET
def deployment_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.deployment_filters(request.GET)
    page = Paginator(selectors.deployment_list(filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ctx = {
        "page": page,
        "filters": filters,
        "environments": Environment.choices,
        "query": filters.query(),
    }
    return render(request, "releases/deploys/deployment_list.html", ctx)


@require_http_methods(["GET", "POST"])
@permissions.team_work("recording a deployment")
def deployment_new(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    initial = {"deployed_at": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M")}
    form = DeploymentEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            deploys.record_deployment(
                environment=data["environment"],
                services=data["services"],
                deployed_by=data["deployed_by"].strip() or request.user.get_username(),
                deployed_at=data["deployed_at"],
                url=data["url"],
                description=data["description"],
                now=now,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Deployment recorded.")
            return redirect("deployment-list")
    status = 400 if form.errors else 200
    ctx = {
        "form": form,
        "read_only": permissions.read_only_note(request, what="recording a deployment"),
    }
    return render(request, "releases/deploys/deployment_new.html", ctx, status=status)


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _per_week(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _scope_cells(scope: selectors.ScopeFigures, since: datetime, until: datetime) -> dict:
    """One scope's numbers, each with the deployments list behind it."""
    f, cfr = scope.frequency, scope.failures
    listing = reverse("deployment-list")
    params = {"since": isoformat_utc(since), "until": isoformat_utc(until)}
    if scope.environment:
        params["environment"] = scope.environment
    failed = ",".join(str(x.deployment.id) for x in cfr.failures)
    return {
        "label": "Production" if scope.environment else "All environments",
        "deployments": f.deployments,
        "deployments_href": f"{listing}?{urlencode(params)}",
        "deploy_days": f.deploy_days,
        "deploys_per_week": _per_week(f.deploys_per_week),
        "deploy_days_per_week": _per_week(f.deploy_days_per_week),
        "failed": cfr.failed,
        "failed_href": f"{listing}?{urlencode({'ids': failed})}" if failed else "",
        "rate": _percent(cfr.rate),
    }


def dora_section(
    *,
    since: datetime,
    until: datetime,
    as_of: datetime,
    sprints: list[tuple[int, datetime, datetime]] | None = None,
) -> dict[str, Any]:
    """The metrics page's deployment figures, prod and all environments, each number
    linking to the deployments behind it, each failed deployment with why, and the same
    figures for each sprint of the trend."""
    figures = selectors.dora_figures(since=since, until=until, as_of=as_of)
    listing = reverse("deployment-list")
    every = next(s for s in figures.scopes if s.environment is None)
    failures = [
        {
            "id": x.deployment.id,
            "href": f"{listing}?ids={x.deployment.id}#deployment-{x.deployment.id}",
            "deployed_at": x.deployment.deployed_at,
            "environment": x.deployment.environment,
            "services": sorted(x.deployment.services),
            "rolled_back": x.rolled_back,
            "incidents": [(i, reverse("incident-detail", args=[i])) for i in x.incident_ids],
            "reasons": x.reasons(),
        }
        for x in every.failures.failures
    ]
    trend = [
        {
            "number": point.number,
            "page": reverse("incident-metrics") + f"?sprint={point.number}",
            "scopes": [_scope_cells(s, point.since, point.until) for s in point.scopes],
        }
        for point in selectors.dora_trend(sprints or [], as_of=as_of)
    ]
    return {
        "rows": [_scope_cells(s, since, until) for s in figures.scopes],
        "failures": failures,
        "trend": trend,
        "window_hours": f"{figures.window / timedelta(hours=1):g}",
    }

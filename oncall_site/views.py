"""The dashboard (the primary on-call's home page) and the health probe."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.selectors_needs import open_by_severity
from oncall_site import permissions
from oncall_site.dashboard import (
    alert_card,
    capacity_card,
    incident_card,
    needs_now,
    rotation_fairness,
)
from oncall_site.models import WorkerHeartbeat
from oncall_site.needs import total
from oncall_site.page_cache import kept
from oncall_site.selectors import sync_freshness
from releases.selectors_report import next_release
from rotations import selectors as rotation_selectors
from security import selectors as security_selectors
from security.models import SlaPolicy
from security.selectors_findings import finding_counts


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    # The panels carry the viewer's role and the checklist's forms: kept per user.
    body, needs_total = kept("dashboard", lambda: _dashboard_body(request), request=request)
    return render(request, "dashboard.html", {"body": body, "needs_total": needs_total})


def _dashboard_body(request: HttpRequest) -> tuple[SafeString, int]:
    now = timezone.now()
    overview = rotation_selectors.on_call_overview(now=now, user=request.user)
    sprint, rotation = overview["sprint"], overview["rotation"]
    secrel = security_selectors.secrel_status(as_of=now)
    pr_count, prs = security_selectors.open_dependabot_prs()
    findings = finding_counts(now=now, rules=SlaPolicy.current().rules())
    upcoming = next_release(after=now, as_of=now)
    release = upcoming.row if upcoming else None
    needs = needs_now(
        now=now,
        sprint=sprint,
        secrel=secrel,
        queue=prs.counts,
        findings=findings,
        release=release,
    )
    open_counts = open_by_severity()
    pending_deploys = sum(n.count for n in needs if n.kind == "deploy_requests")
    ctx = {
        "now": now,
        "needs": needs,
        "needs_total": total(needs),
        "overview": overview,
        "incidents": incident_card(now=now, sprint=sprint, counts=open_counts),
        "capacity": capacity_card(
            now=now,
            sprint=sprint,
            rotation=rotation,
            open_counts=open_counts,
            secrel=secrel,
            findings=findings,
            queue=prs.counts,
            pending_deploys=pending_deploys,
        ),
        "alerts": alert_card(),
        "fairness": rotation_fairness(now=now),
        "findings": findings,
        "sources": sync_freshness(now=now),
        "secrel": secrel,
        "dependabot_count": pr_count,
        "dependabot_prs": prs,
        "release": release,
        "upcoming_release": upcoming,
        # Why this reader may not tick the checklist ("" when they may): ticks without buttons.
        "checklist_refusal": rotation
        and permissions.checklist_refusal(permissions.request_actor(request), rotation, now=now),
    }
    # A template renders to a SafeString already: the panels are escaped inside it.
    return render_to_string("_dashboard_body.html", ctx, request), ctx["needs_total"]


@never_cache
@require_GET
def dashboard_needs(request: HttpRequest) -> HttpResponse:
    """ "Needs you now" alone: what the dashboard's script fetches every 30 seconds."""
    return HttpResponse(kept("needs", _needs_html))


def _needs_html() -> str:
    now = timezone.now()
    needs = needs_now(now=now)
    return render_to_string(
        "_needs.html", {"now": now, "needs": needs, "needs_total": total(needs)}
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Public: database reachable? worker alive (heartbeat younger than the threshold)?"""
    body: dict = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        body["database"] = {"status": "ok", "vendor": connection.vendor}
    except DatabaseError as exc:
        body["database"] = {"status": "error", "error": str(exc)}
        body["status"] = "error"
        return JsonResponse(body, status=503)

    stale_after = settings.WORKER_HEARTBEAT_STALE_SECONDS
    try:
        age = WorkerHeartbeat.age_seconds()
    except DatabaseError as exc:  # e.g. migrations not applied yet
        age = None
        body["database"] = {"status": "error", "error": str(exc)}
        body["status"] = "error"
    if age is None:
        worker = {
            "status": "unknown",
            "heartbeat_age_seconds": None,
            "detail": "no worker has reported yet; is qcluster running?",
        }
        body["status"] = "degraded" if body["status"] == "ok" else body["status"]
    elif age > stale_after:
        worker = {
            "status": "stale",
            "heartbeat_age_seconds": round(age, 1),
            "detail": f"last heartbeat over {stale_after}s ago; is qcluster running?",
        }
        body["status"] = "degraded" if body["status"] == "ok" else body["status"]
    else:
        worker = {"status": "ok", "heartbeat_age_seconds": round(age, 1)}
    body["worker"] = worker
    return JsonResponse(body, status=200 if body["status"] != "error" else 503)

"""The dashboard (the primary on-call's home page) and the health probe."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from oncall_site.models import WorkerHeartbeat
from oncall_site.selectors import sync_freshness
from releases import selectors as release_selectors
from rotations import selectors as rotation_selectors
from security import selectors as security_selectors


def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    pr_count, prs = security_selectors.open_dependabot_prs()
    ctx = {
        "overview": rotation_selectors.on_call_overview(now=now, user=request.user),
        "sources": sync_freshness(now=now),
        "secrel": security_selectors.secrel_status(),
        "dependabot_count": pr_count,
        "dependabot_prs": prs,
        "release": release_selectors.next_release(now=now),
    }
    return render(request, "dashboard.html", ctx)


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

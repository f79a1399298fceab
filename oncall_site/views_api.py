"""`GET /api/v1/summary` (what the dashboard shows, for chat bots and other dashboards) and
`GET /api/v1/oncall` (who is on call now and next), for a session or an API token."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from oncall_site.auth import api_login_required
from oncall_site.dashboard import needs_now
from oncall_site.needs import total
from oncall_site.page_cache import kept
from oncall_site.selectors import sync_freshness
from rotations.models import Engineer, Sprint
from rotations.selectors import (
    current_sprint,
    pagerduty_check,
    rotation_of,
    upcoming_sprints,
)
from security import selectors as security_selectors


def _instant(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _engineer(engineer: Engineer | None) -> dict[str, Any] | None:
    if engineer is None:
        return None
    return {
        "name": engineer.name,
        "email": engineer.email or None,
        "github_login": engineer.github_login or None,
        "pagerduty_user_id": engineer.pagerduty_user_id or None,
    }


def _sprint(sprint: Sprint) -> dict[str, Any]:
    return {
        "number": sprint.number,
        "first_day": sprint.start_date.isoformat(),
        "last_day": sprint.last_day.isoformat(),
        "starts_at": _instant(sprint.starts_at),
        "ends_at": _instant(sprint.ends_at),
    }


def oncall_document(*, now: datetime) -> dict[str, Any]:
    sprint = current_sprint(now=now)
    rotation = rotation_of(sprint) if sprint else None
    current = None
    if sprint is not None:
        current = {
            **_sprint(sprint),
            "primary": _engineer(rotation.primary) if rotation else None,
            "secondary": _engineer(rotation.secondary) if rotation else None,
            "confirmed": rotation.confirmed if rotation else False,
        }
    upcoming = upcoming_sprints(now=now, limit=1)
    following = None
    if upcoming:
        up = upcoming[0]
        following = {
            **_sprint(up.sprint),
            "primary": _engineer(up.primary),
            "secondary": _engineer(up.secondary),
            "status": up.status,
        }
    return {
        "as_of": _instant(now),
        "timezone": settings.ONCALL_TIMEZONE,
        "now": current,
        "next": following,
        "pagerduty": [
            {
                "level": check.level,
                "role": check.role,
                "paged": list(check.paged),
                "matches": check.matches,
            }
            for check in pagerduty_check(rotation)
        ],
    }


def summary_document(request: HttpRequest, *, now: datetime) -> dict[str, Any]:
    secrel = security_selectors.secrel_status(as_of=now)
    needs = needs_now(now=now, secrel=secrel)
    first = secrel.failing_since
    return {
        "as_of": _instant(now),
        "needs_you_now": {
            "total": total(needs),
            "items": [
                {
                    "kind": need.kind,
                    "title": need.title,
                    "detail": need.detail or None,
                    "count": need.count,
                    "since": _instant(need.since),
                    "url": request.build_absolute_uri(need.url),
                }
                for need in needs
            ],
        },
        "secrel": {
            "branch": secrel.branch,
            "state": "unknown"
            if secrel.passing is None
            else ("passing" if secrel.passing else "failing"),
            "failing_since_run_number": first.run_number if first else None,
            "failing_since": _instant(first.created_at) if first else None,
            "red_runs": secrel.red_runs,
        },
        "oncall": oncall_document(now=now),
        "sources": [
            {
                "vendor": vendor.key,
                "status": vendor.status,
                "jobs": [
                    {
                        "job": job.key,
                        "status": job.freshness.status,
                        "data_as_of": _instant(job.freshness.data_as_of),
                        "stale": job.freshness.stale,
                        "error": job.freshness.error or None,
                    }
                    for job in vendor.jobs
                ],
            }
            for vendor in sync_freshness(now=now)
        ],
    }


@never_cache
@api_login_required
@require_GET
def summary_api(request: HttpRequest) -> JsonResponse:
    # Links in it are absolute, so it is kept per host name.
    document = kept(
        f"summary:{request.get_host()}",
        lambda: summary_document(request, now=timezone.now()),
    )
    return JsonResponse(document)


@never_cache
@api_login_required
@require_GET
def oncall_api(request: HttpRequest) -> JsonResponse:
    return JsonResponse(oncall_document(now=timezone.now()))

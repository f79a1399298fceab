"""`GET /api/v1/releases`: every release in order of `scheduled_at`, 100 a page, for a
logged-in session or an API token (see `oncall_site.auth`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents.windows import WindowError, parse_instant
from oncall_site.auth import api_login_required
from releases import selectors
from rotations.models import team_zone

PER_PAGE = 100


@never_cache
@api_login_required
@require_GET
def releases_api(request: HttpRequest) -> JsonResponse:
    """Optional `since` / `until` (ISO 8601 instants or dates on the team's clock) select
    releases scheduled in [since, until); `page` is 1-based."""
    releases = selectors.all_releases()
    try:
        for name, lookup in (("since", "scheduled_at__gte"), ("until", "scheduled_at__lt")):
            if request.GET.get(name):
                moment = parse_instant(request.GET[name], name, team_zone())
                releases = releases.filter(**{lookup: moment})
    except WindowError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    try:
        page = Paginator(releases, PER_PAGE).page(request.GET.get("page") or 1)
    except (EmptyPage, PageNotAnInteger):
        return JsonResponse({"error": "No such page."}, status=404)
    rows = selectors.release_rows(page, now=timezone.now())
    following = None
    if page.has_next():
        query = request.GET.copy()
        query["page"] = str(page.next_page_number())
        following = request.build_absolute_uri(request.path) + "?" + urlencode(query)
    return JsonResponse({"releases": selectors.releases_json(rows), "next": following})

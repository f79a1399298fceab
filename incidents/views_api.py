"""The JSON API: `GET /api/v1/metrics`, for a logged-in session or an API token (see
`oncall_site.auth`)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents import selectors_metrics
from incidents.windows import WindowError, parse_instant
from oncall_site.auth import api_login_required
from oncall_site.metrics import metrics_document
from rotations.models import team_zone


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@never_cache
@api_login_required
@require_GET
def metrics_api(request: HttpRequest) -> JsonResponse:
    """`?since=ISO&until=ISO` (or `?sprint=N`), optional `as_of=ISO` (default now)."""
    try:
        window = selectors_metrics.window_from_params(request.GET, default_to_current=False)
        as_of = (
            parse_instant(request.GET["as_of"], "as_of", team_zone())
            if request.GET.get("as_of")
            else timezone.now()
        )
    except WindowError as exc:
        return _error(400, str(exc))
    body = metrics_document(since=window.since, until=window.until, as_of=as_of)
    return JsonResponse(body)

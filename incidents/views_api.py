"""The JSON API: `GET /api/v1/metrics`, for a logged-in session or an API token.

Token scheme: `Authorization: Bearer <token>`. Tokens are created in the admin (shown once)
and stored as their SHA-256 (see `ApiToken`); a request with a token acts as its user,
who must be active. No session, no CSRF: the API only reads.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from incidents import selectors
from incidents.models import ApiToken, token_digest
from incidents.windows import WindowError, parse_instant
from rotations.models import team_zone

# last_used_at is for people spotting stale tokens, not an audit log: one write a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="oncall"'
    return response


def token_user(header: str) -> AbstractBaseUser | None:
    """The active user owning the bearer token in `header`, or None."""
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(secret), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@login_not_required
@never_cache
@require_GET
def metrics_api(request: HttpRequest) -> JsonResponse:
    """`?since=ISO&until=ISO` (or `?sprint=N`), optional `as_of=ISO` (default now)."""
    header = request.headers.get("Authorization", "")
    if header:
        if token_user(header) is None:
            return _error(
                401, "The API token is unknown, revoked, or not sent as 'Bearer <token>'."
            )
    elif not request.user.is_authenticated:
        return _error(401, "Log in, or send an API token: 'Authorization: Bearer <token>'.")
    try:
        window = selectors.window_from_params(request.GET, default_to_current=False)
        as_of = (
            parse_instant(request.GET["as_of"], "as_of", team_zone())
            if request.GET.get("as_of")
            else timezone.now()
        )
    except WindowError as exc:
        return _error(400, str(exc))
    body = selectors.metrics_document(since=window.since, until=window.until, as_of=as_of)
    return JsonResponse(body)

"""Authentication for the JSON API: a logged-in session, or an API token.

Token scheme: `Authorization: Bearer <token>`. Tokens are created in the admin (shown once)
and stored as their SHA-256 (see `ApiToken`); a request with a token acts as its user, who
must be active. No session is created and there is no CSRF check: the API only reads.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from oncall_site.models import ApiToken, token_digest

# last_used_at is for people spotting stale tokens, not an audit log: one write a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)

BAD_TOKEN = "The API token is unknown, revoked, or not sent as 'Bearer <token>'."
NO_CREDENTIALS = "Log in, or send an API token: 'Authorization: Bearer <token>'."


def token_user(header: str, *, now: datetime) -> AbstractBaseUser | None:
    """The active user owning the bearer token in the `Authorization` header, or None.

    Notes the token as used at `now` (at most once a minute)."""
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
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def unauthorized(message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="oncall"'
    return response


View = Callable[..., HttpResponse]


def api_login_required(view: View) -> View:
    """A JSON view for a logged-in session or a bearer token, else 401 in JSON.

    A request that sends a token is judged by the token alone (a bad one is refused even
    with a session) and acts as its user. The site's login redirect is for pages, so the
    view is exempt from it.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header:
            user = token_user(header, now=timezone.now())
            if user is None:
                return unauthorized(BAD_TOKEN)
            request.user = user
        elif not request.user.is_authenticated:
            return unauthorized(NO_CREDENTIALS)
        return view(request, *args, **kwargs)

    return login_not_required(wrapped)

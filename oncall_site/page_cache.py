"""Pages the team's browsers ask for every 30 seconds, kept until the data or the minute
changes.

A kept value is valid for one data version (`oncall_site.data_version`: raised by every
write) and one minute of the clock (so "waited 12 minutes", overdue updates and SLA clocks
are never more than a minute behind). Values that carry a person's role or a form's CSRF
token are kept per user and per CSRF secret. `PAGE_CACHE_SECONDS = 0` computes every time
(the test suite does, except the tests of this module).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone

from oncall_site import data_version

T = TypeVar("T")


def key_for(name: str, *, version: int, minute: int, request: HttpRequest | None) -> str:
    parts = [f"page:{name}", str(version), str(minute)]
    if request is not None:
        get_token(request)  # the token a kept form carries must stay valid for this session
        secret = request.META.get("CSRF_COOKIE") or ""
        parts += [str(request.user.pk), hashlib.sha256(secret.encode()).hexdigest()[:16]]
    return ":".join(parts)


def kept(name: str, compute: Callable[[], T], *, request: HttpRequest | None = None) -> T:
    """`compute()`, or what it returned earlier for this data version and minute (and this
    user and CSRF secret when `request` is given)."""
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds:
        return compute()
    minute = int(timezone.now().timestamp() // 60)
    key = key_for(name, version=data_version.current(), minute=minute, request=request)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, seconds)
    return value

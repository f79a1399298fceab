from django.http import HttpRequest
from django.utils import timezone

from rotations import selectors


def on_call_now(request: HttpRequest) -> dict:
    """The current sprint and on-call pair for the header of every page (one query)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"header_sprint": selectors.current_sprint(now=timezone.now())}

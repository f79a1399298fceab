from django.http import HttpRequest
from django.utils import timezone

from rotations import selectors


def on_call_now(request: HttpRequest) -> dict:
    """The current sprint and on-call pair for the header of every page (one query per
    request: a page rendered in parts, such as the dashboard's kept body, asks again)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    if not hasattr(request, "_header_sprint"):
        request._header_sprint = selectors.current_sprint(now=timezone.now())
    return {"header_sprint": request._header_sprint}

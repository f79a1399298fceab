"""The rotations page, each engineer's history, confirming proposals, the checklist and the feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oncall_site import permissions
from rotations import selectors, services
from rotations.forms import RotationConfirmForm
from rotations.ical import rotation_calendar
from rotations.models import (
    CalendarFeed,
    CheckItem,
    ChecklistEntry,
    Engineer,
    Rotation,
    Sprint,
    team_today,
)


@require_GET
def rotation_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    current = selectors.current_sprint(now=now)
    past = Paginator(selectors.past_sprints(now=now), 12).get_page(request.GET.get("page"))
    ctx = {
        "current": current,
        "current_rotation": selectors.rotation_of(current),
        "upcoming": selectors.upcoming_sprints(now=now),
        "past": past,
        "engineers": selectors.engineers_with_duty_counts(now=now),
        "active_engineers": list(Engineer.objects.filter(active=True)),
        "confirm_refusal": permissions.proposal_refusal(permissions.request_actor(request)),
    }
    return render(request, "rotations/rotation_list.html", ctx)


@require_GET
def engineer_history(request: HttpRequest, engineer_id: int) -> HttpResponse:
    engineer = get_object_or_404(Engineer, pk=engineer_id)
    rotations = Paginator(selectors.engineer_rotations(engineer), 25).get_page(
        request.GET.get("page")
    )
    ctx = {
        "engineer": engineer,
        "away": selectors.still_away(engineer, today=team_today(timezone.now())),
        "rotations": rotations,
        "duties": selectors.duties_of(engineer, rotations),
    }
    return render(request, "rotations/engineer_history.html", ctx)


@require_POST
def rotation_confirm(request: HttpRequest, number: int) -> HttpResponse:
    sprint = get_object_or_404(Sprint, number=number)
    refusal = permissions.rotation_confirm_refusal(
        permissions.request_actor(request),
        number=sprint.number,
        last_day=sprint.last_day,
        ends_at=sprint.ends_at,
        now=timezone.now(),
    )
    if refusal:
        raise PermissionDenied(refusal)
    form = RotationConfirmForm(request.POST)
    back = reverse("rotations") + f"#sprint-{number}"
    if not form.is_valid():
        for error in form.errors.get("__all__", []):
            messages.error(request, f"Sprint {number}: {error}")
        for field, errors in form.errors.items():
            if field != "__all__":
                messages.error(request, f"Sprint {number}, {field}: {' '.join(errors)}")
        return redirect(back)
    try:
        services.rotation_confirm(
            sprint=sprint,
            primary=form.cleaned_data["primary"],
            secondary=form.cleaned_data["secondary"],
            notes=form.cleaned_data["notes"] or None,
            user=request.user,
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, f"Sprint {number}: {error}")
        return redirect(back)
    messages.success(
        request,
        f"Sprint {number} confirmed: {form.cleaned_data['primary']} primary, "
        f"{form.cleaned_data['secondary']} secondary.",
    )
    return redirect(back)


@require_POST
def checklist_toggle(request: HttpRequest, number: int, item: str) -> HttpResponse:
    if item not in CheckItem.values:
        raise Http404("No such checklist item.")
    entry = get_object_or_404(
        ChecklistEntry.objects.select_related("rotation__sprint"),
        rotation__sprint__number=number,
        item=item,
    )
    refusal = permissions.checklist_refusal(
        permissions.request_actor(request), entry.rotation, now=timezone.now()
    )
    if refusal:
        raise PermissionDenied(refusal)
    services.checklist_mark(entry=entry, done=request.POST.get("done") == "1", user=request.user)
    target = request.POST.get("next", "")
    return redirect(
        target if target in {reverse("dashboard"), reverse("rotations")} else reverse("dashboard")
    )


@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Make or reset one's secret calendar address. Only its hash is stored, so the address
    is shown once, in the answer to the POST that made it (not kept in the session)."""
    feed = CalendarFeed.objects.filter(user=request.user).first()
    ctx = {"feed": feed, "engineer": Engineer.objects.filter(user=request.user).first()}
    if request.method == "POST":
        reset = feed is not None
        feed = feed or CalendarFeed(user=request.user)
        secret = feed.set_new_secret()
        feed.save()
        ctx.update(
            feed=feed,
            reset=reset,
            feed_url=request.build_absolute_uri(reverse("calendar-feed", args=[secret])),
        )
    return render(request, "rotations/calendar.html", ctx)


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeed.objects.serving(token).select_related("user").first()
    if feed is None:
        raise Http404("Unknown calendar address; it may have been reset, or its owner left.")
    rotations = Rotation.objects.select_related("sprint", "primary", "secondary").order_by(
        "sprint__number"
    )
    engineer_id = None
    if request.GET.get("mine") == "1":
        engineer = Engineer.objects.filter(user=feed.user).first()
        engineer_id = engineer.pk if engineer else -1
        rotations = rotations.filter(primary_id=engineer_id) | rotations.filter(
            secondary_id=engineer_id
        )
    body = rotation_calendar(
        rotations,
        site_url=request.build_absolute_uri("/").rstrip("/"),
        generated_at=timezone.now(),
        engineer_id=engineer_id,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="oncall-rotation.ics"'
    return response

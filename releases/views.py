"""The release pages: the next release and past ones, a release's page, a team's answer,
and the captain's forms (move, go / no-go, re-send the reminder)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oncall_site import permissions
from releases import reminders, selectors, services
from releases.forms import AnswerForm, DecisionForm, MoveForm
from releases.models import Release
from rotations.models import PartnerTeam


def _errors_onto(form: Form, exc: ValidationError) -> None:
    """A service's ValidationError on the form's fields (or on the form as a whole)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "releases/forbidden.html", {"message": message}, status=403)


def _steering(row: selectors.ReleaseRow, request: HttpRequest) -> dict[str, Any]:
    """What the viewer may do on a release, and the captain's forms filled in."""
    release = row.release
    actor = permissions.request_actor(request)
    captain = services.is_captain(release, request.user)
    out = services.went_out(release, now=timezone.now())
    number = release.sprint.number
    steer = (
        permissions.release_steer_refusal(actor, number=number, is_captain=captain, went_out=out)
        is None
    )
    answerable = {
        r.team.pk
        for r in row.teams
        if permissions.release_answer_refusal(
            actor,
            number=number,
            team_id=r.team.pk,
            team_name=r.team.name,
            is_captain=captain,
            went_out=out,
        )
        is None
    }
    return {
        "may_steer": steer,
        "answerable": answerable,
        "move_form": MoveForm(
            initial={
                "scheduled_at": timezone.localtime(release.scheduled_at),
                "answers_close_at": release.answers_close_at
                and timezone.localtime(release.answers_close_at),
                "captain": release.captain_id,
            }
        ),
        "decision_form": DecisionForm(
            initial={"decision": release.decision, "note": release.decision_note}
        ),
    }


@require_GET
def release_page(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    known = selectors.catalogue()
    row = selectors.next_release(now=now, known=known)
    page = Paginator(selectors.past_releases(now=now), selectors.PAST_PER_PAGE).get_page(
        request.GET.get("page")
    )
    ctx: dict[str, Any] = {
        "row": row,
        "page": page,
        "past": selectors.release_rows(page, now=now, known=known),
        "now": now,
    }
    if row is not None:
        ctx |= _steering(row, request)
    return render(request, "releases/release_page.html", ctx)


@require_GET
def release_detail(request: HttpRequest, number: int) -> HttpResponse:
    now = timezone.now()
    row = selectors.release_of_sprint(number, now=now)
    if row is None:
        raise Http404(f"Sprint {number} has no release.")
    ctx = {"row": row, "now": now} | _steering(row, request)
    return render(request, "releases/release_detail.html", ctx)


def _release(number: int) -> Release:
    return get_object_or_404(
        Release.objects.select_related("sprint__rotation__primary", "captain"),
        sprint__number=number,
    )


@require_http_methods(["GET", "POST"])
def release_answer(request: HttpRequest, number: int, team: str) -> HttpResponse:
    release = _release(number)
    partner = get_object_or_404(PartnerTeam, slug=team)
    now = timezone.now()
    refusal = services.answer_refusal(release, partner, request.user, now=now)
    if refusal:
        return _forbidden(request, refusal)
    answer = release.answers.filter(team=partner).first()
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.answer_save(
                    release=release,
                    team=partner,
                    opted_in=form.cleaned_data["opted_in"],
                    description=form.cleaned_data["description"],
                    hashes=form.cleaned_data["hash_map"],
                    user=request.user,
                    now=now,
                )
            except ValidationError as exc:
                _errors_onto(form, exc)
            except PermissionDenied as exc:
                return _forbidden(request, str(exc))
            else:
                messages.success(request, f"{partner.name}'s answer is recorded.")
                return redirect("release-detail", number=number)
    else:
        form = AnswerForm(
            initial={
                "opted_in": None if answer is None else ("in" if answer.opted_in else "out"),
                "description": answer.description if answer else "",
                "hashes": "\n".join(
                    f"{s} {h}" for s, h in (answer.hashes if answer else {}).items()
                ),
            }
        )
    team_services = list(partner.services.filter(active=True).values_list("name", flat=True))
    ctx = {
        "release": release,
        "team": partner,
        "form": form,
        "answer": answer,
        "team_services": team_services,
        "closed": now >= release.answers_close,
        "on_behalf": services.may_steer(release, request.user, now=now),
    }
    return render(request, "releases/answer.html", ctx, status=400 if form.errors else 200)


@require_POST
def release_move(request: HttpRequest, number: int) -> HttpResponse:
    release = _release(number)
    refusal = services.steer_refusal(release, request.user)
    if refusal:
        return _forbidden(request, refusal)
    form = MoveForm(request.POST)
    if form.is_valid():
        try:
            services.release_move(
                release=release,
                scheduled_at=form.cleaned_data["scheduled_at"],
                answers_close_at=form.cleaned_data["answers_close_at"],
                captain=form.cleaned_data["captain"],
                user=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"The release of sprint {number} is saved.")
            return redirect("release-detail", number=number)
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"Not moved: {label + ': ' if label else ''}{error}")
    return redirect("release-detail", number=number)


@require_POST
def release_decide(request: HttpRequest, number: int) -> HttpResponse:
    release = _release(number)
    refusal = services.steer_refusal(release, request.user)
    if refusal:
        return _forbidden(request, refusal)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose go or no-go.")
        return redirect("release-detail", number=number)
    row = selectors.release_of_sprint(number, now=timezone.now())
    services.release_decide(
        release=release,
        decision=form.cleaned_data["decision"],
        note=form.cleaned_data["note"],
        user=request.user,
        manifest=row.manifest if row else [],
    )
    messages.success(request, f"{release.get_decision_display()} recorded for sprint {number}.")
    return redirect("release-detail", number=number)


@require_POST
def release_remind(request: HttpRequest, number: int) -> HttpResponse:
    release = _release(number)
    refusal = services.steer_refusal(release, request.user)
    if refusal:
        return _forbidden(request, refusal)
    outcome = reminders.resend(release)
    level = messages.success if outcome.sent else messages.error
    level(request, f"Reminder of sprint {number}: {outcome.message}")
    return redirect("release-detail", number=number)

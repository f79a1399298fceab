"""`/reports/`: every sprint's handoff report, newest first; `/reports/sprint/<number>/`: the
report as a page, `?format=json` or `?format=pdf` (`&paper=a4`); the handoff notes' form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from oncall_site.page_cache import kept
from reports import handoff, selectors
from reports.document import report_document
from reports.encoding import to_json
from reports.forms import HandoffForm
from reports.models import Handoff
from reports.pdf import PAPERS, PdfUnavailable, render_pdf
from rotations.models import Sprint, team_today

PAGE_SIZE = 20
FORMATS = ("html", "json", "pdf")


class NoSuchSprint(Exception):
    pass


def _sprint(number: int) -> Sprint:
    sprint = Sprint.objects.filter(number=number).first()
    if sprint is None:
        raise NoSuchSprint(number)
    return sprint


def _not_found(request: HttpRequest, number: int) -> HttpResponse:
    message = (
        f"There is no sprint {number}. Sprints are made from the cadence in the admin; "
        "the list of reports shows every sprint there is."
    )
    return render(request, "reports/not_found.html", {"message": message}, status=404)


@require_GET
def report_index(request: HttpRequest) -> HttpResponse:
    today = team_today(timezone.now())
    page = Paginator(selectors.reported_sprints(today=today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "reports/index.html", {"page": page, "today": today})


def refusal_for(
    request: HttpRequest, sprint: Sprint, *, pair: set[int], closed: bool
) -> str | None:
    """Why this person may not write the sprint's handoff (`handoff.refusal`), or None."""
    return handoff.refusal(
        writer=handoff.writer_of(request.user, pair),
        closed=closed,
        sprint_over=timezone.now() >= sprint.ends_at,
        number=sprint.number,
    )


def page_context(request: HttpRequest, sprint: Sprint, document: dict[str, Any]) -> dict:
    """What the page shows beside the document: neighbours, and whether this person may
    write the handoff (and if not, why)."""
    rotation = document["rotation"]
    pair = {p["id"] for p in (rotation["primary"], rotation["secondary"]) if p}
    return {
        "report": document,
        "neighbours": selectors.neighbours(sprint.number),
        "refusal": refusal_for(request, sprint, pair=pair, closed=document["handoff"]["closed"]),
        "form": HandoffForm(initial={"notes": document["handoff"]["notes"]}),
        "current": in_progress(document),
    }


def in_progress(document: dict[str, Any]) -> bool:
    return document["since"] <= document["generated_at"] < document["until"]


def report_html(document: dict[str, Any], *, request: HttpRequest | None = None) -> str:
    """The report page as printed: what the PDF and the command render."""
    return render_to_string(
        "reports/sprint.html",
        {"report": document, "printing": True, "current": in_progress(document)},
        request=request,
    )


@require_GET
def sprint_report(request: HttpRequest, number: int) -> HttpResponse:
    fmt = request.GET.get("format", "html")
    paper = request.GET.get("paper", "letter")
    if fmt not in FORMATS or paper not in PAPERS:
        return HttpResponse(
            f"Unknown format or paper: format is one of {', '.join(FORMATS)}, "
            f"paper one of {', '.join(PAPERS)}.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    try:
        sprint = _sprint(number)
    except NoSuchSprint:
        return _not_found(request, number)
    # The same for everyone until the data or the minute changes (oncall_site/page_cache.py).
    document = kept(
        f"report:{sprint.number}", lambda: report_document(sprint, as_of=timezone.now())
    )
    if fmt == "json":
        return HttpResponse(to_json(document), content_type="application/json")
    if fmt == "pdf":
        try:
            pdf = render_pdf(report_html(document, request=request), paper=paper)
        except PdfUnavailable as exc:
            return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="sprint-{number}-handoff.pdf"'
        return response
    ctx = page_context(request, sprint, document)
    ctx["sections_html"] = kept(
        f"report-sections:{sprint.number}",
        lambda: render_to_string("reports/_sections.html", {"report": document}),
    )
    return render(request, "reports/sprint.html", ctx)


@require_POST
def handoff_edit(request: HttpRequest, number: int) -> HttpResponse:
    """Save the notes (`action=save`) or save and close them (`action=close`)."""
    try:
        sprint = _sprint(number)
    except NoSuchSprint:
        return _not_found(request, number)
    back = reverse("reports:sprint", args=[number]) + "#handoff"
    # Only who may write is read first: the whole report is composed again only to show a
    # refused form.
    refusal = refusal_for(
        request,
        sprint,
        pair=selectors.pair_of(sprint),
        closed=Handoff.objects.filter(sprint=sprint, closed_at__isnull=False).exists(),
    )
    if refusal:
        raise PermissionDenied(refusal)
    form = HandoffForm(request.POST)
    close = request.POST.get("action") == "close"
    if form.is_valid():
        try:
            handoff.handoff_save(
                sprint=sprint,
                notes=form.cleaned_data["notes"],
                user=request.user,
                now=timezone.now(),
                close=close,
            )
        except ValidationError as exc:
            form.add_error("notes", exc)
    if not form.is_valid():
        ctx = page_context(request, sprint, report_document(sprint, as_of=timezone.now()))
        return render(request, "reports/sprint.html", {**ctx, "form": form}, status=400)
    messages.success(
        request,
        f"Sprint {number}'s handoff closed: the notes are frozen."
        if close
        else f"Sprint {number}'s handoff notes saved.",
    )
    return redirect(back)

"""`/reports/sprint/<number>/`: the sprint handoff report."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from reports.document import report_document
from reports.encoding import to_json
from rotations.models import Sprint


def sprint_report(request: HttpRequest, number: int) -> HttpResponse:
    sprint = Sprint.objects.filter(number=number).first()
    if sprint is None:
        raise Http404(f"There is no sprint {number}.")
    document = report_document(sprint, as_of=timezone.now())
    if request.GET.get("format") == "json":
        return HttpResponse(to_json(document), content_type="application/json")
    return render(request, "reports/sprint.html", {"report": document})

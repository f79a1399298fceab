"""The findings list, a finding's page with its remediation forms, and entering one by hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from oncall_site.page_cache import kept
from oncall_site.permissions import read_only_note, team_work
from oncall_site.selectors import freshness_of
from security import remediation
from security import selectors_findings as selectors
from security.forms import (
    CloseForm,
    EscalateForm,
    ExceptionGrantForm,
    ExceptionRequestForm,
    FindingEntryForm,
    RateForm,
    UpgradeForm,
    now_local,
)
from security.models import Finding, FindingSource, Rating, SlaPolicy, Tool

PAGE_SIZE = 25  # a screenful of the most urgent; the filters narrow the rest
JOBS = ("github.code_scanning", "github.dependabot_alerts")


def _apply_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form as a whole)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_GET
def finding_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    policy = SlaPolicy.current()
    rules = policy.rules()
    filters = selectors.filters_from_params(request.GET)
    page = Paginator(selectors.finding_list(filters, now=now, rules=rules), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    freshness = freshness_of(JOBS, now=now)
    # The figures at the top read every open finding: kept until the data or the minute
    # changes, like the dashboard (the list itself is one page of rows, read every time).
    counts = kept("finding-counts", lambda: selectors.finding_counts(now=now, rules=rules))
    ctx = {
        "page": page,
        "rows": selectors.finding_rows(page, now=now, rules=rules),
        "filters": filters,
        "counts": counts,
        "figures": _figures(counts),
        "query": filters.query(),
        "policy": policy,
        "states": selectors.STATES,
        "overdue_choices": selectors.OVERDUE,
        "severities": Rating.choices,
        "tools": Tool.choices,
        "sources": FindingSource.choices,
        "soon_days": selectors.SOON_DAYS,
        "freshness": [(key, freshness[key]) for key in JOBS],
        "now": now,
    }
    return render(request, "security/findings_list.html", ctx)


def _figures(counts: selectors.FindingCounts) -> dict[str, list[tuple[str, int, str]]]:
    """The counts as (label, number, link to the list behind it), in groups."""
    url = reverse("finding-list")
    labels = dict(Rating.choices)
    return {
        "SLA": [
            ("Overdue", counts.overdue, f"{url}?overdue=yes"),
            (f"Due within {selectors.SOON_DAYS} days", counts.due_soon, f"{url}?overdue=soon"),
            ("Under exception", counts.excepted, f"{url}?state=excepted"),
        ],
        "Open by severity": [
            *[(labels[s], n, f"{url}?severity={s}") for s, n in counts.by_severity.items()],
        ],
        "Unrated": [("Not rated yet", counts.unrated, f"{url}?severity=unrated")],
        "By tool": [
            (label, counts.by_tool[tool], f"{url}?tool={tool}") for tool, label in Tool.choices
        ],
    }


@require_http_methods(["GET", "POST"])
@team_work("entering a finding")
def finding_new(request: HttpRequest) -> HttpResponse:
    form = FindingEntryForm(request.POST or None, initial={"first_seen_at": now_local()})
    if request.method == "POST" and form.is_valid():
        try:
            finding = remediation.finding_enter(
                **form.cleaned_data, user=request.user, now=timezone.now()
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Finding {finding.label} entered.")
            return redirect("finding-detail", finding.pk)
    status = 400 if form.is_bound else 200
    ctx = {"form": form, "read_only": read_only_note(request, what="entering a finding")}
    return render(request, "security/findings_new.html", ctx, status=status)


def _finding(finding_id: int) -> Finding:
    finding = selectors.finding_detail(finding_id)
    if finding is None:
        raise Http404("No such finding.")
    return finding


FORMS: dict[str, type[Form]] = {
    "upgrade": UpgradeForm,
    "request": ExceptionRequestForm,
    "grant": ExceptionGrantForm,
    "escalate": EscalateForm,
    "rate": RateForm,
    "close": CloseForm,
}


def _render_detail(
    request: HttpRequest, finding: Finding, *, bound: dict[str, Form] | None = None
) -> HttpResponse:
    """The page; a form that failed comes back in `bound` with its errors and what the
    person typed, and opens where it was."""
    bound = bound or {}
    now = timezone.now()
    policy = SlaPolicy.current()
    (row,) = selectors.finding_rows([finding], now=now, rules=policy.rules())
    forms = {name: bound.get(name) or form_class(prefix=name) for name, form_class in FORMS.items()}
    if "close" not in bound:
        forms["close"] = CloseForm(prefix="close", initial={"at": now_local()})
    ctx = {
        "finding": finding,
        "row": row,
        "history": selectors.finding_history(finding),
        "policy": policy,
        "forms": forms,
        "open_form": next(iter(bound), ""),
        "manual": finding.source == FindingSource.MANUAL,
        "now": now,
        "read_only": read_only_note(request, what="remediating a finding"),
    }
    return render(request, "security/findings_detail.html", ctx, status=400 if bound else 200)


@require_GET
def finding_detail(request: HttpRequest, finding_id: int) -> HttpResponse:
    return _render_detail(request, _finding(finding_id))


def _act(
    request: HttpRequest,
    finding_id: int,
    name: str,
    act: Callable[[Finding, dict[str, Any]], str],
) -> HttpResponse:
    """Validate the named form, call the service, say what happened; errors stay on the
    form, shown again on the page."""
    finding = _finding(finding_id)
    form = FORMS[name](request.POST, prefix=name)
    if form.is_valid():
        try:
            said = act(finding, form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, said)
            return redirect(reverse("finding-detail", args=[finding.pk]) + "#history")
    return _render_detail(request, finding, bound={name: form})


@require_POST
@team_work("remediating a finding")
def finding_upgrade(request: HttpRequest, finding_id: int) -> HttpResponse:
    def act(finding: Finding, data: dict[str, Any]) -> str:
        event = remediation.upgrade_record(
            finding=finding, **data, user=request.user, now=timezone.now()
        )
        return f"Upgrade in {event.pull_request} recorded on {finding.label}."

    return _act(request, finding_id, "upgrade", act)


@require_POST
@team_work("remediating a finding")
def finding_exception_request(request: HttpRequest, finding_id: int) -> HttpResponse:
    def act(finding: Finding, data: dict[str, Any]) -> str:
        remediation.exception_request(
            finding=finding, **data, user=request.user, now=timezone.now()
        )
        return f"Exception requested for {finding.label}."

    return _act(request, finding_id, "request", act)


@require_POST
@team_work("remediating a finding")
def finding_exception_grant(request: HttpRequest, finding_id: int) -> HttpResponse:
    def act(finding: Finding, data: dict[str, Any]) -> str:
        remediation.exception_grant(finding=finding, **data, user=request.user, now=timezone.now())
        through = data["valid_through"]
        return f"Exception granted for {finding.label} through {through:%b} {through.day}, {through.year}."

    return _act(request, finding_id, "grant", act)


@require_POST
@team_work("remediating a finding")
def finding_escalate(request: HttpRequest, finding_id: int) -> HttpResponse:
    def act(finding: Finding, data: dict[str, Any]) -> str:
        contact = remediation.escalate(
            finding=finding, **data, user=request.user, now=timezone.now()
        )
        return f"{finding.label} escalated to {contact}."

    return _act(request, finding_id, "escalate", act)


@require_POST
@team_work("rating a finding")
def finding_rate(request: HttpRequest, finding_id: int) -> HttpResponse:
    def act(finding: Finding, data: dict[str, Any]) -> str:
        remediation.severity_rate(finding=finding, **data, user=request.user, now=timezone.now())
        return f"{finding.label} is now rated {finding.get_severity_display().lower()}."

    return _act(request, finding_id, "rate", act)


@require_POST
@team_work("closing a finding")
def finding_close(request: HttpRequest, finding_id: int) -> HttpResponse:
    def act(finding: Finding, data: dict[str, Any]) -> str:
        remediation.finding_close(finding=finding, **data, user=request.user, now=timezone.now())
        return f"{finding.label} closed ({finding.get_closed_reason_display().lower()})."

    return _act(request, finding_id, "close", act)

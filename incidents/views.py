"""The incident list, declaring an incident, its detail page and the forms on it, and the
active alerts page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidents import partner_performance, rules, selectors, services, tickets
from incidents.forms import (
    ImpactEndForm,
    ImpactForm,
    IncidentDeclareForm,
    IncidentEditForm,
    TicketLinkForm,
    TransitionForm,
    UpdateForm,
    now_local,
)
from incidents.models import DatadogMonitor, Incident, IncidentImpact
from incidents.owners import assignee_ids, engineers_by_pagerduty_id, incident_owners
from oncall_site.permissions import read_only_note, team_work
from oncall_site.selectors import freshness_of
from rotations.models import PartnerTeam

PAGE_SIZE = 50
MONITORS_JOB = "datadog.monitors"


def _apply_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields (or on the form as a whole)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.filters_from_params(request.GET)
    incidents = selectors.incident_list(filters)
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    ctx = {
        "page": page,
        "incidents": selectors.with_markers(page, now=now),
        "filters": filters,
        "choices": selectors.filter_choices(now=now),
        "now": now,
        # Only asked when the page is empty: "nothing open" or "nothing yet".
        "any_incident": page.paginator.count > 0 or Incident.objects.exists(),
    }
    return render(request, "incidents/incident_list.html", ctx)


@require_http_methods(["GET", "POST"])
@team_work("declaring an incident")
def incident_new(request: HttpRequest) -> HttpResponse:
    form = IncidentDeclareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_declare(
                title=data["title"],
                started_at=data["started_at"],
                severity=data["severity"],
                service=data["service"],
                reporter_team=data["reporter_team"],
                description=data["description"],
                how_to_reproduce=data["how_to_reproduce"],
                application_non_functional=data["application_non_functional"],
                blocker=data["blocker"],
                user=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Incident #{incident.pk} declared.")
            return redirect("incident-detail", incident.pk)
    status = 400 if form.is_bound else 200
    note = read_only_note(request, what="declaring an incident")
    return render(
        request, "incidents/incident_new.html", {"form": form, "read_only": note}, status=status
    )


def _incident(incident_id: int) -> Incident:
    incident = selectors.incident_detail(incident_id)
    if incident is None:
        raise Http404("No such incident.")
    return incident


def _render_detail(
    request: HttpRequest,
    incident: Incident,
    *,
    status: int = 200,
    bound: dict[str, Form] | None = None,
    impact_forms: dict[int, tuple[Form, Form]] | None = None,
) -> HttpResponse:
    """The detail page; a form that failed is passed in `bound` and shown with its errors
    and everything the person typed, so nothing is lost."""
    bound = bound or {}
    impact_forms = impact_forms or {}
    teams = list(PartnerTeam.objects.values_list("pk", "name"))
    impacts = []
    for impact in incident.impacts.all():
        edit, end = impact_forms.get(impact.pk) or (
            ImpactForm(instance=impact, prefix=f"impact-{impact.pk}", team_choices=teams),
            ImpactEndForm(prefix=f"end-{impact.pk}", initial={"end": now_local()}),
        )
        impacts.append({"impact": impact, "form": edit, "end_form": end})
    now = timezone.now()
    markers = rules.incident_markers(incident, now=now)
    github_configured = tickets.github_configured()
    draft = None
    if github_configured and markers.owes_ticket:  # what the "Create the GitHub issue" button makes
        url = request.build_absolute_uri(reverse("incident-detail", args=[incident.pk]))
        draft = tickets.ticket_draft(incident, incident_url=url)
    ctx = {
        "incident": incident,
        "owners": incident_owners(
            assignees=incident.assignees,
            reported_by=incident.reported_by,
            engineers=engineers_by_pagerduty_id(assignee_ids(incident.assignees)),
        ),
        "markers": markers,
        "implied_impact_team": selectors.implied_impact_team(incident),
        "transition_form": bound.get("transition") or TransitionForm(incident=incident),
        "update_form": bound.get("update") or UpdateForm(),
        "impact_form": bound.get("impact")
        or ImpactForm(incident=incident, prefix="impact-new", team_choices=teams),
        "impacts": impacts,
        "edit_form": bound.get("edit") or IncidentEditForm(instance=incident),
        "ticket_form": bound.get("ticket") or TicketLinkForm(),
        "github_configured": github_configured,
        "ticket_draft": draft,
        "github_not_configured": tickets.NOT_CONFIGURED,
        "open_form": next(iter(bound), "") or ("impact-edit" if impact_forms else ""),
        "now": now,
        "performance": partner_performance.incident_performance(incident),
        "read_only": read_only_note(request, what="changing an incident"),
    }
    return render(request, "incidents/incident_detail.html", ctx, status=status)


@require_GET
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    return _render_detail(request, _incident(incident_id))


def _back(incident: Incident, anchor: str = "") -> HttpResponse:
    return redirect(
        reverse("incident-detail", args=[incident.pk]) + (f"#{anchor}" if anchor else "")
    )


@require_POST
@team_work("moving an incident on")
def incident_transition(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    form = TransitionForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            services.incident_transition(
                incident=incident,
                to=form.cleaned_data["to"],
                at=form.cleaned_data["at"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            incident.refresh_from_db(fields=["state"])
            messages.success(
                request, f"Incident #{incident.pk} is now {incident.get_state_display().lower()}."
            )
            return _back(incident)
    return _render_detail(request, incident, status=400, bound={"transition": form})


@require_POST
@team_work("adding to an incident's timeline")
def incident_update_add(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            services.update_add(incident=incident, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Update added to the timeline.")
            return _back(incident, "timeline")
    return _render_detail(request, incident, status=400, bound={"update": form})


@require_POST
@team_work("recording an incident's impact")
def incident_impact_add(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    form = ImpactForm(request.POST, incident=incident, prefix="impact-new")
    if form.is_valid():
        try:
            services.impact_save(incident=incident, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Impact on {form.cleaned_data['team']} recorded.")
            return _back(incident, "impact")
    return _render_detail(request, incident, status=400, bound={"impact": form})


def _impact(incident: Incident, impact_id: int) -> IncidentImpact:
    for impact in incident.impacts.all():
        if impact.pk == impact_id:
            return impact
    raise Http404("No such impact on this incident.")


@require_POST
@team_work("recording an incident's impact")
def incident_impact_edit(request: HttpRequest, incident_id: int, impact_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    impact = _impact(incident, impact_id)
    form = ImpactForm(request.POST, instance=impact, prefix=f"impact-{impact.pk}")
    if form.is_valid():
        try:
            services.impact_save(incident=incident, impact=impact, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Impact on {impact.team} saved.")
            return _back(incident, "impact")
    end = ImpactEndForm(prefix=f"end-{impact.pk}", initial={"end": now_local()})
    incident = _incident(incident_id)  # the failed form changed `impact` in memory
    return _render_detail(request, incident, status=400, impact_forms={impact.pk: (form, end)})


@require_POST
@team_work("recording an incident's impact")
def incident_impact_end(request: HttpRequest, incident_id: int, impact_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    impact = _impact(incident, impact_id)
    form = ImpactEndForm(request.POST, prefix=f"end-{impact.pk}")
    if form.is_valid():
        try:
            services.impact_end(impact=impact, at=form.cleaned_data["end"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Impact on {impact.team} ended.")
            return _back(incident, "impact")
    edit = ImpactForm(instance=impact, prefix=f"impact-{impact.pk}")
    incident = _incident(incident_id)
    return _render_detail(request, incident, status=400, impact_forms={impact.pk: (edit, form)})


@require_POST
@team_work("editing an incident")
def incident_edit(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=incident_id)
    form = IncidentEditForm(request.POST, instance=incident)
    if form.is_valid():
        form.save()
        messages.success(request, "Incident details saved.")
        return _back(incident)
    # The form changed the instance in memory; show the page from what is stored.
    return _render_detail(request, _incident(incident_id), status=400, bound={"edit": form})


@require_POST
@team_work("an incident's ticket")
def incident_ticket_create(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    url = request.build_absolute_uri(reverse("incident-detail", args=[incident.pk]))
    try:
        ticket = tickets.ticket_create(incident=incident, incident_url=url, user=request.user)
    except tickets.TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Ticket created: {ticket}")
    return _back(incident, "ticket")


@require_POST
@team_work("an incident's ticket")
def incident_ticket_link(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = _incident(incident_id)
    form = TicketLinkForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_link(
                incident=incident, url=form.cleaned_data["ticket_url"], user=request.user
            )
        except ValidationError as exc:
            form.add_error("ticket_url", exc.message_dict.get("ticket_url", exc.messages))
        else:
            messages.success(request, "Ticket linked.")
            return _back(incident, "ticket")
    return _render_detail(request, _incident(incident_id), status=400, bound={"ticket": form})


# Alerts


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.active_alerts(), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    ctx = {
        "page": page,
        "monitors": selectors.with_firing_incident(page),
        "now": now,
        "freshness": freshness_of([MONITORS_JOB], now=now)[MONITORS_JOB],
        "read_only": read_only_note(request, what="declaring an incident"),
    }
    return render(request, "incidents/alert_list.html", ctx)


@require_POST
@team_work("declaring an incident from an alert")
def alert_declare(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(DatadogMonitor, pk=alert_id)
    related = services.open_incident_on_service(alert)
    if related is not None and request.POST.get("new") != "1" and alert.incident_id != related.pk:
        # Never a silent duplicate: the page offers the open incident first.
        messages.warning(
            request,
            f"Incident #{related.pk} is open on {related.service}: add the alert to it, or "
            "declare a new incident if this is something else.",
        )
        return redirect(f"{reverse('alert-list')}#alert-{alert.pk}")
    incident, created = services.alert_declare_incident(alert=alert, user=request.user)
    if created:
        messages.success(request, f"Incident #{incident.pk} declared from the alert.")
    else:
        messages.info(request, f"This alert is already incident #{incident.pk}.")
    return redirect("incident-detail", incident.pk)


@require_POST
@team_work("adding an alert to an incident")
def alert_attach(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(DatadogMonitor, pk=alert_id)
    incident = get_object_or_404(Incident, pk=request.POST.get("incident") or 0)
    try:
        services.alert_attach(alert=alert, incident=incident, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('alert-list')}#alert-{alert.pk}")
    messages.success(request, f"The alert is part of incident #{incident.pk}.")
    return redirect("incident-detail", incident.pk)

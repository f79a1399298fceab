"""The back office for incidents: corrections to synced data, the timeline and impact, and
Datadog monitors."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from incidents import rules
from incidents.models import (
    DatadogMonitor,
    Incident,
    IncidentImpact,
    IncidentUpdate,
    ServicePerformance,
)

# Addresses typed without a scheme are web addresses (Django 6's default, said now).


class IncidentUpdateInline(admin.TabularInline):
    model = IncidentUpdate
    extra = 0
    fields = ["at", "kind", "text", "author", "external_id"]
    readonly_fields = ["external_id"]
    raw_id_fields = ["author"]


class IncidentImpactInline(admin.TabularInline):
    model = IncidentImpact
    extra = 0
    fields = ["team", "start", "end", "note"]


class TicketFilter(admin.SimpleListFilter):
    title = "ticket"
    parameter_name = "ticket"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("no", "Owes a ticket"), ("yes", "Has a ticket")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.filter(rules.OWES_TICKET)
        if self.value() == "yes":
            return queryset.exclude(ticket_url="")
        return queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "state",
        "severity",
        "source",
        "service",
        "started_at",
        "has_ticket",
        "needs_review",
    ]
    list_display_links = ["id", "title"]
    list_filter = ["state", "severity", "source", "needs_review", TicketFilter, "root_cause"]
    search_fields = ["title", "external_id", "number", "description", "ticket_url"]
    list_select_related = ["service"]
    date_hierarchy = "started_at"
    autocomplete_fields = ["service", "reporter_team"]
    readonly_fields = ["created_at", "updated_at", "last_update_at", "ticket_requested_at"]
    inlines = [IncidentImpactInline, IncidentUpdateInline]
    actions = ["mark_reviewed", "mark_canceled"]
    fieldsets = [
        (None, {"fields": ["title", "state", "severity", "root_cause", "description"]}),
        (
            "Times",
            {
                "fields": [
                    "started_at",
                    "acknowledged_at",
                    "mitigated_at",
                    "resolved_at",
                    "canceled_at",
                    "last_update_at",
                ]
            },
        ),
        (
            "Who and what",
            {
                "fields": [
                    "service",
                    "reporter_team",
                    "application_non_functional",
                    "blocker",
                    "how_to_reproduce",
                    "ticket_url",
                ]
            },
        ),
        (
            "Upstream",
            {
                "fields": [
                    "source",
                    "external_id",
                    "number",
                    "urgency",
                    "priority",
                    "upstream_service_id",
                    "upstream_url",
                    "needs_review",
                    "review_reason",
                    "ticket_requested_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    @admin.display(description="ticket", boolean=True)
    def has_ticket(self, obj: Incident) -> bool:
        return bool(obj.ticket_url)

    @admin.action(description="Mark as reviewed (clear the review flag)")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        count = queryset.update(needs_review=False, review_reason="")
        self.message_user(request, f"{count} incident(s) marked as reviewed.", messages.SUCCESS)

    @admin.action(description="Cancel (false alarm or duplicate)")
    def mark_canceled(self, request: HttpRequest, queryset: QuerySet[Incident]) -> None:
        from django.utils import timezone

        from incidents.models import OPEN_STATES, State

        now = timezone.now()
        count = 0
        for incident in queryset.filter(state__in=OPEN_STATES):
            incident.state = State.CANCELED
            incident.canceled_at = max(now, incident.started_at)
            incident.save(update_fields=["state", "canceled_at", "updated_at"])
            count += 1
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"{count} incident(s) canceled"
            + (f"; {skipped} already resolved or canceled were left alone." if skipped else "."),
            messages.SUCCESS,
        )


@admin.register(IncidentUpdate)
class IncidentUpdateAdmin(admin.ModelAdmin):
    list_display = ["incident", "at", "kind", "author"]
    list_filter = ["kind"]
    search_fields = ["text", "incident__title"]
    list_select_related = ["incident", "author"]
    raw_id_fields = ["incident", "author"]


@admin.register(IncidentImpact)
class IncidentImpactAdmin(admin.ModelAdmin):
    list_display = ["incident", "team", "start", "end", "note"]
    list_filter = ["team"]
    search_fields = ["incident__title", "note"]
    list_select_related = ["incident", "team"]
    raw_id_fields = ["incident"]


@admin.register(DatadogMonitor)
class DatadogMonitorAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "active", "triggered_at", "last_seen_at", "incident"]
    list_filter = ["active", "status"]
    search_fields = ["name", "monitor_id"]
    list_select_related = ["incident"]
    raw_id_fields = ["incident"]
    readonly_fields = ["first_seen_at", "last_seen_at"]


@admin.register(ServicePerformance)
class ServicePerformanceAdmin(admin.ModelAdmin):
    """What the Datadog job stored per incident, service and measure; corrections are made
    on the service's queries (the next read replaces a row that is not final)."""

    list_display = [
        "incident",
        "service",
        "measure",
        "status",
        "message",
        "degraded_minutes",
        "worst_ratio",
        "final",
        "fetched_at",
    ]
    list_filter = ["status", "measure", "final", "service__team"]
    search_fields = ["service__name", "incident__title", "message", "query"]
    list_select_related = ["incident", "service"]
    readonly_fields = [field.name for field in ServicePerformance._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from security import remediation
from security.models import DependabotPR, Finding, FindingEvent, SecrelRun, SlaPolicy


@admin.register(SecrelRun)
class SecrelRunAdmin(admin.ModelAdmin):
    list_display = [
        "run_number",
        "event",
        "branch",
        "status",
        "conclusion",
        "failed_job",
        "failed_step",
        "created_at",
    ]
    list_filter = ["conclusion", "event", "branch", "status"]
    search_fields = ["run_number", "head_sha", "failed_job", "failed_step"]
    date_hierarchy = "created_at"


@admin.register(DependabotPR)
class DependabotPRAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "ci_status", "mergeable", "open", "opened_at"]
    list_filter = ["open", "ci_status", "draft"]
    search_fields = ["number", "title", "head_ref"]


# Findings: corrections, the history, and the SLA policy (one row).


class FindingEventInline(admin.TabularInline):
    model = FindingEvent
    extra = 0
    fields = ["at", "kind", "user", "pull_request", "expires_on", "contact", "note"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = [
        "label",
        "title",
        "severity",
        "tool",
        "package",
        "first_seen_at",
        "sla_due_at",
        "exception_expires_at",
        "closed_at",
    ]
    list_filter = ["source", "tool", "severity", "closed_reason", "upstream_state"]
    search_fields = ["number", "title", "package", "rule_id", "location"]
    date_hierarchy = "first_seen_at"
    readonly_fields = ["sla_due_at", "stored_at"]
    list_select_related = True
    inlines = [FindingEventInline]

    def save_model(self, request: HttpRequest, obj: Finding, form: Any, change: bool) -> None:
        # The due date follows the SLA rule, whatever was edited.
        obj.sla_due_at = remediation.due_of(obj, SlaPolicy.current().rules())
        super().save_model(request, obj, form, change)


@admin.register(FindingEvent)
class FindingEventAdmin(admin.ModelAdmin):
    list_display = ["at", "kind", "finding", "user", "pull_request", "expires_on"]
    list_filter = ["kind"]
    search_fields = ["note", "pull_request", "contact"]
    date_hierarchy = "at"
    list_select_related = ["finding", "user"]
    raw_id_fields = ["finding"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "critical_days",
        "high_days",
        "medium_days",
        "low_days",
        "restart_after_exception",
        "assessor_contact",
    ]
    readonly_fields = ["reminder_sent_on"]
    # One row: added once (or made with the defaults the first time a page needs it).

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SlaPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        moved = remediation.due_dates_refresh(obj.rules())
        self.message_user(request, f"Due dates recomputed: {moved} finding(s) moved.")

from django.contrib import admin

from security.models import DependabotPR, SecrelRun


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

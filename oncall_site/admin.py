from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from oncall_site.models import SourceState, WorkerHeartbeat
from oncall_site.sync import SOURCES, run_source


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["beat_at", "cluster"]
    readonly_fields = ["beat_at", "cluster"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SourceState)
class SourceStateAdmin(admin.ModelAdmin):
    list_display = [
        "source",
        "configured",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "needs_attention",
        "items_fetched",
        "rows_written",
        "duration_seconds",
    ]
    list_filter = ["needs_attention", "source"]
    search_fields = ["source", "last_error"]
    readonly_fields = [
        "source",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "last_error_kind",
        "last_error_at",
        "consecutive_failures",
        "items_fetched",
        "rows_written",
        "duration_seconds",
        "cursor",
    ]
    fields = [*readonly_fields[:1], "needs_attention", *readonly_fields[1:]]
    actions = ["sync_now", "reset_cursor"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(boolean=True, description="configured")
    def configured(self, obj: SourceState) -> bool:
        return SOURCES[obj.source].load_config() is not None

    @admin.action(description="Sync the selected sources now")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[SourceState]) -> None:
        for state in queryset:
            outcome = run_source(state.source, manual=True)
            level = messages.SUCCESS if outcome.ok else messages.ERROR
            self.message_user(request, f"{SOURCES[state.source].label}: {outcome.message}", level)

    @admin.action(description="Forget the incremental cursor (next sync refetches the backfill)")
    def reset_cursor(self, request: HttpRequest, queryset: QuerySet[SourceState]) -> None:
        count = queryset.update(cursor={})
        self.message_user(request, f"Reset {count} cursor(s); no stored rows were touched.")

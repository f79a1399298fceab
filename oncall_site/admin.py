from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from oncall_site.models import ApiToken, SourceState, WorkerHeartbeat
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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at"]
    search_fields = ["name", "user__username", "prefix"]
    list_select_related = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    autocomplete_fields = ["user"]

    def get_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> list[str]:
        return ["user", "name"] if obj is None else ["user", "name", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            # Kept on the instance only long enough for `response_add` to show it once.
            obj._new_secret = obj.set_new_secret()  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(obj, "_new_secret", None)
        if secret is None:  # pragma: no cover - always set by save_model on add
            return super().response_add(request, obj, post_url_continue)
        # Shown in the page itself, not in a message: messages may live in a cookie.
        return TemplateResponse(
            request,
            "admin/oncall_site/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "title": "API token created",
                "token": obj,
                "secret": secret,
                "opts": self.model._meta,
            },
        )

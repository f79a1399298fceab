from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django_q.tasks import async_task

from oncall_site.freshness import job_freshness, rate_limit_status
from oncall_site.models import ApiToken, CapacityPolicy, SyncJobState, WorkerHeartbeat
from oncall_site.selectors import ensure_job_states
from oncall_site.sync import get_job


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["beat_at", "cluster"]
    readonly_fields = ["beat_at", "cluster"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SyncJobState)
class SyncJobStateAdmin(admin.ModelAdmin):
    list_display = [
        "job",
        "status",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "rate_limit",
        "items_fetched",
        "rows_written",
        "duration_seconds",
    ]
    list_filter = ["vendor", "needs_attention"]
    search_fields = ["job", "last_error", "last_warnings"]
    readonly_fields = [
        "job",
        "vendor",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "last_error_kind",
        "last_error_at",
        "last_warnings",
        "consecutive_failures",
        "items_fetched",
        "rows_written",
        "duration_seconds",
        "rate_limit",
        "rate_limit_remaining",
        "rate_limit_limit",
        "rate_limit_reset_at",
        "cursor",
        "config_fingerprint",
        "running_since",
        "lease_until",
    ]
    fields = [*readonly_fields[:2], "needs_attention", *readonly_fields[2:]]
    actions = ["sync_now", "reset_cursor"]

    def has_add_permission(self, request) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        ensure_job_states()  # jobs that never ran are listed too
        return super().changelist_view(request, extra_context)

    @admin.display(description="status")
    def status(self, obj: SyncJobState) -> str:
        try:
            declared = get_job(obj.job)
        except KeyError:
            return "no longer registered"
        fresh = job_freshness(
            configured=declared.vendor.load_config() is not None,
            interval_minutes=declared.interval_minutes,
            state=obj,
            now=timezone.now(),
        )
        label = fresh.status.replace("_", " ")
        return f"{label} (running)" if fresh.running else label

    @admin.display(description="rate limit")
    def rate_limit(self, obj: SyncJobState) -> str:
        """ "GitHub rate limit: 4,210 of 5,000 left, resets 15:00", as the last run heard it."""
        heard = rate_limit_status(obj, now=timezone.now())
        if heard is None:
            return "-"
        try:
            vendor = get_job(obj.job).vendor.label
        except KeyError:
            vendor = obj.vendor
        figures = f"{vendor} rate limit: {heard.remaining:,} of {heard.limit:,}"
        at = f"{timezone.localtime(heard.reset_at):%H:%M}"
        if heard.status == "reset":
            return f"{figures} were left at the last sync; it reset at {at}"
        said = {"slowing": " (slowing down)", "stopped": " (stopped early for the rate limit)"}
        return f"{figures} left, resets {at}{said.get(heard.status, '')}"

    @admin.action(description="Sync the selected jobs now (queued for the worker)")
    def sync_now(self, request: HttpRequest, queryset: QuerySet[SyncJobState]) -> None:
        queued = []
        for state in queryset:
            try:
                get_job(state.job)
            except KeyError:
                self.message_user(
                    request, f"{state.job} is no longer registered.", messages.WARNING
                )
                continue
            async_task(
                "oncall_site.tasks.sync_job", state.job, True, task_name=f"sync now {state.job}"
            )
            queued.append(state.job)
        if queued:
            self.message_user(
                request,
                f"Queued {', '.join(queued)}. The worker runs them in a few seconds; reload this "
                "page to see how they went.",
                messages.SUCCESS,
            )

    @admin.action(description="Forget the incremental cursor (next sync refetches the backfill)")
    def reset_cursor(self, request: HttpRequest, queryset: QuerySet[SyncJobState]) -> None:
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


@admin.register(CapacityPolicy)
class CapacityPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "threshold"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not CapacityPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: CapacityPolicy, form: object, change: bool
    ) -> None:
        obj.pk = 1  # one row: the dashboard reads pk 1
        super().save_model(request, obj, form, change)

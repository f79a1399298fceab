from django.contrib import admin

from oncall_site.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["beat_at", "cluster"]
    readonly_fields = ["beat_at", "cluster"]

    def has_add_permission(self, request) -> bool:
        return False

from django.contrib import admin

from reports.models import Handoff, HandoffNotice


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ("sprint", "updated_by", "updated_at", "closed_by", "closed_at")
    list_select_related = ("sprint", "updated_by", "closed_by")
    # Closing is undone here by staff (clear both), never on the page.
    readonly_fields = ("updated_by", "updated_at")
    search_fields = ("notes",)


@admin.register(HandoffNotice)
class HandoffNoticeAdmin(admin.ModelAdmin):
    list_display = ("sprint", "sent_at", "attempts", "error")
    list_select_related = ("sprint",)
    readonly_fields = ("sent_at", "claim", "claimed_until", "attempts", "error")

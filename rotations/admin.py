"""The back office: engineers, teams, services, the sprint calendar and rotations."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from rotations import services
from rotations.models import (
    CalendarFeed,
    ChecklistEntry,
    Engineer,
    PagerDutyOnCall,
    PartnerTeam,
    Rotation,
    Service,
    Sprint,
    SprintCadence,
)
from rotations.proposals import NoEligibleEngineer


@admin.register(Engineer)
class EngineerAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "email",
        "github_login",
        "pagerduty_user_id",
        "active",
        "unavailable_from",
        "unavailable_to",
        "user",
    ]
    list_filter = ["active"]
    search_fields = ["name", "email", "github_login", "pagerduty_user_id"]
    list_editable = ["active"]
    autocomplete_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "email", "user", "active"]}),
        ("Accounts", {"fields": ["github_login", "pagerduty_user_id"]}),
        ("Availability", {"fields": ["unavailable_from", "unavailable_to"]}),
    ]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 1
    fields = ["name", "description", "pagerduty_service_id", "active"]


@admin.register(PartnerTeam)
class PartnerTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "is_platform", "slack_channel", "contact"]
    list_filter = ["is_platform"]
    search_fields = ["name", "slack_channel", "contact"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "pagerduty_service_id", "active", "has_health_queries"]
    list_filter = ["team", "active"]
    search_fields = ["name", "pagerduty_service_id", "description"]
    list_select_related = ["team"]
    fieldsets = [
        (None, {"fields": ["name", "team", "description", "pagerduty_service_id", "active"]}),
        (
            "Datadog health queries",
            {
                "description": (
                    "Read for each incident impacting this service's team, from an hour before"
                    " it started to an hour after it resolved, against the same span a week"
                    " earlier. A query Datadog rejects is shown with Datadog's message on the"
                    " incident and in the Data sources panel."
                ),
                "fields": [
                    ("latency_query", "latency_unit", "latency_threshold"),
                    ("error_rate_query", "error_rate_unit", "error_rate_threshold"),
                ],
            },
        ),
    ]

    @admin.display(boolean=True, description="health queries")
    def has_health_queries(self, service: Service) -> bool:
        return bool(service.health_queries)


@admin.register(SprintCadence)
class SprintCadenceAdmin(admin.ModelAdmin):
    list_display = ["__str__", "anchor_number", "anchor_start", "length_days", "sprints_ahead"]
    actions = ["generate_sprints"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not SprintCadence.objects.exists()

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        self._generate(request, obj)

    def _generate(self, request: HttpRequest, cadence: SprintCadence) -> None:
        try:
            created = services.sprints_generate(cadence=cadence)
        except ValidationError as exc:
            self.message_user(
                request, "Sprints not generated: " + " ".join(exc.messages), messages.ERROR
            )
            return
        if created:
            self.message_user(
                request,
                f"Generated sprints {created[0].number}–{created[-1].number}.",
                messages.SUCCESS,
            )

    @admin.action(description="Generate the missing sprints from this cadence")
    def generate_sprints(self, request: HttpRequest, queryset: QuerySet[SprintCadence]) -> None:
        for cadence in queryset:
            before = Sprint.objects.count()
            self._generate(request, cadence)
            if Sprint.objects.count() == before:
                self.message_user(
                    request, "All sprints up to the horizon already exist.", messages.INFO
                )


class RotationStatusFilter(admin.SimpleListFilter):
    title = "rotation"
    parameter_name = "rotation"

    def lookups(self, request, model_admin):
        return [("none", "No rotation"), ("proposed", "Unconfirmed"), ("confirmed", "Confirmed")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(rotation__isnull=True)
        if self.value() == "proposed":
            return queryset.filter(rotation__confirmed=False)
        if self.value() == "confirmed":
            return queryset.filter(rotation__confirmed=True)
        return queryset


@admin.register(Sprint)
class SprintAdmin(admin.ModelAdmin):
    list_display = ["number", "start_date", "last_day", "primary", "secondary", "is_confirmed"]
    list_filter = [RotationStatusFilter]
    search_fields = ["number", "goal", "rotation__primary__name", "rotation__secondary__name"]
    list_select_related = ["rotation__primary", "rotation__secondary"]
    date_hierarchy = "start_date"
    ordering = ["-number"]
    actions = ["propose_rotation"]

    @admin.display(description="last day")
    def last_day(self, obj: Sprint):
        return obj.last_day

    @admin.display(description="primary")
    def primary(self, obj: Sprint):
        rotation = getattr(obj, "rotation", None)
        return rotation.primary if rotation else "—"

    @admin.display(description="secondary")
    def secondary(self, obj: Sprint):
        rotation = getattr(obj, "rotation", None)
        return rotation.secondary if rotation else "—"

    @admin.display(description="confirmed", boolean=True)
    def is_confirmed(self, obj: Sprint):
        rotation = getattr(obj, "rotation", None)
        return rotation.confirmed if rotation else None

    @admin.action(description="Propose the next rotation for the selected sprints")
    def propose_rotation(self, request: HttpRequest, queryset: QuerySet[Sprint]) -> None:
        for sprint in queryset.order_by("number"):
            try:
                rotation = services.rotation_propose(sprint=sprint)
            except (NoEligibleEngineer, ValidationError) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"Sprint {sprint.number}: {text}", messages.WARNING)
                continue
            self.message_user(
                request,
                f"Sprint {sprint.number}: proposed {rotation.primary} (primary) and {rotation.secondary} "
                "(secondary). Confirm it on the rotations page or here.",
                messages.SUCCESS,
            )


class ChecklistInline(admin.TabularInline):
    model = ChecklistEntry
    extra = 0
    can_delete = False
    fields = ["item", "done", "done_by", "done_at", "note"]
    readonly_fields = ["item", "done_by", "done_at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rotation)
class RotationAdmin(admin.ModelAdmin):
    list_display = ["sprint", "primary", "secondary", "confirmed", "confirmed_by", "confirmed_at"]
    list_filter = ["confirmed", "primary", "secondary"]
    search_fields = ["sprint__number", "primary__name", "secondary__name", "notes"]
    list_select_related = ["sprint", "primary", "secondary", "confirmed_by"]
    autocomplete_fields = ["primary", "secondary"]
    readonly_fields = ["confirmed_by", "confirmed_at", "created_at", "updated_at"]
    fields = [
        "sprint",
        "primary",
        "secondary",
        "confirmed",
        "notes",
        "confirmed_by",
        "confirmed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [ChecklistInline]
    actions = ["confirm"]
    ordering = ["-sprint__number"]

    def save_model(self, request, obj: Rotation, form, change) -> None:
        if obj.confirmed and (not change or "confirmed" in form.changed_data):
            obj.confirmed_by = request.user
            obj.confirmed_at = timezone.now()
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change) -> None:
        for entry in formset.save(commit=False):
            if entry.done and entry.done_by_id is None:
                entry.done_by = request.user
            entry.save()
        formset.save_m2m()

    @admin.action(description="Confirm the selected rotations")
    def confirm(self, request: HttpRequest, queryset: QuerySet[Rotation]) -> None:
        confirmed = 0
        for rotation in queryset.select_related("sprint", "primary", "secondary"):
            if rotation.confirmed:
                continue
            try:
                services.rotation_confirm(
                    sprint=rotation.sprint,
                    primary=rotation.primary,
                    secondary=rotation.secondary,
                    user=request.user,
                )
            except ValidationError as exc:
                self.message_user(
                    request,
                    f"Sprint {rotation.sprint.number}: {' '.join(exc.messages)}",
                    messages.ERROR,
                )
                continue
            confirmed += 1
        self.message_user(request, f"Confirmed {confirmed} rotation(s).", messages.SUCCESS)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "prefix", "created_at"]
    search_fields = ["user__username"]
    # Only the secret's hash is stored; its owner makes and resets it on the calendar page.
    fields = ["user", "prefix", "created_at"]
    readonly_fields = ["user", "prefix", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PagerDutyOnCall)
class PagerDutyOnCallAdmin(admin.ModelAdmin):
    list_display = [
        "escalation_level",
        "user_name",
        "user_id",
        "schedule_id",
        "start",
        "end",
        "synced_at",
    ]
    list_filter = ["escalation_level", "schedule_id"]
    search_fields = ["user_name", "user_id"]

    def has_add_permission(self, request) -> bool:
        return False

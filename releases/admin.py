from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from releases import schedule
from releases.models import Release, ReleaseAnswer
from rotations.models import Service


class AnswerForm(ModelForm):
    """The admin checks hashes as the answer page does: 7-40 hex, a service of the team."""

    def clean(self) -> dict:
        data = super().clean()
        team, hashes = data.get("team"), data.get("hashes") or {}
        if not isinstance(hashes, dict) or not all(isinstance(v, str) for v in hashes.values()):
            raise ValidationError(
                {"hashes": 'Give a map of service to hash: {"cc-app": "3f2a9c1"}.'}
            )
        if team is not None and data.get("opted_in"):
            errors = schedule.hash_errors(
                {k: schedule.normalize_hash(v) for k, v in hashes.items()},
                team_services=Service.objects.filter(team=team).values_list("name", flat=True),
                known_services=Service.objects.values_list("name", flat=True),
            )
            if errors:
                raise ValidationError({"hashes": errors})
            data["hashes"] = {k: schedule.normalize_hash(v) for k, v in hashes.items()}
        return data


class AnswerInline(admin.TabularInline):
    model = ReleaseAnswer
    form = AnswerForm
    extra = 0
    autocomplete_fields = ["answered_by"]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = [
        "sprint",
        "scheduled_at",
        "captain",
        "decision",
        "reminder_sent_at",
        "reminder_late",
        "reminder_error",
    ]
    list_filter = ["decision", "reminder_late"]
    list_select_related = ["sprint", "captain"]
    search_fields = ["sprint__number"]
    readonly_fields = ["sprint", "reminder_sent_at", "reminder_late", "reminder_error", "shipped"]
    autocomplete_fields = ["captain", "decided_by", "moved_by"]
    inlines = [AnswerInline]

    def has_add_permission(self, request) -> bool:
        return False  # every sprint gets its release; there is nothing to add by hand

    def save_model(self, request, obj: Release, form, change: bool) -> None:
        # Moving the release in the admin re-arms its reminder, as on the release page.
        if change and "scheduled_at" in form.changed_data:
            from django.utils import timezone

            obj.moved_at, obj.moved_by = timezone.now(), request.user
            obj.reminder_sent_at, obj.reminder_late, obj.reminder_error = None, False, ""
        super().save_model(request, obj, form, change)


@admin.register(ReleaseAnswer)
class ReleaseAnswerAdmin(admin.ModelAdmin):
    form = AnswerForm
    list_display = ["release", "team", "opted_in", "answered_at", "answered_by"]
    list_filter = ["opted_in", "team"]
    list_select_related = ["release__sprint", "team", "answered_by"]
    autocomplete_fields = ["answered_by"]


from releases import admin_deploys  # noqa: E402,F401 - deploy requests and deployments

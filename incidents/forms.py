"""Forms of the incident pages. Times are typed on the team's clock (`datetime-local`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from incidents.models import OPEN_STATES, Incident, IncidentImpact, UpdateKind
from incidents.services import TRANSITION_VERBS, TRANSITIONS
from oncall_site.forms import PlainTextForm
from rotations.models import PartnerTeam, Service

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
YES_NO_UNKNOWN = [("", "Unknown"), ("true", "Yes"), ("false", "No")]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def time_field(*, required: bool = True, label: str = "", help_text: str = "") -> forms.Field:
    return forms.DateTimeField(
        required=required,
        label=label,
        help_text=help_text,
        input_formats=INPUT_FORMATS,
        widget=LocalDateTimeInput(),
        error_messages={
            "invalid": "Enter a date and time, e.g. 2026-01-08 14:30.",
            "required": "Give the date and time.",
        },
    )


def _empty_labels(form: forms.ModelForm) -> None:
    """Say what an empty choice means instead of Django's dashes."""
    labels = {
        "severity": "Not set yet",
        "root_cause": "Not known yet",
        "service": "None",
        "reporter_team": "None",
    }
    for name, label in labels.items():
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = label
        elif isinstance(field, forms.ChoiceField):
            field.choices = [("", label), *[c for c in field.choices if c[0] != ""]]


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def yes_no_field(label: str, help_text: str = "") -> forms.Field:
    return forms.NullBooleanField(
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.Select(choices=YES_NO_UNKNOWN),
    )


class IncidentDeclareForm(PlainTextForm, forms.ModelForm):
    started_at = time_field(label="Started", help_text="When the problem began (team's clock).")
    application_non_functional = yes_no_field("Application non-functional")
    blocker = yes_no_field("Blocks a partner team's work")

    class Meta:
        model = Incident
        fields = [
            "title",
            "severity",
            "started_at",
            "service",
            "reporter_team",
            "description",
            "how_to_reproduce",
            "application_non_functional",
            "blocker",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "how_to_reproduce": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.select_related("team")
        self.fields["title"].widget.attrs["class"] = "wide"
        _empty_labels(self)
        if not self.is_bound:
            self.initial.setdefault("started_at", now_local())


class IncidentEditForm(PlainTextForm, forms.ModelForm):
    """The fields a person keeps right during and after the incident."""

    prefix = "edit"

    started_at = time_field(label="Started")
    acknowledged_at = time_field(required=False, label="First acknowledged")
    mitigated_at = time_field(required=False, label="Mitigated")
    resolved_at = time_field(required=False, label="Resolved")
    application_non_functional = yes_no_field("Application non-functional")
    blocker = yes_no_field("Blocks a partner team's work")

    class Meta:
        model = Incident
        fields = [
            "title",
            "severity",
            "root_cause",
            "service",
            "reporter_team",
            "application_non_functional",
            "blocker",
            "description",
            "how_to_reproduce",
            "started_at",
            "acknowledged_at",
            "mitigated_at",
            "resolved_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "how_to_reproduce": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.select_related("team")
        self.fields["title"].widget.attrs["class"] = "wide"
        _empty_labels(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The state is not edited here: a resolution time on an open incident would leave
        # it open with a resolution. Moving it is the "Move to" form's (and the timeline's).
        if data.get("resolved_at") and self.instance.state in OPEN_STATES:
            self.add_error(
                "resolved_at",
                "This incident is still open: resolve it with “Move to: resolved” (with the "
                "time it was resolved); this field corrects the time of a past resolution.",
            )
        return data

    def _update_errors(self, errors: ValidationError) -> None:
        # The model's checks may name a field this form does not show (state, canceled_at):
        # say it above the form rather than fail.
        if hasattr(errors, "error_dict"):
            shown: dict[str, list[ValidationError]] = {}
            for name, messages in errors.error_dict.items():
                shown.setdefault(name if name in self.fields else NON_FIELD_ERRORS, []).extend(
                    messages
                )
            errors = ValidationError(shown)
        super()._update_errors(errors)


class TransitionForm(PlainTextForm, forms.Form):
    prefix = "move"
    to = forms.ChoiceField(label="Move to", choices=())
    at = time_field(label="At", help_text="Defaults to now; change it if it happened earlier.")
    note = forms.CharField(required=False, max_length=500, label="Note", widget=forms.TextInput())

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = TRANSITIONS.get(incident.state, ())
        self.fields["to"].choices = [(t, TRANSITION_VERBS[t]) for t in targets]
        if not self.is_bound:
            self.initial.setdefault("at", now_local())
            if targets:
                self.initial.setdefault("to", targets[0])

    @property
    def has_choices(self) -> bool:
        return bool(self.fields["to"].choices)


class UpdateForm(PlainTextForm, forms.Form):
    prefix = "update"
    kind = forms.ChoiceField(
        choices=[
            (UpdateKind.DISCOVERY, UpdateKind.DISCOVERY.label),
            (UpdateKind.REMEDIATION, UpdateKind.REMEDIATION.label),
            (UpdateKind.COMMUNICATION, UpdateKind.COMMUNICATION.label),
            (UpdateKind.NOTE, UpdateKind.NOTE.label),
        ]
    )
    text = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write what happened or what was done."},
    )
    at = time_field(label="At")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("at", now_local())


class ImpactForm(PlainTextForm, forms.ModelForm):
    start = time_field(label="Impact started")
    end = time_field(required=False, label="Impact ended", help_text="Empty while it goes on.")

    class Meta:
        model = IncidentImpact
        fields = ["team", "start", "end", "note"]

    def __init__(
        self,
        *args: Any,
        incident: Incident | None = None,
        team_choices: list[tuple[Any, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = PartnerTeam.objects.all()
        self.fields["team"].label = "Partner team"
        self.fields["team"].empty_label = "Choose a team"
        if team_choices is not None:
            # One list for every impact form on the page, instead of one query per form.
            self.fields["team"].choices = [("", "Choose a team"), *team_choices]
        if not self.is_bound and incident is not None and self.instance.pk is None:
            self.initial.setdefault(
                "start", timezone.localtime(incident.started_at).strftime("%Y-%m-%dT%H:%M")
            )


class ImpactEndForm(PlainTextForm, forms.Form):
    end = time_field(label="Ended at")


class TicketLinkForm(PlainTextForm, forms.Form):
    prefix = "ticket"
    ticket_url = forms.URLField(
        label="Ticket URL",
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter the ticket's full address, e.g. https://github.com/…"},
    )

    def clean_ticket_url(self) -> str:
        url: str = self.cleaned_data["ticket_url"]
        if not url.lower().startswith(("https://", "http://")):
            raise forms.ValidationError("The ticket URL must start with https:// or http://.")
        return url

"""Forms of the release pages. Times are typed on the team's clock (`datetime-local`)."""

from __future__ import annotations

from typing import Any

from django import forms

from oncall_site.forms import PlainTextForm
from releases import schedule
from releases.models import Decision
from rotations.models import Engineer

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _when(label: str, *, required: bool, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=INPUT_FORMATS,
        widget=LocalDateTimeInput(),
        error_messages={"invalid": "Enter a date and time, e.g. 2026-03-11 10:00."},
    )


class AnswerForm(PlainTextForm, forms.Form):
    opted_in = forms.TypedChoiceField(
        label="This release",
        choices=[("in", "We are in: release these services"), ("out", "We are out this time")],
        coerce=lambda value: value == "in",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether your team is in or out."},
    )
    description = forms.CharField(
        label="What changes go out",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    hashes = forms.CharField(
        label="Service and commit hash, one per line",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="e.g. “cc-app 3f2a9c1”: a hash is 7 to 40 hexadecimal characters.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        hashes, problems = schedule.parse_hash_lines(data.get("hashes") or "")
        for problem in problems:
            self.add_error("hashes", problem)
        data["hash_map"] = hashes
        if data.get("opted_in") and not (data.get("description") or "").strip():
            self.add_error("description", "Say what changes go out.")
        return data


class MoveForm(PlainTextForm, forms.Form):
    scheduled_at = _when("Release starts", required=True)
    answers_close_at = _when(
        "Answers close", required=False, help_text="Empty: until the release starts."
    )
    captain = forms.ModelChoiceField(
        label="Captain",
        queryset=Engineer.objects.filter(active=True),
        required=False,
        empty_label="The sprint's primary",
    )


class DecisionForm(PlainTextForm, forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose go or no-go."},
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

"""Forms of the findings pages. Times are typed on the team's clock (`datetime-local`),
dates as dates (an exception runs through a whole local day)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils import timezone

from oncall_site.forms import PlainTextForm
from security.models import ClosedReason, Rating

INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
# A package as scanners name it: `libexpat`, `@babel/core`, `org.apache:log4j-core`.
PACKAGE = re.compile(r"^[A-Za-z0-9@][A-Za-z0-9@._/:+~-]*$")
VERSION = re.compile(r"^[A-Za-z0-9<>=!~^*., _:+-]+$")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def time_field(*, label: str, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        input_formats=INPUT_FORMATS,
        widget=LocalDateTimeInput(),
        error_messages={
            "invalid": "Enter a date and time, e.g. 2026-03-02 09:15.",
            "required": "Give the date and time.",
        },
    )


def date_field(*, label: str, required: bool, help_text: str = "", missing: str = "") -> Any:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateInput(),
        error_messages={
            "invalid": "Enter a date, e.g. 2026-04-30.",
            "required": missing or "Give the date.",
        },
    )


def note_field(label: str = "Note", *, required: bool = False, help_text: str = "") -> Any:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def now_local() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class FindingEntryForm(PlainTextForm, forms.Form):
    """A finding entered by hand, e.g. from the Aqua console."""

    title = forms.CharField(
        max_length=500,
        help_text="What the scanner says, e.g. the CVE title.",
        error_messages={"required": "Give the finding a title, e.g. the CVE's."},
    )
    severity = forms.ChoiceField(
        choices=[("", "Choose…"), *Rating.choices],
        error_messages={"required": "Choose a severity (or unrated, to rate it later)."},
    )
    package = forms.CharField(
        max_length=255,
        help_text="As the scanner names it, e.g. libexpat or org.apache.logging.log4j:log4j-core.",
        error_messages={"required": "Give the package the finding is about."},
    )
    version = forms.CharField(label="Installed version", max_length=100, required=False)
    fixed_version = forms.CharField(max_length=100, required=False)
    location = forms.CharField(
        label="Where",
        max_length=500,
        required=False,
        help_text="The image, file or manifest, e.g. ghcr.io/example-org/svc-bgs-api:1.4.2.",
    )
    first_seen_at = time_field(
        label="First seen", help_text="When the scanner first reported it (team's clock)."
    )
    tool_name = forms.CharField(
        label="Found by", max_length=100, required=False, initial="Aqua console"
    )
    rule_id = forms.CharField(label="CVE or rule", max_length=255, required=False)
    html_url = forms.URLField(
        label="Link",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="The finding in the scanner's console, if it has an address.",
    )
    note = note_field()

    def clean_package(self) -> str:
        package = self.cleaned_data["package"].strip()
        if not PACKAGE.match(package):
            raise forms.ValidationError(
                "A package name has no spaces, e.g. libexpat or @babel/core."
            )
        return package

    def _version(self, name: str) -> str:
        value = self.cleaned_data.get(name, "").strip()
        if value and not VERSION.match(value):
            raise forms.ValidationError("Give a version such as 2.5.0-1 or < 1.2.6.")
        return value

    def clean_version(self) -> str:
        return self._version("version")

    def clean_fixed_version(self) -> str:
        return self._version("fixed_version")

    def clean_first_seen_at(self) -> datetime:
        value: datetime = self.cleaned_data["first_seen_at"]
        if value > timezone.now():
            raise forms.ValidationError("First seen cannot be in the future.")
        if value < EARLIEST:
            raise forms.ValidationError("That date is too far back; check the year.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        version, fixed = data.get("version"), data.get("fixed_version")
        if version and fixed and version == fixed:
            self.add_error("fixed_version", "The fixed version is the installed one: check both.")
        return data


class UpgradeForm(PlainTextForm, forms.Form):
    pull_request = forms.CharField(
        label="Pull request",
        max_length=500,
        help_text="Its number (#1234) or address.",
        error_messages={"required": "Give the pull request that upgrades the package."},
    )
    note = note_field(help_text="e.g. jinja2 3.1.3 → 3.1.4")


class ExceptionRequestForm(PlainTextForm, forms.Form):
    note = note_field(
        "Why",
        required=True,
        help_text="e.g. no fixed version published; the code path is not used.",
    )
    until = date_field(label="Until", required=False, help_text="The date asked for, if any.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["required"] = "Say why the exception is needed."


class ExceptionGrantForm(PlainTextForm, forms.Form):
    valid_through = date_field(
        label="Valid through",
        required=True,
        help_text="The last day it covers (team's clock); the finding reopens the day after.",
        missing="An exception needs an expiry date.",
    )
    note = note_field(help_text="Who granted it, and the ticket or approval.")


class EscalateForm(PlainTextForm, forms.Form):
    note = note_field(help_text="What the assessor should know: the cloud-provider issue.")


class RateForm(PlainTextForm, forms.Form):
    severity = forms.ChoiceField(
        choices=[("", "Choose…"), *[c for c in Rating.choices if c[0] != Rating.UNRATED]],
        error_messages={"required": "Choose critical, high, medium or low."},
    )
    note = note_field(help_text="Why this rating.")


class CloseForm(PlainTextForm, forms.Form):
    reason = forms.ChoiceField(choices=ClosedReason.choices, initial=ClosedReason.FIXED)
    at = time_field(label="When")
    note = note_field()

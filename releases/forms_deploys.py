"""Forms of the deployment pages: the services typed one a line, "service hash"; the checks
themselves are in `releases/deploys.py`, so the pages, the admin and the tests agree."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from oncall_site.forms import PlainTextForm
from releases import deploys
from releases.deploy_models import Environment
from rotations.models import PartnerTeam
from security.forms import time_field

SERVICES_HELP = "One service a line, its name and the commit hash: svc-claims-api 1a2b3c4d"


class ManifestField(forms.CharField):
    """A textarea read as service → hash; a line that is not "name hash" says which."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocapitalize": "off"})

    def clean(self, value: Any) -> dict[str, str]:  # type: ignore[override]
        return deploys.parse_manifest(super().clean(value) or "")


class DeployRequestForm(PlainTextForm, forms.Form):
    team = forms.ModelChoiceField(
        queryset=PartnerTeam.objects.order_by("name"),
        empty_label="Choose the team",
        error_messages={"required": "Choose the team whose services go out."},
    )
    environment = forms.ChoiceField(
        choices=[("", "Choose the environment"), *Environment.choices],
        error_messages={"required": "Choose the environment."},
    )
    services = ManifestField(
        label="Services and hashes",
        help_text=SERVICES_HELP,
        error_messages={"required": "Name at least one service and its commit hash."},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why this deployment is needed."},
    )
    emergency_justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Prod only: why this cannot wait for the sprint's release.",
    )
    incident_link = forms.CharField(
        label="Incident or ticket link",
        required=False,
        max_length=500,
        help_text="Prod only: the incident or ticket this fixes (https://…).",
    )

    def clean(self) -> dict[str, Any]:
        """Every rule of a request at once, whatever else is wrong with the form."""
        data = super().clean()
        fields = {
            "team": data.get("team"),
            "environment": data.get("environment", ""),
            "services": data.get("services"),
            "reason": data.get("reason", "-") or "-",  # a missing one is reported already
            "emergency_justification": data.get("emergency_justification", ""),
            "incident_link": data.get("incident_link", ""),
        }
        if "environment" in self.errors:
            fields["environment"] = ""
        for name, errors in deploys.request_errors(**fields).items():
            if name not in self.errors:
                self.add_error(name, errors)
        return data


class RejectForm(PlainTextForm, forms.Form):
    rejection_reason = forms.CharField(
        label="Reason",
        max_length=500,
        error_messages={"required": "Say why the request is rejected."},
    )


class DeploymentEntryForm(PlainTextForm, forms.Form):
    environment = forms.ChoiceField(
        choices=[("", "Choose the environment"), *Environment.choices],
        error_messages={"required": "Choose the environment."},
    )
    services = ManifestField(
        label="Services and hashes",
        help_text=SERVICES_HELP,
        error_messages={"required": "Name at least one service and its commit hash."},
    )
    deployed_at = time_field(label="Deployed at", help_text="On the team's clock.")
    deployed_by = forms.CharField(
        max_length=150, required=False, help_text="Who deployed; you, if left empty."
    )
    url = forms.CharField(
        label="Link", required=False, max_length=500, help_text="The pipeline run, if any."
    )
    description = forms.CharField(required=False, max_length=500)

    def clean_services(self) -> dict[str, str]:
        services = self.cleaned_data["services"]
        errors = deploys.hash_errors(services)
        if errors:
            raise ValidationError(errors)
        return services

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url and not url.startswith(("http://", "https://")):
            raise ValidationError("The link must be an http(s) address.")
        return url

from django import forms

from oncall_site.forms import PlainTextForm
from rotations.models import Engineer


class RotationConfirmForm(PlainTextForm, forms.Form):
    primary = forms.ModelChoiceField(queryset=Engineer.objects.filter(active=True))
    secondary = forms.ModelChoiceField(queryset=Engineer.objects.filter(active=True))
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("primary") and data.get("primary") == data.get("secondary"):
            raise forms.ValidationError(
                "The primary and the secondary must be different engineers."
            )
        return data

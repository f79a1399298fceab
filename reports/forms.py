from django import forms

from oncall_site.forms import PlainTextForm
from reports.models import NOTES_MAX


class HandoffForm(PlainTextForm, forms.Form):
    notes = forms.CharField(
        label="Handoff notes",
        required=False,
        max_length=NOTES_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="For the next pair: open work, risks, follow-ups. Saved with your name.",
    )

"""What every form of the site shares: typed text goes through the same edge as upstream text."""

from __future__ import annotations

from django import forms

from oncall_site.integrations.text import plain_text


class PlainTextForm(forms.BaseForm):
    """Control characters are removed from what a person typed before anything reads it
    (a NUL is refused by Django's own check first, with its message). A text area keeps its
    tabs and newlines; a one-line field reads as one line."""

    def _clean_fields(self) -> None:
        super()._clean_fields()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str):
                multiline = isinstance(self.fields[name].widget, forms.Textarea)
                self.cleaned_data[name] = plain_text(value, multiline=multiline)

"""The back office's site: what staff type goes through the same edge as every other form.

Every model registered here, ours and Django's (users, groups) alike, gets forms that remove
control characters and bidi overrides from typed text before validation reads it, on the
add and change forms, their inlines and the list's editable columns; a URL typed without
its scheme is https. It is done where models are registered so that a new admin cannot
forget it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.db import models

from oncall_site.forms import PlainTextForm


def plain_text_form(form: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """`form` with `PlainTextForm`'s cleaning in front of its own."""
    if issubclass(form, PlainTextForm):
        return form
    return type(form)(f"PlainText{form.__name__}", (PlainTextForm, form), {})


class PlainTextInline:
    def get_formset(self, request: Any, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = plain_text_form(formset.form)
        return formset


class PlainTextAdmin:
    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return plain_text_form(form)

    def get_changelist_form(self, request: Any, **kwargs: Any) -> Any:
        return plain_text_form(super().get_changelist_form(request, **kwargs))  # type: ignore[misc]


def _plain(cls: type, mixin: type) -> type:
    if issubclass(cls, mixin):
        return cls
    # A URL typed without its scheme is https (Django 6's default; upstream pages are).
    overrides = {models.URLField: {"assume_scheme": "https"}, **cls.formfield_overrides}
    attrs = {"__module__": cls.__module__, "formfield_overrides": overrides}
    return type(cls.__name__, (mixin, cls), attrs)


class OncallAdminSite(admin.AdminSite):
    site_header = "On-call back office"
    site_title = "On-call back office"
    index_title = "Team, sprints and synced data"

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = _plain(admin_class or admin.ModelAdmin, PlainTextAdmin)
        admin_class.inlines = [_plain(inline, PlainTextInline) for inline in admin_class.inlines]
        super().register(model_or_iterable, admin_class, **options)


class OncallAdminConfig(AdminConfig):
    default_site = "oncall_site.admin_site.OncallAdminSite"

"""The back office is an edge too: control characters and bidi overrides typed by staff are
removed before anything is stored, on every registered model's forms."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from oncall_site.forms import PlainTextForm
from rotations.models import PartnerTeam, Service


def test_every_admin_form_and_inline_cleans_typed_text(lead):
    request = RequestFactory().get("/admin/")
    request.user = lead
    assert admin.site._registry, "no model is registered"
    for model, model_admin in admin.site._registry.items():
        # A change form of an unsaved row: django-q2's read-only admins need a row.
        obj = model()
        assert issubclass(model_admin.get_form(request, obj), PlainTextForm), model
        for inline in model_admin.get_inline_instances(request, obj):
            formset = inline.get_formset(request, obj)
            assert issubclass(formset.form, PlainTextForm), (model, inline)
        if model_admin.list_editable:
            assert issubclass(model_admin.get_changelist_form(request), PlainTextForm), model


@pytest.mark.django_db
def test_a_team_typed_in_the_admin_is_stored_without_controls(client, lead):
    client.force_login(lead)
    typed = {
        "name": "Claims\x1b[31m \u202eteam",
        "slug": "claims",
        "slack_channel": "#cc-claims\x07",
        "contact": "",
        "notes": "line one\r\nline\x0b two",
        "services-TOTAL_FORMS": "1",
        "services-INITIAL_FORMS": "0",
        "services-MIN_NUM_FORMS": "0",
        "services-MAX_NUM_FORMS": "1000",
        "services-0-name": "claims-api",
        "services-0-description": "Claims \u2067API\u2069\x00",
        "services-0-active": "on",
    }
    add = "/admin/rotations/partnerteam/add/"
    response = client.post(add, typed)
    # Django refuses a NUL itself, in words, before our cleaning runs.
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()
    assert not PartnerTeam.objects.exists()

    response = client.post(add, {**typed, "services-0-description": "Claims \u2067API\u2069\x1b"})
    assert response.status_code == 302, response.content.decode()[:2000]
    team = PartnerTeam.objects.get()
    assert team.name == "Claims[31m team"
    assert team.slack_channel == "#cc-claims"
    assert team.notes == "line one\nline two"
    assert Service.objects.get(team=team).description == "Claims API"
